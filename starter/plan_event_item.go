package main

import (
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// planEventItemCmd edits one line of a billing event's items (seed 003: in a plan of
// items, an event not executed may change its lines' description, unit price, discount
// and quantity, or lose a line); the event bills its own items from then on.
func planEventItemCmd(a *app) *cobra.Command {
	var desc, qty, price, discount string
	var remove bool
	c := &cobra.Command{
		Use:   "item ID LINE [--description D] [--qty Q] [--price P] [--discount PCT] | --remove",
		Short: "Change one line of a billing event's items, or remove it; executed events refuse changes",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var probs []string
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				probs = append(probs, fmt.Sprintf("ID: %q is not an event id", args[0]))
			}
			line, err := strconv.Atoi(args[1])
			if err != nil || line <= 0 {
				probs = append(probs, fmt.Sprintf("LINE: %q is not a line number", args[1]))
			}
			e := rules.EventItemEdit{Line: line, Remove: remove}
			for _, f := range []struct {
				flag, v string
				to      **decimal.Decimal
			}{{"--qty", qty, &e.Quantity}, {"--price", price, &e.Price}, {"--discount", discount, &e.DiscountPct}} {
				if !cmd.Flags().Changed(f.flag[2:]) {
					continue
				}
				d, err := decimal.NewFromString(f.v)
				if err != nil {
					probs = append(probs, fmt.Sprintf("%s: %q is not a number", f.flag, f.v))
				}
				*f.to = &d
			}
			if cmd.Flags().Changed("description") {
				e.Description = &desc
			}
			if len(probs) > 0 {
				return &model.InputError{Problems: probs}
			}
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			var plan string
			var items []rules.PlanItem
			err = st.InTx(cmd.Context(), func(tx *store.Tx) error {
				var state string
				var before []rules.PlanItem
				if plan, state, before, err = tx.LockEventItems(id); err != nil {
					return err
				}
				if items, err = rules.EditEventItems(id, state, before, e); err != nil {
					return &model.InputError{Problems: []string{err.Error()}}
				}
				return tx.SetEventItems(id, items)
			})
			if err != nil {
				return err
			}
			return a.emit(map[string]any{"event": id, "plan": plan, "items": items}, func() {
				fmt.Fprintf(a.out, "event %d of plan %s bills its own items now:\n", id, plan)
				for _, x := range items {
					fmt.Fprintf(a.out, "  %d  %-10s %-30s %s x %s, discount %s%%\n", x.LineNo, x.Item, x.Description, x.Quantity, x.Price, x.DiscountPct)
				}
			})
		},
	}
	c.Flags().StringVar(&desc, "description", "", "the line's description on this event's invoices")
	c.Flags().StringVar(&qty, "qty", "", "the quantity billed")
	c.Flags().StringVar(&price, "price", "", "the unit price")
	c.Flags().StringVar(&discount, "discount", "", "the discount, a percent")
	c.Flags().BoolVar(&remove, "remove", false, "remove the line from this event")
	return c
}
