package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"billrun/activities"
)

func invoiceCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "invoice", Short: "Look at and retry single invoices"}
	c.AddCommand(invoiceShowCmd(a), invoiceRetryCmd(a), invoiceXMLCmd(a), invoicePDFCmd(a), invoiceResealCmd(a), invoiceResendCmd(a))
	return c
}

func parseInvoiceID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, &activities.InputError{Problems: []string{fmt.Sprintf("ID: %q is not an invoice id (a positive number)", s)}}
	}
	return id, nil
}

// readInvoice reads the invoice an ID argument names.
func readInvoice(ctx context.Context, a *app, arg string) (activities.InvoiceView, error) {
	id, err := parseInvoiceID(arg)
	if err != nil {
		return activities.InvoiceView{}, err
	}
	db, err := a.DB(ctx)
	if err != nil {
		return activities.InvoiceView{}, err
	}
	return activities.ReadInvoice(ctx, db, id)
}

func invoiceShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show an invoice: header, statuses, lines, totals and its audit trail",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := readInvoice(cmd.Context(), a, args[0])
			if err != nil {
				return err
			}
			return a.emit(v, func() {
				num := "(no number)"
				if v.Number != nil {
					num = fmt.Sprintf("%s-%d", v.Series, *v.Number)
				}
				fmt.Fprintf(a.out, "invoice %d  %s  %s  batch %s\n", v.ID, num, v.DocumentKind, v.BatchID)
				fmt.Fprintf(a.out, "  customer %s (%s), date %s, %s, terms %s\n", v.Customer, v.CustomerName, v.Date, v.Currency, v.PaymentTerms)
				fmt.Fprintf(a.out, "  status %s, fiscal %s, delivery %s, attempt %d\n", v.Status, v.FiscalStatus, v.DeliveryStatus, v.Attempt)
				if v.ErrorReason != "" {
					fmt.Fprintf(a.out, "  failed at %s: %s\n", v.ErrorStep, v.ErrorReason)
				}
				if v.FiscalError != "" {
					fmt.Fprintf(a.out, "  not sealed: %s (fix, then: billrun invoice reseal %d)\n", v.FiscalError, v.ID)
				}
				for _, l := range v.Lines {
					fmt.Fprintf(a.out, "  %2d %-8s %10s × %12s  disc %9s  subtotal %11s  VAT %10s  total %11s  (%s)\n", l.LineNo, l.Item,
						l.Quantity.String(), l.UnitPrice.String(), l.Discount.StringFixed(2), l.Subtotal.StringFixed(2),
						l.VAT.StringFixed(2), l.Total.StringFixed(2), l.Source)
				}
				fmt.Fprintf(a.out, "  amount %s  discount %s  subtotal %s  VAT %s  excise %s  VAT withheld %s  ISR withheld %s  total %s\n",
					v.Amount.StringFixed(2), v.Discount.StringFixed(2), v.Subtotal.StringFixed(2), v.VAT.StringFixed(2),
					v.Excise.StringFixed(2), v.VATWithheld.StringFixed(2), v.ISRWithheld.StringFixed(2), v.Total.StringFixed(2))
				fmt.Fprintln(a.out, "  audit:")
				for _, e := range v.Audit {
					fmt.Fprintf(a.out, "    %s  %-16s attempt %d  %-7s %s\n", e.At.Format("2006-01-02 15:04:05"), e.Step, e.Attempt, e.Outcome, e.Detail)
				}
			})
		},
	}
}

// retryOneCmd retries one invoice through its batch, when allowed says it may be.
func retryOneCmd(a *app, use, short string, allowed func(activities.InvoiceView) error) *cobra.Command {
	var wait bool
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := readInvoice(cmd.Context(), a, args[0])
			if err != nil {
				return err
			}
			if err := allowed(v); err != nil {
				return err
			}
			return retry(cmd.Context(), a, v.BatchID, []int64{v.ID}, wait)
		},
	}
	c.Flags().BoolVar(&wait, "wait", false, "wait until it ends and show the batch summary")
	return c
}

func invoiceRetryCmd(a *app) *cobra.Command {
	return retryOneCmd(a, "retry ID", "Retry one failed invoice (after fixing its data); the batch summary follows",
		func(v activities.InvoiceView) error {
			if v.Status != "failed" {
				return fmt.Errorf("invoice %d is %s: only failed invoices can be retried", v.ID, v.Status)
			}
			return nil
		})
}
