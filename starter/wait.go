package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"billrun/internal/model"
	"billrun/workflows"
)

// Every --wait says what it waits for once it has waited a few seconds, and --timeout
// bounds it: a wait that runs out ends with exit code 1 and the workflow's link.

// quietFor is how long a wait stays silent before it says what it waits for.
const quietFor = 3 * time.Second

// waitFlags are a command's --wait and --timeout.
type waitFlags struct {
	wait    bool
	timeout time.Duration
}

func (w *waitFlags) bind(c *cobra.Command, until string) {
	c.Flags().BoolVar(&w.wait, "wait", false, "wait "+until+", saying what it waits for")
	c.Flags().DurationVar(&w.timeout, "timeout", 0, "with --wait: give up waiting after this long (exit code 1; the work goes on); 0 waits as long as it takes")
}

// bounded is ctx ended by --timeout.
func (w waitFlags) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if w.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, w.timeout)
}

// waitTimeout is a wait that ran out: the work goes on in Temporal.
type waitTimeout struct {
	after time.Duration
	what  string
	link  string
}

func (e *waitTimeout) Error() string {
	return fmt.Sprintf("still waiting after %s for %s; it goes on without this command: %s", e.after.Round(time.Second), e.what, e.link)
}

// timedOut turns a wait's error into waitTimeout when --timeout ended it.
func (w waitFlags) timedOut(ctx context.Context, err error, what, link string) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &waitTimeout{after: w.timeout, what: what, link: link}
	}
	return err
}

// teller prints a wait's state when it changes, once the wait has lasted quietFor.
type teller struct {
	a     *app
	start time.Time
	last  string
}

func newTeller(a *app) *teller { return &teller{a: a, start: time.Now()} }

func (t *teller) say(line string) {
	if t.a.jsonOut || line == t.last || time.Since(t.start) < quietFor {
		return
	}
	fmt.Fprintf(t.a.out, "[%s] %s\n", time.Since(t.start).Round(time.Second), line)
	t.last = line
}

// workflowURL is a workflow's page in the Web UI.
func workflowURL(a *app, workflowID string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", a.cfg.WebUI, a.cfg.TemporalNamespace, workflowID)
}

// waitRun waits for a workflow run to end (its result into valuePtr), saying meanwhile what
// it waits on: the run's activities Temporal keeps retrying, or that it waits on its own.
func waitRun(ctx context.Context, a *app, wc workflows.Client, run client.WorkflowRun, what string, valuePtr any) error {
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, valuePtr) }()
	t := newTeller(a)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			line := "waiting for " + what
			_, waits := retrying(ctx, wc.Temporal, run.GetID())
			for _, r := range waits {
				line += "\n  retrying: " + r
			}
			t.say(line)
		}
	}
}

// invoiceStage says where an invoice is on its way from draft to the customer's mailbox.
func invoiceStage(v model.InvoiceView) string {
	switch {
	case v.Status == "draft" || v.Status == "processing":
		return "being billed: pricing, stock, receivable, numbering"
	case v.Status != "completed":
		return v.Status
	case v.FiscalError != "":
		return "stopped: " + v.FiscalError
	case v.FiscalStatus == "global":
		return "completed; no CFDI of its own: it goes in its period's global invoice (batch create --global)"
	case v.FiscalStatus == "unsealed":
		return "completed, to be sealed"
	case v.FiscalStatus == "sealed":
		return "sealed, waiting to be stamped (publication)"
	case v.FiscalStatus == "stamped":
		return "stamped, waiting to be printed (publication)"
	case v.DeliveryStatus == "pending":
		return "printed, waiting to be e-mailed (publication)"
	}
	return "e-mail " + v.DeliveryStatus
}

// invoiceSettled: nothing more happens to the invoice without an operator — failed,
// cancelled, stopped at a fiscal step with its reason, or its first e-mail done (sent,
// skipped, failed or uncertain).
func invoiceSettled(v model.InvoiceView) bool {
	switch v.Status {
	case "failed", "cancelled":
		return true
	case "completed":
		return v.FiscalError != "" || v.FiscalStatus == "global" || (v.FiscalStatus == "pdf" && v.DeliveryStatus != "pending")
	}
	return false
}

// waitInvoice waits until a retried (resealed, restamped) invoice's retry was taken —
// taken says so — and the invoice has settled, saying meanwhile where it is and what its
// batch's publication keeps retrying.
func waitInvoice(ctx context.Context, a *app, id int64, taken func(model.InvoiceView) bool) error {
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	t := newTeller(a)
	seen := false
	for {
		v, err := st.ReadInvoice(ctx, id)
		if err != nil {
			return err
		}
		seen = seen || taken(v)
		if seen && invoiceSettled(v) {
			return nil
		}
		line := fmt.Sprintf("invoice %d (%s): ", id, invoiceNumber(v))
		if !seen {
			line += "waiting for batch " + v.BatchID + " to take the retry"
		} else {
			line += invoiceStage(v)
		}
		if v.BatchID != "" {
			_, waits := retrying(ctx, wc.Temporal, workflows.PublishWorkflowID(wc.Installation, v.BatchID))
			for _, r := range waits {
				line += "\n  publication retrying: " + r
			}
		}
		t.say(line)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// run runs fn, a wait, bounded by --timeout; a wait that runs out names what it waited for
// and where to watch it.
func (w waitFlags) run(ctx context.Context, what, link string, fn func(context.Context) error) error {
	ctx, cancel := w.bounded(ctx)
	defer cancel()
	return w.timedOut(ctx, fn(ctx), what, link)
}
