package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/internal/store"
	"billrun/workflows"
)

// cancelFlags are what invoice cancel is told.
type cancelFlags struct {
	reason, replacedBy, key string
	nominative              []string
	wait                    waitFlags
	poll                    time.Duration
}

func invoiceCancelCmd(a *app) *cobra.Command {
	var f cancelFlags
	c := &cobra.Command{
		Use:   "cancel INVOICE --reason 01|02|03|04 [--replaced-by INVOICE] [--nominative SALE=CUSTOMER,...]",
		Short: "Cancel an invoice at SAT and undo it: stock back, receivable cancelled, its orders billable again (refused once paid)",
		Long: `Cancels a completed invoice with SAT's motive:
  01  issued with errors and replaced (--replaced-by names the stamped invoice replacing it)
  02  issued with errors, not replaced
  03  the operation did not take place
  04  nominative operation included in a global invoice: on a global invoice, with
      --nominative T-12=CUST1,T-13=CUST2 naming the sales a customer asks an invoice for;
      once SAT has cancelled it, each named sale becomes an invoice of its own to its
      customer (sealed, stamped, printed, e-mailed) and the other sales go in a new global
      invoice of the period, related to the cancelled one (TipoRelacion 04)
A global invoice cancelled with 02 releases its sales for the period's next global invoice.
A sale with no CFDI of its own not yet in a global invoice is cancelled here alone.
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
			req, err := f.request(ctx, a, v)
			if err != nil {
				return err
			}
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			wc, err := a.Workflows(ctx)
			if err != nil {
				return err
			}
			run, again, err := f.startOrFollow(ctx, st, wc, v, req)
			if err != nil {
				return err
			}
			if !a.jsonOut {
				printCancellationKey(a, req.Key, again)
			}
			return f.waitAndShow(ctx, a, st, wc, run, v)
		},
	}
	c.Flags().StringVar(&f.reason, "reason", "", "SAT's cancellation motive: 01, 02, 03 or 04")
	c.Flags().StringVar(&f.replacedBy, "replaced-by", "", "with motive 01: the invoice replacing it (id, number or UUID)")
	c.Flags().StringSliceVar(&f.nominative, "nominative", nil, "with motive 04 on a global invoice: SALE=CUSTOMER, the sales taken out of it and the customers they are invoiced to")
	c.Flags().StringVar(&f.key, "key", "", "the request's idempotency key (default: made of the invoice, motive, replacement and today)")
	f.wait.bind(c, "until SAT has cancelled it (or the receiver rejected it), then show it")
	c.Flags().DurationVar(&f.poll, "poll-every", time.Hour, "how often to ask SAT while the receiver has not answered")
	return c
}

// request is the cancellation of v the flags ask for, with its idempotency key.
func (f *cancelFlags) request(ctx context.Context, a *app, v model.InvoiceView) (activities.CancelRequest, error) {
	req := activities.CancelRequest{InvoiceID: v.ID, Motive: f.reason}
	if f.replacedBy != "" {
		r, err := readInvoice(ctx, a, f.replacedBy)
		if err != nil {
			return req, fmt.Errorf("--replaced-by: %w", err)
		}
		if r.UUID == "" {
			return req, fmt.Errorf("--replaced-by: invoice %d is not stamped: a replacement is named by its folio fiscal", r.ID)
		}
		req.Replacement = r.UUID
	}
	for _, n := range f.nominative {
		sale, customer, ok := strings.Cut(n, "=")
		if !ok || strings.TrimSpace(sale) == "" || strings.TrimSpace(customer) == "" {
			return req, &model.InputError{Problems: []string{fmt.Sprintf("--nominative: %q is not SALE=CUSTOMER (T-12=CUST1)", n)}}
		}
		req.Nominatives = append(req.Nominatives, activities.Nominative{Ticket: strings.TrimSpace(sale), Customer: strings.TrimSpace(customer)})
	}
	req.Key = f.key
	if req.Key == "" {
		parts := []any{v.ID, req.Motive, req.Replacement}
		if len(f.nominative) > 0 {
			parts = append(parts, strings.Join(f.nominative, ","))
		}
		req.Key = contentKey("cancel", parts...)
	}
	return req, nil
}

// startOrFollow starts the cancellation's workflow, or follows the one its key started
// already; it answers whether the request was asked before.
func (f *cancelFlags) startOrFollow(ctx context.Context, st *store.Store, wc workflows.Client, v model.InvoiceView, req activities.CancelRequest) (client.WorkflowRun, bool, error) {
	again, err := cancellationAskedBefore(ctx, st, req, f.key)
	if err != nil {
		return nil, false, err
	}
	if !again {
		run, underWay, err := startCancellation(ctx, st, wc, v, req, f.poll)
		if err != nil || !underWay {
			return run, false, err
		}
	}
	return wc.Temporal.GetWorkflow(ctx, workflows.CancelWorkflowID(wc.Installation, v.ID), ""), true, nil
}

// cancellationAskedBefore tells whether req's key asked for the invoice's cancellation
// before: the same key again answers the request it made (following its workflow); the
// same key for another request is refused.
func cancellationAskedBefore(ctx context.Context, st *store.Store, req activities.CancelRequest, key string) (bool, error) {
	prev, found, err := st.ReadCancellationRequest(ctx, req.InvoiceID)
	if err != nil {
		return false, err
	}
	// A rejected request asked again with the default key is a new request; with
	// its own --key it answers the rejection.
	again := found && prev.Key == req.Key && !(prev.Status == "rejected" && key == "")
	if again && prev.Request != req.Content() {
		return false, &model.InputError{Problems: []string{fmt.Sprintf("--key %q was given to another request (%s)", req.Key, prev.Request)}}
	}
	return again, nil
}

// startCancellation starts the cancellation's workflow once the invoice would take it. It
// answers underWay, and no run, when the workflow runs already for this same key.
func startCancellation(ctx context.Context, st *store.Store, wc workflows.Client, v model.InvoiceView, req activities.CancelRequest, poll time.Duration) (run client.WorkflowRun, underWay bool, err error) {
	if err := activities.CheckCancellation(ctx, st, req); err != nil {
		return nil, false, err
	}
	summary := fmt.Sprintf("Cancellation of %s (motive %s)", invoiceNumber(v), req.Motive)
	run, err = wc.StartCancellation(ctx, workflows.CancelInput{Request: req, PollEvery: poll}, summary)
	if errors.Is(err, workflows.ErrUnderWay) {
		// Started by this same command whose answer was lost, before its first
		// step recorded the key: follow it.
		if in, ierr := wc.CancellationUnderWay(ctx, v.ID); ierr == nil && in.Request.Key == req.Key {
			return nil, true, nil
		}
	}
	return run, false, err
}

// printCancellationKey says which key the request went by, so a script can ask again with it.
func printCancellationKey(a *app, key string, again bool) {
	how := "new request"
	if again {
		how = "asked before: its request is answered, none is made again"
	}
	fmt.Fprintf(a.out, "key %s (%s)\n", key, how)
}

// waitAndShow waits for SAT's answer when --wait asks it, then shows the invoice as it is
// now, even when the wait failed: the wait's error is still the command's.
func (f *cancelFlags) waitAndShow(ctx context.Context, a *app, st *store.Store, wc workflows.Client, run client.WorkflowRun, v model.InvoiceView) error {
	var werr error
	if f.wait.wait {
		werr = f.wait.run(ctx, "the cancellation of "+invoiceNumber(v), workflowURL(a, run.GetID()), func(ctx context.Context) error {
			return waitRun(ctx, a, wc, run, fmt.Sprintf("SAT to cancel %s (a receiver may take up to three business days to answer; asked every %s)", invoiceNumber(v), f.poll), nil)
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
}
