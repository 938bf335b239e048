package main

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"billrun/activities/model"
)

func paymentCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "payment", Short: "Record what customers pay against their invoices' receivables"}
	c.AddCommand(paymentRecordCmd(a))
	return c
}

func paymentRecordCmd(a *app) *cobra.Command {
	var date string
	c := &cobra.Command{
		Use:   "record INVOICE AMOUNT",
		Short: "Apply a payment to an invoice's receivable (never more than its balance); a paid invoice can no longer be cancelled",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			amount, err := decimal.NewFromString(args[1])
			if err != nil {
				return &model.InputError{Problems: []string{fmt.Sprintf("AMOUNT: %q is not a number", args[1])}}
			}
			on, err := time.Parse(time.DateOnly, date)
			if err != nil {
				return &model.InputError{Problems: []string{fmt.Sprintf("--date: %q is not a date (YYYY-MM-DD)", date)}}
			}
			id, err := findInvoice(ctx, a, args[0])
			if err != nil {
				return err
			}
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			r, err := st.RecordPayment(ctx, id, amount, on)
			if err != nil {
				return err
			}
			return a.emit(r, func() {
				fmt.Fprintf(a.out, "invoice %s: paid %s on %s; balance %s of %s (%s)\n", args[0], amount, date, r.Balance, r.Amount, r.Status)
			})
		},
	}
	c.Flags().StringVar(&date, "date", time.Now().Format(time.DateOnly), "the day it was paid")
	return c
}
