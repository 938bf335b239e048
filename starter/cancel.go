package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/workflows"
)

func invoiceCancelCmd(a *app) *cobra.Command {
	var reason, replacedBy, key string
	var w waitFlags
	var poll time.Duration
	c := &cobra.Command{
		Use:   "cancel INVOICE --reason 01|02|03|04 [--replaced-by INVOICE]",
		Short: "Cancel an invoice at SAT and undo it: stock back, receivable cancelled, its orders billable again (refused once paid)",
		Long: `Cancels a completed invoice with SAT's motive:
  01  issued with errors and replaced (--replaced-by names the stamped invoice replacing it)
  02  issued with errors, not replaced
  03  the operation did not take place
  04  nominative operation included in a global invoice
Cancellation is refused once payments are applied to the invoice, and while credit notes
relate to it. SAT cancels at once where its rules allow; otherwise the receiver must accept
(up to three business days; silence counts as acceptance) and the cancellation's workflow
waits for the answer. Only once SAT has cancelled the CFDI are stock, receivable and sources
undone. The invoice keeps its number.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			v, err := readInvoice(ctx, a, args[0])
			if err != nil {
				return err
			}
			req := activities.CancelRequest{InvoiceID: v.ID, Motive: reason}
			if replacedBy != "" {
				r, err := readInvoice(ctx, a, replacedBy)
				if err != nil {
					return fmt.Errorf("--replaced-by: %w", err)
				}
				if r.UUID == "" {
					return fmt.Errorf("--replaced-by: invoice %d is not stamped: a replacement is named by its folio fiscal", r.ID)
				}
				req.Replacement = r.UUID
			}
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			req.Key = key
			if req.Key == "" {
				req.Key = contentKey("cancel", v.ID, req.Motive, req.Replacement)
			}
			wc, err := a.Workflows(ctx)
			if err != nil {
				return err
			}
			// The same key again answers the request it made (following its workflow); the
			// same key for another request is refused.
			prev, found, err := st.ReadCancellationRequest(ctx, v.ID)
			if err != nil {
				return err
			}
			// A rejected request asked again with the default key is a new request; with
			// its own --key it answers the rejection.
			again := found && prev.Key == req.Key && !(prev.Status == "rejected" && key == "")
			if again && prev.Request != req.Content() {
				return &model.InputError{Problems: []string{fmt.Sprintf("--key %q was given to another request (%s)", req.Key, prev.Request)}}
			}
			var run client.WorkflowRun
			if !again {
				if err := activities.CheckCancellation(ctx, st, req); err != nil {
					return err
				}
				summary := fmt.Sprintf("Cancellation of %s (motive %s)", invoiceNumber(v), reason)
				run, err = wc.StartCancellation(ctx, workflows.CancelInput{Request: req, PollEvery: poll}, summary)
				if errors.Is(err, workflows.ErrUnderWay) {
					// Started by this same command whose answer was lost, before its first
					// step recorded the key: follow it.
					if in, ierr := wc.CancellationUnderWay(ctx, v.ID); ierr == nil && in.Request.Key == req.Key {
						again, err = true, nil
					}
				}
				if err != nil {
					return err
				}
			}
			if again {
				run = wc.Temporal.GetWorkflow(ctx, workflows.CancelWorkflowID(wc.Installation, v.ID), "")
			}
			if !a.jsonOut {
				how := "new request"
				if again {
					how = "asked before: its request is answered, none is made again"
				}
				fmt.Fprintf(a.out, "key %s (%s)\n", req.Key, how)
			}
			var werr error
			if w.wait {
				werr = w.run(ctx, "the cancellation of "+invoiceNumber(v), workflowURL(a, run.GetID()), func(ctx context.Context) error {
					return waitRun(ctx, a, wc, run, fmt.Sprintf("SAT to cancel %s (a receiver may take up to three business days to answer; asked every %s)", invoiceNumber(v), poll), nil)
				})
			}
			after, err := st.ReadInvoice(ctx, v.ID)
			if err != nil {
				return err
			}
			if err := a.emit(after, func() { printInvoice(a.out, after) }); err != nil {
				return err
			}
			return werr
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "SAT's cancellation motive: 01, 02, 03 or 04")
	c.Flags().StringVar(&replacedBy, "replaced-by", "", "with motive 01: the invoice replacing it (id, number or UUID)")
	c.Flags().StringVar(&key, "key", "", "the request's idempotency key (default: made of the invoice, motive, replacement and today)")
	w.bind(c, "until SAT has cancelled it (or the receiver rejected it), then show it")
	c.Flags().DurationVar(&poll, "poll-every", time.Hour, "how often to ask SAT while the receiver has not answered")
	return c
}
