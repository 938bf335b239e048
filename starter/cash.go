package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"billrun/internal/model"
)

func cashCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "cash", Short: "Cash boxes: cash sales collected on the spot, refunds, cancellations (seed 004)"}
	c.AddCommand(cashMovementsCmd(a))
	return c
}

func cashMovementsCmd(a *app) *cobra.Command {
	var box, from, to string
	c := &cobra.Command{
		Use:   "movements [--box B] [--from DATE --to DATE]",
		Short: "List the cash boxes' movements: sales collected in, refunds and cancellations out",
		Long: `Lists the movements of the cash boxes (or of --box) dated FROM..TO (default: all): a sale on
cash terms that name a box collected into it as it completed (in, sale), a return or
rebate on it paid back out (out, refund), a cancellation giving the money back (cancel),
each with its amount in the box's currency, the document that moved it and its sale.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, t, err := dateRange(from, to)
			if err != nil {
				return err
			}
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			ms, err := st.CashMovements(cmd.Context(), box, f, t)
			if err != nil {
				return err
			}
			if ms == nil {
				ms = []model.CashMovement{}
			}
			return a.emit(ms, func() {
				if len(ms) == 0 {
					fmt.Fprintln(a.out, "no cash movements")
				}
				for _, m := range ms {
					fmt.Fprintf(a.out, "%s  %-10s %-3s %12s %s  %-6s %-10s of %s\n", m.Date, m.Box, m.Direction, m.Amount.StringFixed(2), m.Currency, m.Reason, m.Document, m.Sale)
				}
			})
		},
	}
	c.Flags().StringVar(&box, "box", "", "only this cash box's movements")
	c.Flags().StringVar(&from, "from", "", "first date (YYYY-MM-DD; default: the first)")
	c.Flags().StringVar(&to, "to", "", "last date (YYYY-MM-DD; default: the last)")
	return c
}

// dateRange reads --from and --to, each optional (open ended), naming a flag that is not a
// date or a range that ends before it starts.
func dateRange(from, to string) (time.Time, time.Time, error) {
	f, t := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	var probs []string
	for _, x := range []struct {
		flag, v string
		dst     *time.Time
	}{{"--from", from, &f}, {"--to", to, &t}} {
		if x.v == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, x.v)
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", x.flag, x.v))
			continue
		}
		*x.dst = d
	}
	if len(probs) == 0 && t.Before(f) {
		probs = append(probs, fmt.Sprintf("--to: %s is before --from %s", to, from))
	}
	if len(probs) > 0 {
		return f, t, &model.InputError{Problems: probs}
	}
	return f, t, nil
}
