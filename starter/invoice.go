package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"billrun/activities"
	"billrun/internal/batching"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/workflows"
)

func invoiceCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "invoice", Short: "Look at, retry, reseal, restamp and resend single invoices; credit them (return, rebate), cancel them, ask SAT their status"}
	c.AddCommand(invoiceListCmd(a), invoiceShowCmd(a), invoiceRetryCmd(a), invoiceXMLCmd(a), invoicePDFCmd(a), invoiceResealCmd(a), invoiceRestampCmd(a), invoiceResendCmd(a),
		invoiceReturnCmd(a), invoiceRebateCmd(a), invoiceCancelCmd(a), invoiceAbandonCmd(a), invoiceStatusCmd(a), invoiceContingencyCmd(a), invoiceReceiverAckCmd(a))
	return c
}

// findInvoice finds the invoice an argument names: its id, its number or its UUID.
func findInvoice(ctx context.Context, a *app, ref string) (int64, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return 0, err
	}
	return st.FindInvoice(ctx, ref)
}

// readInvoice reads the invoice an argument names.
func readInvoice(ctx context.Context, a *app, ref string) (model.InvoiceView, error) {
	id, err := findInvoice(ctx, a, ref)
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
		Use:   "show ID|NUMBER|UUID",
		Short: "Show an invoice (by id, number like A-4, or folio fiscal): header, statuses, UUID, lines, totals, audit trail",
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

// retryOneCmd retries one invoice through its batch, when allowed says it may be; prepare,
// when set, readies it first. With --wait it waits until that invoice has settled
// (published, or failed again with its reason), then shows its batch's summary.
func retryOneCmd(a *app, use, short string, allowed func(model.InvoiceView) error, prepare func(context.Context, int64) error) *cobra.Command {
	var w waitFlags
	var date string
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			v, err := readInvoice(ctx, a, args[0])
			if err != nil {
				return err
			}
			if err := allowed(v); err != nil {
				return err
			}
			warning, err := stillFailing(ctx, a, v)
			if err != nil {
				return err
			}
			if warning != "" && !a.jsonOut {
				fmt.Fprintf(a.out, "warning: invoice %d would fail again now: %s (retrying anyway)\n", v.ID, warning)
			}
			if prepare != nil {
				if err := prepare(ctx, v.ID); err != nil {
					return err
				}
			}
			if v.CreditOf != nil {
				// A credit note has no batch: its own workflow takes it on from where it stopped.
				req := activities.CreditNoteRequest{InvoiceID: *v.CreditOf, Seq: v.CreditSeq, Kind: v.CreditKind, Date: v.Date}
				return startCredit(ctx, a, req, fmt.Sprintf("invoice %d", *v.CreditOf), w)
			}
			if err := requestRetry(ctx, a, v.BatchID, []int64{v.ID}, date); err != nil {
				return err
			}
			if !w.wait {
				return a.emit(map[string]any{"batch_id": v.BatchID, "invoice_id": v.ID, "retrying": true, "warning": warning}, func() {
					fmt.Fprintf(a.out, "invoice %d: retry asked of batch %s; watch with 'billrun invoice show %d'\n", v.ID, v.BatchID, v.ID)
				})
			}
			// The retry is taken once the batch made the invoice a new attempt (or a new
			// publishing attempt, for a reseal or restamp).
			taken := func(now model.InvoiceView) bool {
				return now.Attempt > v.Attempt || now.PublishAttempt > v.PublishAttempt
			}
			wc, err := a.Workflows(ctx)
			if err != nil {
				return err
			}
			link := workflowURL(a, workflows.InvoiceWorkflowID(wc.Installation, v.ID))
			if err := w.run(ctx, fmt.Sprintf("invoice %d", v.ID), link, func(ctx context.Context) error { return waitInvoice(ctx, a, v.ID, taken) }); err != nil {
				return err
			}
			return showStatus(ctx, a, v.BatchID)
		},
	}
	w.bind(c, "until the invoice is published or fails again, then show its batch's summary")
	c.Flags().StringVar(&date, "date", "", "a retried invoice's date, never before the series' last numbered date"+todayHelp)
	return c
}

func invoiceRetryCmd(a *app) *cobra.Command {
	return retryOneCmd(a, "retry ID", "Retry one failed invoice (after fixing its data); the batch summary follows",
		func(v model.InvoiceView) error {
			if v.Status != "failed" {
				return fmt.Errorf("invoice %d is %s: only failed invoices can be retried", v.ID, v.Status)
			}
			return nil
		}, nil)
}

func invoiceResealCmd(a *app) *cobra.Command {
	return retryOneCmd(a, "reseal ID", "Seal anew (dated now), stamp, print and deliver a completed invoice whose sealing or stamping failed, after fixing the cause",
		func(v model.InvoiceView) error {
			if v.Status != "completed" || v.FiscalError == "" || v.UUID != "" {
				return fmt.Errorf("invoice %d is %s, fiscal status %s: only completed invoices whose sealing or stamping failed are resealed", v.ID, v.Status, v.FiscalStatus)
			}
			return nil
		},
		// A sealed document no PAC stamped has no fiscal value: it is made again, dated now
		// (a PAC stamps only documents of the last 72 hours).
		func(ctx context.Context, id int64) error {
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			return st.DiscardUnstamped(ctx, id)
		})
}

func invoiceRestampCmd(a *app) *cobra.Command {
	return retryOneCmd(a, "restamp ID", "Take a completed invoice whose stamping or printing failed on from there: the same sealed document to the PAC (or DGI) again, then print and deliver",
		func(v model.InvoiceView) error {
			if v.Status != "completed" || (v.FiscalStatus != "sealed" && v.FiscalStatus != "stamped") || v.FiscalError == "" {
				return fmt.Errorf("invoice %d is %s, fiscal status %s: only invoices whose stamping or printing failed are restamped", v.ID, v.Status, v.FiscalStatus)
			}
			return nil
		}, refuseAnnulled(a))
}

// refuseAnnulled refuses to restamp a CFE DGI refused once a daily report DGI received has
// listed its number as annulled (publication refuses to send it too, whoever takes it on).
func refuseAnnulled(a *app) func(context.Context, int64) error {
	return func(ctx context.Context, id int64) error {
		st, err := a.Store(ctx)
		if err != nil {
			return err
		}
		r, ok, err := st.CFEDayReport(ctx, id)
		if err != nil || !ok || !cfe.ReportedAnnulled(r.Report, r.Type, r.Series, r.Number) {
			return err
		}
		return fmt.Errorf("invoice %d: %s", id, rules.AnnulledCFE(r.Type, r.Series, r.Number, r.Day, r.Sequence))
	}
}

// fiscalFiles reads the stored XML and PDF of the invoice an ID argument names.
func fiscalFiles(ctx context.Context, a *app, arg string) (int64, string, []byte, error) {
	id, err := findInvoice(ctx, a, arg)
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
		Short: "Print an invoice's CFDI 4.0 XML as stored (stamped once the PAC stamped it)",
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

// stillFailing says what would make a failed invoice fail again if it ran now — the
// recorded cause still there (stock still short, the item still without a VAT rate) — or
// "" when nothing would, as the draft review sees it.
func stillFailing(ctx context.Context, a *app, v model.InvoiceView) (string, error) {
	if v.Status != "failed" || v.BatchID == "" {
		return "", nil
	}
	st, err := a.Store(ctx)
	if err != nil {
		return "", err
	}
	review, err := batching.RetryReview(ctx, st, v.BatchID, []int64{v.ID})
	if err != nil || len(review) == 0 {
		return "", err
	}
	return review[0].Problem, nil
}
