package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// CancellationRejectedType is the error a cancellation's workflow ends with when the
// receiver rejects it: the invoice stands, and may be asked to cancel again.
const CancellationRejectedType = "CancellationRejected"

// defaultCancelPoll is how often a cancellation awaiting the receiver's acceptance is asked
// about (SAT gives the receiver three business days).
const defaultCancelPoll = time.Hour

// CancelInvoiceWorkflow cancels a completed invoice: it records the request (refused once
// payments are applied, or while credit notes relate to it), has SAT cancel the fiscal
// document through the PAC, waits — durably, for days if need be — while the receiver
// must accept, and only once SAT has cancelled it undoes the invoice's effects. A
// rejection ends it with the reason and the invoice as it was.
func CancelInvoiceWorkflow(ctx workflow.Context, in CancelInput) error {
	t := in.Timeouts.withDefaults()
	poll := in.PollEvery
	if poll <= 0 {
		poll = defaultCancelPoll
	}
	retry := retryTransient()
	retry.MaximumInterval = 15 * time.Second
	answer := activities.CancelAnswer{Status: activities.CancelPending}
	if !in.Awaiting {
		if err := step(ctx, t, "Record the cancellation request", cancelling.RequestCancellation, nil, in.Request); err != nil {
			return err
		}
		pctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 2 * time.Minute, RetryPolicy: retry,
			Summary: "Cancel the CFDI at SAT (PAC)"})
		if err := workflow.ExecuteActivity(pctx, cancelling.CancelDocument, activities.Document{InvoiceID: in.Request.InvoiceID}).Get(ctx, &answer); err != nil {
			return err
		}
	}
	for answer.Status == activities.CancelPending {
		// Asked often enough for long enough, the wait goes on in a new run.
		if info := workflow.GetInfo(ctx); info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > HistoryBudget {
			next := in
			next.Awaiting = true
			return workflow.NewContinueAsNewError(ctx, CancelInvoiceWorkflow, next)
		}
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrInvoiceStatus.ValueSet("cancellation awaiting acceptance"))
		if err := workflow.Sleep(ctx, poll); err != nil {
			return err
		}
		sctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 2 * time.Minute, RetryPolicy: retry,
			Summary: "Ask SAT whether the receiver accepted (PAC)"})
		if err := workflow.ExecuteActivity(sctx, cancelling.CancellationStatus, activities.Document{InvoiceID: in.Request.InvoiceID}).Get(ctx, &answer); err != nil {
			return err
		}
	}
	if answer.Status == activities.CancelRejected {
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrInvoiceStatus.ValueSet("completed"))
		return temporal.NewNonRetryableApplicationError("the receiver rejected the cancellation: the invoice stands", CancellationRejectedType, nil)
	}
	if err := step(ctx, t, "Undo the invoice's effects: stock back, receivable cancelled, sources released", cancelling.CompleteCancellation, nil, activities.Document{InvoiceID: in.Request.InvoiceID}); err != nil {
		return err
	}
	if workflow.GetVersion(ctx, "cancel-global-reissue", workflow.DefaultVersion, 1) == 1 {
		if err := publishReissued(ctx, t, in.Request.InvoiceID); err != nil {
			return err
		}
	}
	if workflow.GetVersion(ctx, "restate-receipt", workflow.DefaultVersion, 1) == 1 {
		if err := restateReceipt(ctx, t, in); err != nil {
			return err
		}
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, AttrInvoiceStatus.ValueSet("cancelled"))
	return nil
}

// restateReceipt starts, for a cancelled monthly receipt whose cancellation reversed only
// some of its payments, the month's receipt that states the others again: a workflow of
// its own, which outlives this one.
func restateReceipt(ctx workflow.Context, t Timeouts, in CancelInput) error {
	var r activities.MonthlyReceiptRequest
	if err := step(ctx, t, "Find the payments the receipt stated that stand", cancelling.RestateReceipt, &r, activities.Document{InvoiceID: in.Request.InvoiceID}); err != nil {
		return err
	}
	if r.Customer == "" {
		return nil
	}
	cctx := workflow.WithChildOptions(ctx, monthlyReceiptOptions(in.Installation, r))
	f := workflow.ExecuteChildWorkflow(cctx, MonthlyReceiptWorkflow, MonthlyReceiptInput{Request: r, Timeouts: in.Timeouts})
	var started *temporal.ChildWorkflowExecutionAlreadyStartedError
	if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !errors.As(err, &started) {
		return err // one running already states them
	}
	return nil
}

// publishReissued publishes what a global invoice cancelled with motive 04 left: the
// global invoice replacing it is sealed, stamped, printed and e-mailed here; each sale
// invoiced nominatively is sealed here, and its batch's publication (which the sealing
// wakes) stamps, prints and e-mails it like any of the batch's invoices. Any other
// cancellation leaves nothing.
func publishReissued(ctx workflow.Context, t Timeouts, id int64) error {
	var re activities.ReissuedDocuments
	if err := step(ctx, t, "What the cancellation left to publish (motive 04)", cancelling.Reissued, &re, activities.Document{InvoiceID: id}); err != nil {
		return err
	}
	if re.Replacement != 0 {
		if _, err := publishSteps(ctx, t, re.Replacement, false); err != nil {
			return err
		}
	}
	for _, n := range re.Nominatives {
		if err := step(ctx, t, "Seal a sale invoiced nominatively", publishing.SealInvoice, nil, activities.Document{InvoiceID: n, Wake: true}); err != nil {
			return err
		}
	}
	return nil
}
