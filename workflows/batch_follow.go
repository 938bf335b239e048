package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// A batch run follows invoice workflows it did not start: those still running when the
// previous run continued as new (carried in BatchInput.Carried), and those an earlier run
// left running (found when starting one answers that it runs already). They hold their
// window slots; an AwaitInvoices activity long-polls Temporal and answers as they end, so
// the run is told, never sleeping and listing again.

// follow takes an invoice workflow started by an earlier run into this run's window.
func (r *batchRun) follow(id int64) {
	r.inflight[id] = true
	r.order = append(r.order, id)
	r.followed = append(r.followed, id)
	r.running++
	r.prog.Running = r.running
}

// awaitFollowed starts one AwaitInvoices activity over the followed children that none is
// waiting on yet.
func (r *batchRun) awaitFollowed() {
	if r.awaited == nil {
		r.awaited = map[int64]bool{}
	}
	var ids []int64
	for _, id := range r.followed {
		if !r.awaited[id] {
			r.awaited[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	actx := workflow.WithActivityOptions(r.ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,        // it answers within 50 minutes, ended or not
		HeartbeatTimeout:    30 * time.Second, // it heartbeats every 5 s: a worker that dies is noticed soon
		RetryPolicy:         retryTransient(),
		Summary:             fmt.Sprintf("Follow %d invoice workflows started by an earlier run", len(ids)),
	})
	fut := workflow.ExecuteActivity(actx, planning.AwaitInvoices, activities.AwaitInput{InvoiceIDs: ids})
	r.sel.AddFuture(fut, func(f workflow.Future) {
		var ended activities.AwaitResult
		if err := f.Get(r.ctx, &ended); err != nil {
			r.awaitErr = err
			return
		}
		for _, id := range ids {
			delete(r.awaited, id) // those still running are awaited again
		}
		for _, e := range ended.Ended {
			r.followedEnded(e)
		}
	})
}

// followedEnded counts a followed child that ended, as ended counts the run's own.
func (r *batchRun) followedEnded(e activities.EndedInvoice) {
	kept := r.followed[:0]
	found := false
	for _, id := range r.followed {
		if id == e.InvoiceID {
			found = true
			continue
		}
		kept = append(kept, id)
	}
	r.followed = kept
	if !found {
		return
	}
	delete(r.inflight, e.InvoiceID)
	r.running--
	r.prog.Running = r.running
	switch e.Outcome {
	case activities.EndedCompleted:
		r.prog.Completed++
	case activities.EndedFailed:
		r.prog.Failed++
	case activities.EndedAbnormal:
		r.abnormal = append(r.abnormal, endedChild{id: e.InvoiceID, reason: e.Reason})
		r.prog.Failed++
	default: // its workflow is gone: the sweep looks at the invoice again
		r.in.Rescan = true
		return
	}
	r.prog.Pending = max(0, r.prog.Pending-1)
	r.finished++
}

// runningIDs are the invoices whose workflows run now (started or followed by this run), in
// the order they entered the window: what continue-as-new carries.
func (r *batchRun) runningIDs() []int64 {
	var ids []int64
	seen := map[int64]bool{}
	for _, id := range r.order {
		if r.inflight[id] && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}
