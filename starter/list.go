package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"billrun/internal/model"
)

// checkDates refuses --from/--to that are not dates.
func checkDates(from, to string) error {
	var probs []string
	for flag, v := range map[string]string{"--from": from, "--to": to} {
		if _, err := time.Parse(time.DateOnly, v); v != "" && err != nil {
			probs = append(probs, fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", flag, v))
		}
	}
	if len(probs) > 0 {
		return &model.InputError{Problems: probs}
	}
	return nil
}

func batchListCmd(a *app) *cobra.Command {
	var f model.BatchFilter
	c := &cobra.Command{
		Use:   "list",
		Short: "List batches, newest first (--status, --from/--to invoice dates, --limit)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDates(f.From, f.To); err != nil {
				return err
			}
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			rows, err := st.ListBatches(cmd.Context(), f)
			if err != nil {
				return err
			}
			return a.emit(rows, func() {
				if len(rows) > 0 {
					fmt.Fprintf(a.out, "%-28s %-12s %-18s %-11s %-15s  %s\n", "BATCH", "SOURCE", "STATUS", "SERIES", "INVOICE DATE", "INVOICES")
				}
				for _, b := range rows {
					draft := ""
					if b.Draft {
						draft = " (draft)"
					}
					fmt.Fprintf(a.out, "%-28s %-12s %-18s series %-4s date %s  %d invoices: %d completed, %d failed%s\n",
						b.ID, b.Source, b.Status, b.Series, b.InvoiceDate, b.Invoices, b.Completed, b.Failed, draft)
				}
				if len(rows) == 0 {
					fmt.Fprintln(a.out, "no batches")
				}
			})
		},
	}
	c.Flags().StringVar(&f.Status, "status", "", "created, planning, grouping, planned, awaiting_approval, running or finished")
	c.Flags().StringVar(&f.From, "from", "", "invoice date on or after (YYYY-MM-DD)")
	c.Flags().StringVar(&f.To, "to", "", "invoice date on or before (YYYY-MM-DD)")
	c.Flags().IntVar(&f.Limit, "limit", 100, "at most this many")
	return c
}

func invoiceListCmd(a *app) *cobra.Command {
	var f model.InvoiceFilter
	c := &cobra.Command{
		Use:   "list",
		Short: "List invoices and credit notes, newest first (--status, --batch, --customer, --series, --kind, --from/--to, --limit)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDates(f.From, f.To); err != nil {
				return err
			}
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			rows, err := st.ListInvoices(cmd.Context(), f)
			if err != nil {
				return err
			}
			return a.emit(rows, func() {
				if len(rows) > 0 {
					fmt.Fprintf(a.out, "%-8s %-10s %-11s %-12s %-10s %14s %-4s %-10s %-16s %-15s %s\n",
						"ID", "NUMBER", "KIND", "CUSTOMER", "DATE", "TOTAL", "CUR", "STATUS", "FISCAL", "E-MAIL", "BATCH / CFE")
				}
				for _, x := range rows {
					num := x.Number
					if num == "" {
						num = "(none)"
					}
					fmt.Fprintf(a.out, "%-8d %-10s %-11s %-12s %s %14s %s  %-10s fiscal %-9s e-mail %-8s batch %s",
						x.ID, num, x.Kind, x.Customer, x.Date, x.Total, x.Currency, x.Status, x.FiscalStatus, x.Delivery, x.Batch)
					if x.FiscalNumber != "" && x.FiscalNumber != x.Number {
						fmt.Fprintf(a.out, "  %s", x.FiscalNumber) // a CFE: as DGI knows it
					}
					fmt.Fprintln(a.out)
				}
				if len(rows) == 0 {
					fmt.Fprintln(a.out, "no invoices")
				}
			})
		},
	}
	c.Flags().StringVar(&f.Status, "status", "", "draft, processing, completed, failed or cancelled")
	c.Flags().StringVar(&f.Batch, "batch", "", "batch id")
	c.Flags().StringVar(&f.Customer, "customer", "", "customer code")
	c.Flags().StringVar(&f.Series, "series", "", "series code")
	c.Flags().StringVar(&f.Kind, "kind", "", "invoice, ticket or credit_note")
	c.Flags().StringVar(&f.From, "from", "", "invoice date on or after (YYYY-MM-DD)")
	c.Flags().StringVar(&f.To, "to", "", "invoice date on or before (YYYY-MM-DD)")
	c.Flags().IntVar(&f.Limit, "limit", 100, "at most this many")
	return c
}
