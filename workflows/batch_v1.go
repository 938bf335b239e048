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
// then replay through it; do not change what it does — its steps only moved into the
// methods below, which issue the same commands in the same order). It plans, waits for
// approval, runs children a page at a time and retries only after the last page.
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
	b := &v1Batch{ctx: ctx, in: in, prog: Progress{BatchID: in.BatchID, Status: "planning"}}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return b.prog, nil }); err != nil {
		return model.Summary{}, err
	}
	b.retryCh = workflow.GetSignalChannel(ctx, SignalRetry)
	if err := b.plan(); err != nil {
		return model.Summary{}, err
	}
	if err := b.setStatus("running"); err != nil {
		return model.Summary{}, err
	}
	run := &fanOutV1{ctx: ctx, batchID: in.BatchID, window: in.Window, prog: &b.prog, publish: b.publish}
	if !b.in.RetryOnly {
		if err := b.pages(run); err != nil {
			return model.Summary{}, err
		}
	}
	return b.retries(run)
}

// v1Batch is one run of batchV1: its input (the cursor moves), its progress and its retry
// signals.
type v1Batch struct {
	ctx     workflow.Context
	in      BatchInput
	prog    Progress
	retryCh workflow.ReceiveChannel
}

func (b *v1Batch) publish() {
	_ = workflow.UpsertTypedSearchAttributes(b.ctx,
		AttrBatchID.ValueSet(b.in.BatchID),
		AttrBatchStatus.ValueSet(b.prog.Status),
		AttrInvoicesTotal.ValueSet(int64(b.prog.Invoices)),
		AttrInvoicesCompleted.ValueSet(int64(b.prog.Completed)),
		AttrInvoicesFailed.ValueSet(int64(b.prog.Failed)))
}

func (b *v1Batch) refresh() error {
	var s model.Summary
	if err := workflow.ExecuteActivity(b.ctx, planning.BatchSummary, activities.BatchRef{BatchID: b.in.BatchID}).Get(b.ctx, &s); err != nil {
		return err
	}
	b.prog.Invoices, b.prog.Completed, b.prog.Failed, b.prog.Pending = s.Invoices, s.Completed, s.Failed, s.Pending
	return nil
}

func (b *v1Batch) setStatus(status string) error {
	b.prog.Status = status
	b.publish()
	return workflow.ExecuteActivity(b.ctx, planning.SetBatchStatus, activities.BatchStatus{BatchID: b.in.BatchID, Status: status}).Get(b.ctx, nil)
}

// plan plans the batch (a first run) and waits for a draft's approval.
func (b *v1Batch) plan() error {
	if b.in.Continued || b.in.RetryOnly {
		return b.refresh()
	}
	var plan model.PlanResult
	if err := workflow.ExecuteActivity(b.ctx, planning.PlanBatch, activities.BatchRef{BatchID: b.in.BatchID}).Get(b.ctx, &plan); err != nil {
		return err
	}
	if err := b.refresh(); err != nil {
		return err
	}
	if plan.Draft {
		if err := b.setStatus("awaiting_approval"); err != nil {
			return err
		}
		workflow.GetSignalChannel(b.ctx, SignalApprove).Receive(b.ctx, nil)
	}
	return nil
}

// pages runs the open invoices a page at a time, continuing as new (its error) before the
// history grows large, unless a retry signal waits: continue-as-new would drop it.
func (b *v1Batch) pages(run *fanOutV1) error {
	for {
		var open activities.OpenInvoices
		if err := workflow.ExecuteActivity(b.ctx, planning.ListOpenInvoices, activities.OpenPage{BatchID: b.in.BatchID, AfterGroup: b.in.Cursor, Limit: b.in.PageSize}).Get(b.ctx, &open); err != nil {
			return err
		}
		run.all(open.Invoices)
		if page := open.Invoices; len(page) > 0 {
			b.in.Cursor = page[len(page)-1].GroupNo
		}
		if len(open.Invoices) < b.in.PageSize {
			return nil
		}
		if v1HistoryLength(b.ctx, run.started) > b.in.HistoryBudget && b.retryCh.Len() == 0 {
			next := b.in
			next.Continued = true
			return workflow.NewContinueAsNewError(b.ctx, BatchWorkflow, next)
		}
	}
}

// retries runs the retries asked while the batch ran, or the reason this run exists. A
// signal that comes in while the run finishes sends it round again rather than being lost.
func (b *v1Batch) retries(run *fanOutV1) (model.Summary, error) {
	for {
		var req RetryRequest
		for b.retryCh.ReceiveAsync(&req) {
			var retried activities.OpenInvoices
			if err := workflow.ExecuteActivity(b.ctx, planning.PrepareRetry, activities.Retries{BatchID: b.in.BatchID, InvoiceIDs: req.InvoiceIDs}).Get(b.ctx, &retried); err != nil {
				return model.Summary{}, err
			}
			if err := b.refresh(); err != nil {
				return model.Summary{}, err
			}
			run.all(retried.Invoices)
			req = RetryRequest{}
		}
		var sum model.Summary
		if err := b.setStatus("finished"); err != nil {
			return sum, err
		}
		if err := workflow.ExecuteActivity(b.ctx, planning.BatchSummary, activities.BatchRef{BatchID: b.in.BatchID}).Get(b.ctx, &sum); err != nil {
			return sum, err
		}
		b.prog.Invoices, b.prog.Completed, b.prog.Failed, b.prog.Pending = sum.Invoices, sum.Completed, sum.Failed, sum.Pending
		b.publish()
		if b.retryCh.Len() == 0 {
			return sum, nil
		}
		if err := b.setStatus("running"); err != nil {
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
