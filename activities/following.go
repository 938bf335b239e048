package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
)

// Workflows is what activities ask of Temporal itself: waking (or starting) a batch's
// publication when one of its invoices becomes ready to publish, and following invoice
// workflows that an earlier run of their batch started. The worker hands in the workflow
// client; nil (the bench's bare loop) wakes nothing.
type Workflows interface {
	// WakePublication signals the batch's publication workflow, starting it when it is not
	// running.
	WakePublication(ctx context.Context, batchID string) error
	// AwaitInvoices returns once at least one of the invoices' workflows has ended (with
	// those that ended by then), or with none once wait has passed.
	AwaitInvoices(ctx context.Context, invoiceIDs []int64, wait time.Duration) ([]EndedInvoice, error)
}

// How an invoice workflow followed by AwaitInvoices ended.
const (
	EndedCompleted = "completed" // it completed the invoice
	EndedFailed    = "failed"    // a business rule failed it; the invoice records why
	EndedAbnormal  = "abnormal"  // terminated, timed out, cancelled: to reconcile
	EndedUnknown   = "unknown"   // no such workflow (its history is gone): look at the invoice again
)

// EndedInvoice is an invoice workflow that ended, and how.
type EndedInvoice struct {
	InvoiceID int64  `json:"invoice_id"`
	Outcome   string `json:"outcome"`
	Reason    string `json:"reason,omitempty"` // for abnormal endings: what happened, in words
}

// AwaitInput names the invoice workflows to follow.
type AwaitInput struct {
	InvoiceIDs []int64 `json:"invoice_ids"`
}

// awaitSlice is how long one AwaitInvoices call waits before answering that nothing ended:
// under an hour, so a stuck invoice costs its batch a few events an hour, not a timeout.
const awaitSlice = 50 * time.Minute

// AwaitInvoices follows invoice workflows started by an earlier run of the batch (carried
// across continue-as-new, or found running when the batch resumed): it returns the ones
// that ended, as soon as one does. It waits on Temporal's long poll, not on a timer, and
// heartbeats meanwhile, so a worker that dies hands the wait to another.
func (a *Planning) AwaitInvoices(ctx context.Context, in AwaitInput) (AwaitResult, error) {
	if a.Workflows == nil {
		return AwaitResult{}, errors.New("no workflow client: the worker was built without one")
	}
	stop := keepAlive(ctx, func() string { return fmt.Sprintf("following %d invoice workflows", len(in.InvoiceIDs)) })
	defer stop()
	ended, err := a.Workflows.AwaitInvoices(ctx, in.InvoiceIDs, awaitSlice)
	return AwaitResult{Ended: ended}, err
}

// wakePublication tells the batch's publication that an invoice is ready to publish. A
// signal that cannot be sent fails the step, to be retried: a wake-up is never lost.
func (a *Publication) wakePublication(ctx context.Context, batchID string) error {
	if a.Workflows == nil || batchID == "" {
		return nil
	}
	if err := a.Workflows.WakePublication(ctx, batchID); err != nil {
		return fmt.Errorf("waking the publication of batch %s: %w", batchID, err)
	}
	return nil
}

// tellPublication wakes the batch's publication for an invoice just sealed when it waits to
// be told (Store.TellPublication): a bill run's seals signal it a few times, not once each.
// A retried attempt wakes it whatever the mark says: the mark may be the failed attempt's
// (a step run again from its first attempt finds the invoice sealed: see SealInvoice).
func (a *Publication) tellPublication(ctx context.Context, batchID string) error {
	if a.Workflows == nil || batchID == "" {
		return nil
	}
	waits, err := a.Store.TellPublication(ctx, batchID)
	if err != nil {
		return err
	}
	if waits || (activity.IsActivity(ctx) && activity.GetInfo(ctx).Attempt > 1) {
		return a.wakePublication(ctx, batchID)
	}
	return nil
}
