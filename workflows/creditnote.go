package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// CreditNoteWorkflow makes one credit note, from request to the customer's mailbox: it
// records the credit note with its effects (lines, returned stock, receivable, number) in
// one step, then seals, stamps, prints and e-mails it like an invoice. Every step is
// idempotent, so starting it again with the same id takes an interrupted or failed credit
// note on from where it stopped (that is what `invoice reseal` and `restamp` do for one).
// A request the invoice cannot take fails the workflow at the first step, having written
// nothing; a fiscal step's business error fails it with the reason, kept on the credit note.
func CreditNoteWorkflow(ctx workflow.Context, in CreditNoteInput) (CreditNoteOutcome, error) {
	t := in.Timeouts.withDefaults()
	var out CreditNoteOutcome
	var res activities.CreditNoteResult
	if err := step(ctx, t, "Record the credit note: lines, stock back, receivable, number", crediting.IssueCreditNote, &res, in.Request); err != nil {
		return out, err
	}
	out.CreditNote = res
	_ = workflow.UpsertTypedSearchAttributes(ctx, AttrInvoiceStatus.ValueSet("completed"))
	workflow.GetLogger(ctx).Info("credit note recorded", "id", res.ID, "number", fmt.Sprintf("%s-%d", res.Series, res.Number))

	if err := step(ctx, t, "Sealing", publishing.SealInvoice, nil, activities.Document{InvoiceID: res.ID}); err != nil {
		return out, err
	}
	remote := func(summary string, timeout time.Duration) workflow.Context {
		retry := retryTransient()
		retry.MaximumInterval = 15 * time.Second
		return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: timeout, RetryPolicy: retry, Summary: summary})
	}
	if err := workflow.ExecuteActivity(remote("Stamping (PAC)", 2*time.Minute), publishing.StampInvoice, activities.Document{InvoiceID: res.ID}).Get(ctx, nil); err != nil {
		return out, err
	}
	if err := step(ctx, t, "Printing", publishing.PrintInvoice, nil, activities.Document{InvoiceID: res.ID}); err != nil {
		return out, err
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, AttrInvoiceStatus.ValueSet("printed"))
	if err := workflow.ExecuteActivity(remote("E-mail", t.Delivery), publishing.DeliverInvoice, activities.Delivery{InvoiceID: res.ID, Seq: 1}).Get(ctx, nil); err != nil {
		return out, err
	}
	out.Published = true
	_ = workflow.UpsertTypedSearchAttributes(ctx, AttrInvoiceStatus.ValueSet("sent"))
	return out, nil
}
