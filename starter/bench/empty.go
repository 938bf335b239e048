package bench

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/workflows"
)

// registerEmpty puts billrun's batch workflow on w with invoice children that do nothing
// and batch activities that answer from a synthetic list of invoices: the floor of the
// design the user chose — one durable child workflow per invoice — with the same paging,
// window and continue-as-new, on the same server.
func registerEmpty(w worker.Registry, ec workflows.Client, invoices int, idOffset int64) {
	w.RegisterWorkflow(workflows.BatchWorkflow)
	w.RegisterWorkflowWithOptions(func(_ workflow.Context, in workflows.InvoiceInput) (workflows.InvoiceResult, error) {
		return workflows.InvoiceResult{InvoiceID: in.InvoiceID}, nil
	}, workflow.RegisterOptions{Name: "InvoiceWorkflow"})
	w.RegisterWorkflowWithOptions(func(workflow.Context, workflows.PublishInput) error { return nil }, workflow.RegisterOptions{Name: "PublishWorkflow"})
	reg := func(name string, fn any) { w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg("PlanBatch", func(context.Context, activities.BatchRef) (model.PlanResult, error) {
		return model.PlanResult{Invoices: invoices}, nil
	})
	reg("BatchSummary", func(_ context.Context, in activities.BatchRef) (model.Summary, error) {
		return model.Summary{BatchID: in.BatchID, Invoices: invoices}, nil
	})
	reg("SetBatchStatus", func(context.Context, activities.BatchStatus) error { return nil })
	reg("AwaitInvoices", func(ctx context.Context, in activities.AwaitInput) (activities.AwaitResult, error) {
		ended, err := ec.AwaitInvoices(ctx, in.InvoiceIDs, time.Hour)
		return activities.AwaitResult{Ended: ended}, err
	})
	reg("ListOpenInvoices", func(_ context.Context, in activities.OpenPage) (activities.OpenInvoices, error) {
		var page activities.OpenInvoices
		for g := in.AfterGroup + 1; g <= invoices && len(page.Invoices) < in.Limit; g++ {
			page.Invoices = append(page.Invoices, model.InvoiceRef{ID: idOffset + int64(g), GroupNo: g, Customer: "EMPTY"})
		}
		return page, nil
	})
}
