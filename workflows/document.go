package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// publishDocument takes a document recorded and numbered outside a batch (a payment's
// receipt, a global invoice) to its receiver: it seals, stamps, prints and e-mails it like
// an invoice, each step idempotent, and says whether it was e-mailed.
func publishDocument(ctx workflow.Context, t Timeouts, id int64) (bool, error) {
	return publishSteps(ctx, t, id, true)
}

// publishSteps are publishDocument's steps; attrs says whether they set the workflow's
// invoice status (not for a document another workflow's own invoice left, such as the
// global invoice replacing a cancelled one).
func publishSteps(ctx workflow.Context, t Timeouts, id int64, attrs bool) (bool, error) {
	status := func(s string) {
		if attrs {
			_ = workflow.UpsertTypedSearchAttributes(ctx, AttrInvoiceStatus.ValueSet(s))
		}
	}
	status("completed")
	doc := activities.Document{InvoiceID: id}
	if err := step(ctx, t, "Sealing", publishing.SealInvoice, nil, doc); err != nil {
		return false, err
	}
	remote := func(summary string, timeout time.Duration) workflow.Context {
		retry := retryTransient()
		retry.MaximumInterval = 15 * time.Second
		return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: timeout, RetryPolicy: retry, Summary: summary})
	}
	if err := workflow.ExecuteActivity(remote("Stamping (PAC)", 2*time.Minute), publishing.StampInvoice, doc).Get(ctx, nil); err != nil {
		return false, err
	}
	if err := step(ctx, t, "Printing", publishing.PrintInvoice, nil, doc); err != nil {
		return false, err
	}
	status("printed")
	if err := workflow.ExecuteActivity(remote("E-mail", t.Delivery), publishing.DeliverInvoice, activities.Delivery{InvoiceID: id, Seq: 1}).Get(ctx, nil); err != nil {
		return false, err
	}
	status("sent")
	return true, nil
}
