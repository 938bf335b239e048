package workflows

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
	"billrun/internal/model"
)

// BatchStoppedType is the error a batch workflow ends with when planning hits data no retry
// can fix: the reason is recorded on the batch; fix the data, then `billrun batch resume`.
const BatchStoppedType = "BatchStopped"

// eventsPerChild bounds the parent's history events per child (initiated, started, ended,
// and its share of the workflow tasks that take them in); the test environment counts no
// events, so the budget also counts children.
const eventsPerChild = 6

// progressEvery is how many finished invoices go by between search-attribute updates of
// the batch's counters; the progress query and the current details are always live.
const progressEvery = 100

// BatchWorkflow plans a batch (in chunks that commit), waits for approval when it is a
// draft batch, and runs one invoice child workflow per open invoice with at most Window
// at once, sweeping the batch's open invoices page by page. A retry asked meanwhile is
// prepared at once and swept after; the batch continues as new when its history grows,
// carrying that state. A publication workflow prints and e-mails the sealed invoices
// meanwhile. It ends with the batch's summary.
//
// Invoice children are abandoned by a closing parent: an invoice in flight finishes
// (completed, or failed and undone) whatever happens to its batch run, and a resumed batch
// waits for it. A child that ends otherwise than completed or failed (terminated, timed
// out, cancelled from outside) is reconciled: undone and failed at step "terminated".
func BatchWorkflow(ctx workflow.Context, in BatchInput) (model.Summary, error) {
	if workflow.GetVersion(ctx, "batch-v2", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return batchV1(ctx, in)
	}
	if in.Window <= 0 {
		in.Window = DefaultWindow
	}
	if in.PageSize <= 0 {
		in.PageSize = DefaultPageSize
	}
	if in.HistoryBudget <= 0 {
		in.HistoryBudget = HistoryBudget
	}
	r := &batchRun{ctx: ctx, in: in, t: in.Timeouts.withDefaults(), inflight: map[int64]bool{},
		prog: Progress{BatchID: in.BatchID, Status: "planning"}, retryCh: workflow.GetSignalChannel(ctx, SignalRetry)}
	r.sel = workflow.NewSelector(ctx)
	// Since this version a run continues as new without draining its window: the invoice
	// workflows still running are carried to the next run, which follows them (as it
	// follows those an earlier, terminated run left running) instead of waiting for them
	// to end first, or sleeping and listing again.
	r.carry = workflow.GetVersion(ctx, "batch-carry-children", workflow.DefaultVersion, 1) == 1
	for _, id := range in.Carried {
		r.follow(id)
	}
	r.in.Carried = nil
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return r.prog, nil }); err != nil {
		return model.Summary{}, err
	}
	return r.run()
}

// batchRun is one run of a batch workflow.
type batchRun struct {
	ctx       workflow.Context
	in        BatchInput
	t         Timeouts
	prog      Progress
	retryCh   workflow.ReceiveChannel
	sel       workflow.Selector
	inflight  map[int64]bool // invoice ids whose child runs; only looked up, never ranged over
	running   int
	started   int
	finished  int
	abnormal  []endedChild   // children that ended abnormally, to reconcile
	published bool           // the publication workflow was started or woken by this run
	carry     bool           // batch-carry-children: running children carried, not drained
	order     []int64        // invoice ids in the order their children started or were carried
	followed  []int64        // children started elsewhere (an earlier run) that this run follows
	awaited   map[int64]bool // followed children an AwaitInvoices activity is waiting on
	awaitErr  error
	starting  int // children started whose start is not confirmed yet (batch-carry-children)
}

type endedChild struct {
	id     int64
	reason string
}

func (r *batchRun) run() (model.Summary, error) {
	ctx, id := r.ctx, r.in.BatchID
	if !r.in.Continued && !r.in.RetryOnly {
		draft, err := r.plan()
		if err != nil {
			return model.Summary{}, err
		}
		if draft {
			if err := r.setStatus("awaiting_approval"); err != nil {
				return model.Summary{}, err
			}
			workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Awaiting approval.** Review the drafts with `billrun batch report %s`, then "+
				"`billrun batch approve %s` (or `billrun batch reject %s --reason …`).", id, id, id))
			rejected := false
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(workflow.GetSignalChannel(ctx, SignalApprove), func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
			sel.AddReceive(workflow.GetSignalChannel(ctx, SignalReject), func(c workflow.ReceiveChannel, _ bool) {
				c.Receive(ctx, nil)
				rejected = true
			})
			sel.Select(ctx)
			if rejected { // the CLI voided the drafts and freed their sources before it signalled
				r.prog.Status = "rejected"
				r.upsert()
				workflow.SetCurrentDetails(ctx, "**Rejected.** Its drafts are voided and their sources billable again: `billrun batch report "+id+"`.")
				var sum model.Summary
				err := step(ctx, r.t, "Summary", planning.BatchSummary, &sum, activities.BatchRef{BatchID: id})
				return sum, err
			}
		}
	} else if err := r.refresh(); err != nil {
		return model.Summary{}, err
	}
	for {
		if err := r.setStatus("running"); err != nil {
			return model.Summary{}, err
		}
		if err := r.ensurePublishing(); err != nil {
			return model.Summary{}, err
		}
		if err := r.sweep(); err != nil {
			return model.Summary{}, err
		}
		if err := r.setStatus("finished"); err != nil {
			return model.Summary{}, err
		}
		if err := r.refresh(); err != nil {
			return model.Summary{}, err
		}
		if err := r.wakePublishing(); err != nil {
			return model.Summary{}, err
		}
		// A retry asked while the run finished sends it round again rather than being lost.
		if r.retryCh.Len() == 0 {
			var sum model.Summary
			err := step(ctx, r.t, "Summary", planning.BatchSummary, &sum, activities.BatchRef{BatchID: id})
			return sum, err
		}
		// An operator who keeps retrying never pushes the history to its limit.
		if r.carry && r.continueAsNewDue() {
			if err := r.takeRetries(); err != nil {
				return model.Summary{}, err
			}
			next := r.in
			next.Continued, next.Resume, next.Cursor, next.Rescan = true, false, 0, false
			return model.Summary{}, workflow.NewContinueAsNewError(ctx, BatchWorkflow, next)
		}
	}
}

// plan runs the planning activity; it answers whether the batch waits for approval.
func (r *batchRun) plan() (bool, error) {
	ctx, id := r.ctx, r.in.BatchID
	workflow.SetCurrentDetails(ctx, "Planning: selecting, claiming and grouping the batch's sources in chunks.")
	pctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: r.t.Plan,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy:         retryTransient(),
		Summary:             "Planning " + id,
	})
	var plan model.PlanResult
	if err := workflow.ExecuteActivity(pctx, planning.PlanBatch, activities.BatchRef{BatchID: id}).Get(ctx, &plan); err != nil {
		f, ok := businessFailure(err)
		if !ok {
			return false, err
		}
		if ferr := step(ctx, r.t, "Record why planning stopped", planning.FailBatch, nil, activities.BatchFailure{BatchID: id, Reason: f.Reason}); ferr != nil {
			return false, ferr
		}
		r.prog.Status = "stopped"
		r.upsert()
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Planning stopped:** %s. Fix the data, then `billrun batch resume %s`.", f.Reason, id))
		return false, temporal.NewNonRetryableApplicationError("planning stopped: "+f.Reason, BatchStoppedType, nil)
	}
	return plan.Draft, r.refresh()
}

// sweep runs every open invoice of the batch, page by page from the cursor, keeping the
// window full across pages. At the end of a sweep it sweeps again from the start when a
// retry was prepared meanwhile, or when invoices were running outside this run.
func (r *batchRun) sweep() error {
	ctx := r.ctx
	for {
		if err := r.takeRetries(); err != nil {
			return err
		}
		var open activities.OpenInvoices
		if err := step(ctx, r.t, "List open invoices", planning.ListOpenInvoices, &open, activities.OpenPage{BatchID: r.in.BatchID, AfterGroup: r.in.Cursor, Limit: r.in.PageSize}); err != nil {
			return err
		}
		page := open.Invoices
		for _, ref := range page {
			if r.inflight[ref.ID] {
				continue
			}
			for r.running >= r.in.Window {
				if err := r.waitOne(); err != nil {
					return err
				}
			}
			r.start(ref)
		}
		if len(page) > 0 {
			r.in.Cursor = page[len(page)-1].GroupNo
		}
		if len(page) < r.in.PageSize { // the end of the batch
			if err := r.drain(); err != nil {
				return err
			}
			if err := r.takeRetries(); err != nil {
				return err
			}
			if !r.in.Rescan && r.prog.Elsewhere == 0 {
				return nil
			}
			if r.prog.Elsewhere > 0 {
				// Invoice workflows of an earlier run still run: they finish on their own.
				workflow.SetCurrentDetails(ctx, fmt.Sprintf("Waiting for %d invoice workflows started by an earlier run of this batch.", r.prog.Elsewhere))
				if err := workflow.Sleep(ctx, 5*time.Second); err != nil {
					return err
				}
			}
			r.in.Cursor, r.in.Rescan, r.prog.Elsewhere = 0, false, 0
			continue
		}
		if r.continueAsNewDue() {
			for !r.carry && r.running > 0 || r.carry && r.starting > 0 {
				if err := r.waitOne(); err != nil {
					return err
				}
			}
			if err := r.takeRetries(); err != nil {
				return err
			}
			next := r.in
			next.Continued, next.Resume = true, false
			next.Carried = r.runningIDs()
			return workflow.NewContinueAsNewError(ctx, BatchWorkflow, next)
		}
	}
}

func (r *batchRun) continueAsNewDue() bool {
	info := workflow.GetInfo(r.ctx)
	return info.GetContinueAsNewSuggested() || max(info.GetCurrentHistoryLength(), r.started*eventsPerChild) > r.in.HistoryBudget
}

// takeRetries prepares every retry asked so far: the invoices become drafts of a new
// attempt at once, and the batch sweeps its open invoices again after this sweep.
func (r *batchRun) takeRetries() error {
	for {
		var req RetryRequest
		if !r.retryCh.ReceiveAsync(&req) {
			return nil
		}
		// A request without a date is dated by the activity, today where the batch's
		// issuers are (a workflow has no calendar of its own).
		var n activities.RetriesPrepared
		if err := step(r.ctx, r.t, "Prepare retry", planning.PrepareRetries, &n, activities.Retries{BatchID: r.in.BatchID, InvoiceIDs: req.InvoiceIDs, Date: req.Date}); err != nil {
			return err
		}
		r.in.Rescan = true
		r.prog.Failed, r.prog.Pending = max(0, r.prog.Failed-n.Count), r.prog.Pending+n.Count
	}
}

// start starts one invoice's child workflow.
func (r *batchRun) start(ref model.InvoiceRef) {
	id := ref.ID
	cctx := workflow.WithChildOptions(r.ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            InvoiceWorkflowID(r.in.Installation, id),
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			AttrBatchID.ValueSet(r.in.BatchID),
			AttrCustomer.ValueSet(ref.Customer),
			AttrInvoiceStatus.ValueSet("running")),
		StaticSummary: "Invoice " + strconv.FormatInt(id, 10) + " for " + ref.Customer + " (batch " + r.in.BatchID + ")",
	})
	fut := workflow.ExecuteChildWorkflow(cctx, InvoiceWorkflow, InvoiceInput{InvoiceID: id, BatchID: r.in.BatchID, Timeouts: r.in.Timeouts, Current: true})
	r.inflight[id] = true
	r.order = append(r.order, id)
	r.running++
	r.started++
	r.prog.Running = r.running
	r.sel.AddFuture(fut, func(f workflow.Future) { r.ended(id, f.Get(r.ctx, nil)) })
	if r.carry {
		// A child whose start the server has not confirmed yet would not start at all if
		// the run continued as new now: continue-as-new waits for these.
		r.starting++
		r.sel.AddFuture(fut.GetChildWorkflowExecution(), func(workflow.Future) { r.starting-- })
	}
}

// ended counts a child that ended.
func (r *batchRun) ended(id int64, err error) {
	var elsewhere *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &elsewhere) {
		if r.carry { // its workflow runs, started by an earlier run: follow it in its slot
			r.followed = append(r.followed, id)
			return
		}
		delete(r.inflight, id)
		r.running--
		r.prog.Running = r.running
		r.prog.Elsewhere++
		return
	}
	delete(r.inflight, id)
	r.running--
	r.prog.Running = r.running
	var app *temporal.ApplicationError
	switch {
	case err == nil:
		r.prog.Completed++
	case errors.As(err, &app) && app.Type() == InvoiceFailedType:
		r.prog.Failed++
	default:
		r.abnormal = append(r.abnormal, endedChild{id: id, reason: endedReason(err)})
		r.prog.Failed++
	}
	r.prog.Pending = max(0, r.prog.Pending-1)
	r.finished++
}

// endedReason says how a child ended when it neither completed nor failed on a rule.
func endedReason(err error) string {
	var term *temporal.TerminatedError
	var timeout *temporal.TimeoutError
	var canceled *temporal.CanceledError
	switch {
	case errors.As(err, &term):
		return "its workflow was terminated from outside the batch"
	case errors.As(err, &timeout):
		return "its workflow timed out"
	case errors.As(err, &canceled):
		return "its workflow was cancelled from outside the batch"
	}
	return "its workflow ended with an error: " + err.Error()
}

// waitOne waits for at least one child to end, then reconciles any that ended abnormally
// and publishes progress.
func (r *batchRun) waitOne() error {
	r.awaitFollowed()
	r.sel.Select(r.ctx)
	for r.sel.HasPending() {
		r.sel.Select(r.ctx)
	}
	if r.awaitErr != nil {
		return r.awaitErr
	}
	for len(r.abnormal) > 0 {
		e := r.abnormal[0]
		if err := step(r.ctx, r.t, "Reconcile invoice "+strconv.FormatInt(e.id, 10), invoicing.ReconcileInvoice, nil, activities.Reconciliation{InvoiceID: e.id, Reason: e.reason}); err != nil {
			// Since batch-carry-children, data the database refuses to undo stops that
			// invoice (logged, and left for an operator), not the batch.
			if _, refused := businessFailure(err); !refused || !r.carry {
				return err
			}
			workflow.GetLogger(r.ctx).Error("invoice could not be reconciled", "invoice", e.id, "error", err)
		}
		r.abnormal = r.abnormal[1:]
	}
	r.showProgress()
	return nil
}

// drain waits for every child of this run to end.
func (r *batchRun) drain() error {
	for r.running > 0 {
		if err := r.waitOne(); err != nil {
			return err
		}
	}
	return nil
}
