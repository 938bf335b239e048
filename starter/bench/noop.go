package bench

import (
	"context"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"

	"billrun/activities"
	"billrun/activities/model"
	"billrun/workflows"
)

// registerNoop puts billrun's workflows on w with activities that do nothing but answer:
// the benchmark's ceiling, the same fan-out shape on the same Temporal server with no work.
func registerNoop(w worker.Registry, invoices int, idOffset int64) {
	w.RegisterWorkflow(workflows.BatchWorkflow)
	w.RegisterWorkflow(workflows.InvoiceWorkflow)
	reg := func(name string, fn any) { w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg("PlanBatch", func(context.Context, string) (model.PlanResult, error) {
		return model.PlanResult{Invoices: invoices}, nil
	})
	reg("BatchSummary", func(_ context.Context, id string) (model.Summary, error) {
		return model.Summary{BatchID: id, Invoices: invoices}, nil
	})
	reg("SetBatchStatus", func(context.Context, string, string) error { return nil })
	reg("ListOpenInvoices", func(_ context.Context, _ string, after, limit int) ([]model.InvoiceRef, error) {
		var page []model.InvoiceRef
		for g := after + 1; g <= invoices && len(page) < limit; g++ {
			page = append(page, model.InvoiceRef{ID: idOffset + int64(g), GroupNo: g, Customer: "NOOP"})
		}
		return page, nil
	})
	reg("PriceInvoice", func(context.Context, int64) (activities.PriceResult, error) {
		return activities.PriceResult{Attempt: 1, Total: "0", Currency: "MXN"}, nil
	})
	reg("DischargeStock", func(context.Context, int64, int) error { return nil })
	reg("PostReceivable", func(context.Context, int64, int) error { return nil })
	reg("CompleteInvoice", func(_ context.Context, id int64, _ int) (activities.CompleteResult, error) {
		return activities.CompleteResult{Series: "NOOP", Number: id}, nil
	})
	reg("SealInvoice", func(context.Context, int64) error { return nil })
	reg("PrintInvoice", func(context.Context, int64) error { return nil })
	reg("DeliverInvoice", func(context.Context, int64, int) error { return nil })
}
