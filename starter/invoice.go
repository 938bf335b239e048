package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"billrun/activities/model"
)

func invoiceCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "invoice", Short: "Look at, retry, reseal and resend single invoices"}
	c.AddCommand(invoiceShowCmd(a), invoiceRetryCmd(a), invoiceXMLCmd(a), invoicePDFCmd(a), invoiceResealCmd(a), invoiceResendCmd(a))
	return c
}

func parseInvoiceID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, &model.InputError{Problems: []string{fmt.Sprintf("ID: %q is not an invoice id (a positive number)", s)}}
	}
	return id, nil
}

// readInvoice reads the invoice an ID argument names.
func readInvoice(ctx context.Context, a *app, arg string) (model.InvoiceView, error) {
	id, err := parseInvoiceID(arg)
	if err != nil {
		return model.InvoiceView{}, err
	}
	st, err := a.Store(ctx)
	if err != nil {
		return model.InvoiceView{}, err
	}
	return st.ReadInvoice(ctx, id)
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
			return a.emit(v, func() { printInvoice(a.out, v) })
		},
	}
}

// retryOneCmd retries one invoice through its batch, when allowed says it may be.
func retryOneCmd(a *app, use, short string, allowed func(model.InvoiceView) error) *cobra.Command {
	var wait bool
	var date string
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
			return retry(cmd.Context(), a, v.BatchID, []int64{v.ID}, date, wait)
		},
	}
	c.Flags().BoolVar(&wait, "wait", false, "wait until it ends and show the batch summary")
	c.Flags().StringVar(&date, "date", time.Now().Format(time.DateOnly), "a retried invoice's date (never before the series' last numbered date)")
	return c
}

func invoiceRetryCmd(a *app) *cobra.Command {
	return retryOneCmd(a, "retry ID", "Retry one failed invoice (after fixing its data); the batch summary follows",
		func(v model.InvoiceView) error {
			if v.Status != "failed" {
				return fmt.Errorf("invoice %d is %s: only failed invoices can be retried", v.ID, v.Status)
			}
			return nil
		})
}

func invoiceResealCmd(a *app) *cobra.Command {
	return retryOneCmd(a, "reseal ID", "Seal (and print and deliver) a completed invoice whose sealing failed, after fixing the cause",
		func(v model.InvoiceView) error {
			if v.Status != "completed" || v.FiscalError == "" {
				return fmt.Errorf("invoice %d is %s, fiscal status %s: only completed invoices whose sealing failed are resealed", v.ID, v.Status, v.FiscalStatus)
			}
			return nil
		})
}

// fiscalFiles reads the stored XML and PDF of the invoice an ID argument names.
func fiscalFiles(ctx context.Context, a *app, arg string) (int64, string, []byte, error) {
	id, err := parseInvoiceID(arg)
	if err != nil {
		return 0, "", nil, err
	}
	st, err := a.Store(ctx)
	if err != nil {
		return 0, "", nil, err
	}
	xml, pdf, err := st.FiscalFiles(ctx, id)
	return id, xml, pdf, err
}

func invoiceXMLCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "xml ID",
		Short: "Print an invoice's sealed CFDI 4.0 XML",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, xml, _, err := fiscalFiles(cmd.Context(), a, args[0])
			if err != nil {
				return err
			}
			return a.emit(map[string]any{"invoice_id": id, "xml": xml}, func() { fmt.Fprint(a.out, xml) })
		},
	}
}

func invoicePDFCmd(a *app) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "pdf ID -o FILE",
		Short: "Write an invoice's PDF to FILE",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return &model.InputError{Problems: []string{"-o: the output file is required"}}
			}
			id, _, pdf, err := fiscalFiles(cmd.Context(), a, args[0])
			if err != nil {
				return err
			}
			if len(pdf) == 0 {
				return fmt.Errorf("invoice %d is sealed but not printed yet", id)
			}
			if err := os.WriteFile(out, pdf, 0o644); err != nil {
				return err
			}
			return a.emit(map[string]any{"invoice_id": id, "file": out, "bytes": len(pdf)}, func() {
				fmt.Fprintf(a.out, "wrote %s (%d bytes)\n", out, len(pdf))
			})
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "the PDF file to write")
	return c
}

func invoiceResendCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "resend ID",
		Short: "E-mail an invoice's XML and PDF again: an explicit delivery, recorded with its own Message-ID",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			v, err := readInvoice(ctx, a, args[0])
			if err != nil {
				return err
			}
			if v.FiscalStatus != "pdf" {
				return fmt.Errorf("invoice %d has fiscal status %s: only sealed and printed invoices are sent", v.ID, v.FiscalStatus)
			}
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			seq, err := st.NextDeliverySeq(ctx, v.ID)
			if err != nil {
				return err
			}
			wc, err := a.Workflows(ctx)
			if err != nil {
				return err
			}
			if err := wc.Deliver(ctx, v.ID, seq, fmt.Sprintf("Resend of invoice %d (delivery %d)", v.ID, seq)); err != nil {
				return err
			}
			d, err := st.ReadDelivery(ctx, v.ID, seq)
			if err != nil {
				return err
			}
			return a.emit(d, func() { fmt.Fprintf(a.out, "invoice %d delivery %d: %s %s\n", d.InvoiceID, d.Seq, d.Status, d.Detail) })
		},
	}
}
