package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"billrun/activities"
	"billrun/workflows"
)

// fiscalDoc reads an invoice's stored CFDI and PDF.
func fiscalDoc(ctx context.Context, a *app, id int64) (xml string, pdf []byte, err error) {
	db, err := a.DB(ctx)
	if err != nil {
		return "", nil, err
	}
	if _, err := activities.ReadInvoice(ctx, db, id); err != nil {
		return "", nil, err
	}
	err = db.QueryRow(ctx, `select xml, pdf from fiscal_documents where invoice_id = $1`, id).Scan(&xml, &pdf)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, fmt.Errorf("invoice %d is not sealed yet (see billrun invoice show %d)", id, id)
	}
	return xml, pdf, err
}

func invoiceXMLCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "xml ID",
		Short: "Print an invoice's sealed CFDI 4.0 XML",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseInvoiceID(args[0])
			if err != nil {
				return err
			}
			xml, _, err := fiscalDoc(cmd.Context(), a, id)
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
			id, err := parseInvoiceID(args[0])
			if err != nil {
				return err
			}
			if out == "" {
				return &activities.InputError{Problems: []string{"-o: the output file is required"}}
			}
			_, pdf, err := fiscalDoc(cmd.Context(), a, id)
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

func invoiceResealCmd(a *app) *cobra.Command {
	return retryOneCmd(a, "reseal ID", "Seal (and print and deliver) a completed invoice whose sealing failed, after fixing the cause",
		func(v activities.InvoiceView) error {
			if v.Status != "completed" || v.FiscalError == "" {
				return fmt.Errorf("invoice %d is %s, fiscal status %s: only completed invoices whose sealing failed are resealed", v.ID, v.Status, v.FiscalStatus)
			}
			return nil
		})
}

func invoiceResendCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "resend ID",
		Short: "E-mail an invoice's XML and PDF again: an explicit delivery, recorded with its own Message-ID",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			v, err := readInvoice(ctx, a, args[0])
			if err != nil {
				return err
			}
			id := v.ID
			db, err := a.DB(ctx)
			if err != nil {
				return err
			}
			if v.FiscalStatus != "pdf" {
				return fmt.Errorf("invoice %d has fiscal status %s: only sealed and printed invoices are sent", id, v.FiscalStatus)
			}
			var seq int
			if err := db.QueryRow(ctx, `select coalesce(max(seq), 0) + 1 from deliveries where invoice_id = $1`, id).Scan(&seq); err != nil {
				return err
			}
			tc, err := a.Temporal()
			if err != nil {
				return err
			}
			run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: workflows.DeliveryWorkflowID(id, seq), TaskQueue: a.cfg.TaskQueue,
				StaticSummary: fmt.Sprintf("Resend of invoice %d (delivery %d)", id, seq),
			}, workflows.DeliveryWorkflow, id, seq)
			if err != nil {
				return err
			}
			if err := run.Get(ctx, nil); err != nil {
				return err
			}
			var status, detail string
			if err := db.QueryRow(ctx, `select status, detail from deliveries where invoice_id = $1 and seq = $2`, id, seq).Scan(&status, &detail); err != nil {
				return err
			}
			return a.emit(map[string]any{"invoice_id": id, "delivery": seq, "status": status, "detail": detail,
				"message_id": activities.MessageID(id, seq)}, func() {
				fmt.Fprintf(a.out, "invoice %d delivery %d: %s %s\n", id, seq, status, detail)
			})
		},
	}
	return c
}
