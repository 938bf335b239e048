package main

import (
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"billrun/internal/model"
)

func orderCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "order", Short: "Set what the next bill run invoices of an order; deliver it (delivery notes)"}
	c.AddCommand(orderToInvoiceCmd(a), orderDeliverCmd(a), orderDeliveriesCmd(a))
	return c
}

func orderToInvoiceCmd(a *app) *cobra.Command {
	var line int
	var qty string
	c := &cobra.Command{
		Use:   "to-invoice ORDER --line N --qty Q",
		Short: "Set the quantity of an order line the next bill run invoices (at most what is pending), e.g. the rest after a partial bill run",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			order, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return &model.InputError{Problems: []string{fmt.Sprintf("ORDER: %q is not an order number", args[0])}}
			}
			q, err := decimal.NewFromString(qty)
			if err != nil {
				return &model.InputError{Problems: []string{fmt.Sprintf("--qty: %q is not a number", qty)}}
			}
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			v, err := st.SetToInvoice(cmd.Context(), order, line, q)
			if err != nil {
				return err
			}
			return a.emit(v, func() {
				fmt.Fprintf(a.out, "order %d line %d (%s): %s to invoice; %s ordered, %s invoiced, %s pending\n",
					v.Order, v.Line, v.Item, v.ToInvoice, v.Ordered, v.Invoiced, v.Pending)
			})
		},
	}
	c.Flags().IntVar(&line, "line", 0, "the order's line number")
	c.Flags().StringVar(&qty, "qty", "", "quantity to invoice next")
	_ = c.MarkFlagRequired("line")
	_ = c.MarkFlagRequired("qty")
	return c
}
