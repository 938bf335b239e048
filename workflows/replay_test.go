package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// Histories recorded from real bill runs on the dev server: v0 before fiscal output, v1
// with it (the demo dataset: one invoice failed for stock, then was retried), v2 with the
// local-activity invoice, the sweeping batch (continued as new six times, a retry signalled
// while it paged), the publication, a scheduled run, a resend, a credit note and a
// cancellation that waited for the receiver's acceptance (recorded by
// TestRecordHistories in starter). Replaying them against today's code catches any change
// that would break workflows already in flight.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/v*.json")
	if err != nil || len(files) < 20 {
		t.Fatalf("recorded histories: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(BatchWorkflow)
			r.RegisterWorkflow(InvoiceWorkflow)
			r.RegisterWorkflow(PublishWorkflow)
			r.RegisterWorkflow(ScheduledRunWorkflow)
			r.RegisterWorkflow(DeliveryWorkflow)
			r.RegisterWorkflow(CreditNoteWorkflow)
			r.RegisterWorkflow(CancelInvoiceWorkflow)
			r.RegisterWorkflow(PaymentReceiptWorkflow)
			r.RegisterWorkflow(MonthlyReceiptsWorkflow)
			r.RegisterWorkflow(MonthlyReceiptWorkflow)
			r.RegisterWorkflow(DailyReportWorkflow)
			r.RegisterWorkflow(ScheduledDailyReportWorkflow)
			r.RegisterWorkflow(ContingencyWorkflow)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}

// The replayer does catch a changed command sequence: the recorded v2 invoice, replayed
// against an invoice workflow that skips its stock step, is refused.
func TestReplayRefusesAChangedWorkflow(t *testing.T) {
	changed := func(ctx workflow.Context, in InvoiceInput) (InvoiceResult, error) {
		workflow.GetVersion(ctx, "invoice-v2", workflow.DefaultVersion, 1)
		t := in.Timeouts.withDefaults()
		var priced activities.PriceResult
		_ = step(ctx, t, "Pricing", invoicing.PriceInvoice, &priced, activities.InvoiceStep{InvoiceID: in.InvoiceID})
		_ = step(ctx, t, "Numbering", invoicing.CompleteInvoice, nil, activities.InvoiceStep{InvoiceID: in.InvoiceID, Attempt: priced.Attempt})
		return InvoiceResult{}, nil
	}
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(changed, workflow.RegisterOptions{Name: "InvoiceWorkflow"})
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/v2-invoice-run1.json"); err == nil {
		t.Fatal("a workflow that skips a step replayed a recorded history without error")
	}
}
