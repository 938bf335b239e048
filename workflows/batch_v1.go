package workflows

import (
	"errors"
	"strconv"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
	"billrun/internal/model"
)

// batchV1 is the batch workflow as it ran before version "batch-v2" (histories recorded
// then replay through it; do not change it). It plans, waits for approval, runs children a
// page at a time and retries only after the last page.
func batchV1(ctx workflow.Context, in BatchInput) (model.Summary, error) {
	if in.Window <= 0 {
		in.Window = 200
	}
	if in.PageSize <= 0 {
		in.PageSize = 500
	}
	if in.HistoryBudget <= 0 {
		in.HistoryBudget = 5000
	}
	ctx = v1ActivityOptions(ctx)
	prog := Progress{BatchID: in.BatchID, Status: "planning"}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return prog, nil }); err != nil {
		return model.Summary{}, err
	}
	publish := func() {
		_ = workflow.UpsertTypedSearchAttributes(ctx,
			AttrBatchID.ValueSet(in.BatchID),
			AttrBatchStatus.ValueSet(prog.Status),
			AttrInvoicesTotal.ValueSet(int64(prog.Invoices)),
			AttrInvoicesCompleted.ValueSet(int64(prog.Completed)),
			AttrInvoicesFailed.ValueSet(int64(prog.Failed)))
	}
	refresh := func() error {
		var s model.Summary
		if err := workflow.ExecuteActivity(ctx, planning.BatchSummary, activities.BatchRef{BatchID: in.BatchID}).Get(ctx, &s); err != nil {
			return err
		}
		prog.Invoices, prog.Completed, prog.Failed, prog.Pending = s.Invoices, s.Completed, s.Failed, s.Pending
		return nil
	}
	setStatus := func(status string) error {
		prog.Status = status
		publish()
		return workflow.ExecuteActivity(ctx, planning.SetBatchStatus, activities.BatchStatus{BatchID: in.BatchID, Status: status}).Get(ctx, nil)
	}
	retryCh := workflow.GetSignalChannel(ctx, SignalRetry)

	if !in.Continued && !in.RetryOnly {
		var plan model.PlanResult
		if err := workflow.ExecuteActivity(ctx, planning.PlanBatch, activities.BatchRef{BatchID: in.BatchID}).Get(ctx, &plan); err != nil {
			return model.Summary{}, err
		}
		if err := refresh(); err != nil {
			return model.Summary{}, err
		}
		if plan.Draft {
			if err := setStatus("awaiting_approval"); err != nil {
				return model.Summary{}, err
			}
			workflow.GetSignalChannel(ctx, SignalApprove).Receive(ctx, nil)
		}
	} else if err := refresh(); err != nil {
		return model.Summary{}, err
	}
	if err := setStatus("running"); err != nil {
		return model.Summary{}, err
	}

	run := &fanOutV1{ctx: ctx, batchID: in.BatchID, window: in.Window, prog: &prog, publish: publish}
	if !in.RetryOnly {
		for {
			var open activities.OpenInvoices
			if err := workflow.ExecuteActivity(ctx, planning.ListOpenInvoices, activities.OpenPage{BatchID: in.BatchID, AfterGroup: in.Cursor, Limit: in.PageSize}).Get(ctx, &open); err != nil {
				return model.Summary{}, err
			}
			run.all(open.Invoices)
			if page := open.Invoices; len(page) > 0 {
				in.Cursor = page[len(page)-1].GroupNo
			}
			if len(open.Invoices) < in.PageSize {
				break
			}
			// Continue as new before the history grows large, unless a retry signal waits:
			// continue-as-new would drop it.
			if v1HistoryLength(ctx, run.started) > in.HistoryBudget && retryCh.Len() == 0 {
				next := in
				next.Continued = true
				return model.Summary{}, workflow.NewContinueAsNewError(ctx, BatchWorkflow, next)
			}
		}
	}
	// Retries asked while the batch ran, or the reason this run exists. A signal that comes
	// in while the run finishes sends it round again rather than being lost.
	for {
		var req RetryRequest
		for retryCh.ReceiveAsync(&req) {
			var retried activities.OpenInvoices
			if err := workflow.ExecuteActivity(ctx, planning.PrepareRetry, activities.Retries{BatchID: in.BatchID, InvoiceIDs: req.InvoiceIDs}).Get(ctx, &retried); err != nil {
				return model.Summary{}, err
			}
			if err := refresh(); err != nil {
				return model.Summary{}, err
			}
			run.all(retried.Invoices)
			req = RetryRequest{}
		}
		var sum model.Summary
		if err := setStatus("finished"); err != nil {
			return sum, err
		}
		if err := workflow.ExecuteActivity(ctx, planning.BatchSummary, activities.BatchRef{BatchID: in.BatchID}).Get(ctx, &sum); err != nil {
			return sum, err
		}
		prog.Invoices, prog.Completed, prog.Failed, prog.Pending = sum.Invoices, sum.Completed, sum.Failed, sum.Pending
		publish()
		if retryCh.Len() == 0 {
			return sum, nil
		}
		if err := setStatus("running"); err != nil {
			return sum, err
		}
	}
}

// v1EventsPerChild bounds the v1 parent's history events per child: initiated, started,
// ended, a search-attribute upsert and about two workflow tasks of three events.
const v1EventsPerChild = 11

// v1HistoryLength is the run's history length, or the bound from the children started when
// that is larger (the test environment does not count events).
func v1HistoryLength(ctx workflow.Context, started int) int {
	return max(workflow.GetInfo(ctx).GetCurrentHistoryLength(), started*v1EventsPerChild)
}

// fanOutV1 runs invoice children with a sliding window a page at a time.
type fanOutV1 struct {
	ctx     workflow.Context
	batchID string
	window  int
	prog    *Progress
	publish func()
	started int
}

// all runs every invoice of refs and returns when all of them ended.
func (f *fanOutV1) all(refs []model.InvoiceRef) {
	sel := workflow.NewSelector(f.ctx)
	running, next := 0, 0
	for next < len(refs) || running > 0 {
		for running < f.window && next < len(refs) {
			f.start(sel, refs[next])
			f.started++
			running++
			next++
		}
		f.prog.Running = running
		sel.Select(f.ctx)
		running--
		// Drain whatever else ended meanwhile before publishing, to save history events.
		for sel.HasPending() {
			sel.Select(f.ctx)
			running--
		}
		f.prog.Running = running
		f.publish()
	}
}

func (f *fanOutV1) start(sel workflow.Selector, ref model.InvoiceRef) {
	cctx := workflow.WithChildOptions(f.ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            InvoiceWorkflowID("", ref.ID),
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			AttrBatchID.ValueSet(f.batchID),
			AttrCustomer.ValueSet(ref.Customer),
			AttrInvoiceStatus.ValueSet("draft")),
		StaticSummary: "Invoice " + strconv.FormatInt(ref.ID, 10) + " for " + ref.Customer + " (batch " + f.batchID + ")",
	})
	fut := workflow.ExecuteChildWorkflow(cctx, InvoiceWorkflow, InvoiceInput{InvoiceID: ref.ID, BatchID: f.batchID})
	sel.AddFuture(fut, func(fu workflow.Future) {
		err := fu.Get(f.ctx, nil)
		f.prog.Pending--
		if err == nil {
			f.prog.Completed++
			return
		}
		f.prog.Failed++
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != InvoiceFailedType {
			workflow.GetLogger(f.ctx).Error("invoice workflow ended abnormally", "invoice", ref.ID, "error", err)
		}
	})
}
