package workflows

import (
	"billrun/activities"
	"billrun/internal/model"
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// What a batch run shows of itself: current details, search attributes, its status.

// showProgress keeps the current details live and the search attributes near.
func (r *batchRun) showProgress() {
	p := r.prog
	workflow.SetCurrentDetails(r.ctx, fmt.Sprintf("Running: %d of %d invoices completed, %d failed, %d running.", p.Completed, p.Invoices, p.Failed, p.Running))
	if r.finished >= progressEvery {
		r.finished = 0
		r.upsert()
	}
}

// refresh reads the batch's counters from the database.
func (r *batchRun) refresh() error {
	var s model.Summary
	if err := step(r.ctx, r.t, "Summary", planning.BatchSummary, &s, activities.BatchRef{BatchID: r.in.BatchID}); err != nil {
		return err
	}
	r.prog.Invoices, r.prog.Completed, r.prog.Failed, r.prog.Pending = s.Invoices, s.Completed, s.Failed, s.Pending
	return nil
}

func (r *batchRun) setStatus(status string) error {
	r.prog.Status = status
	r.upsert()
	if status == "finished" {
		details := fmt.Sprintf("Finished: %d of %d invoices completed, %d failed.", r.prog.Completed, r.prog.Invoices, r.prog.Failed)
		if r.prog.Failed > 0 {
			details += fmt.Sprintf(" `billrun batch report %s` names each failure and its fix; then `billrun batch retry %s` (or `billrun invoice retry ID`).",
				r.in.BatchID, r.in.BatchID)
		}
		workflow.SetCurrentDetails(r.ctx, details)
	}
	return step(r.ctx, r.t, "Batch "+status, planning.SetBatchStatus, nil, activities.BatchStatus{BatchID: r.in.BatchID, Status: status})
}

func (r *batchRun) upsert() {
	_ = workflow.UpsertTypedSearchAttributes(r.ctx,
		AttrBatchID.ValueSet(r.in.BatchID),
		AttrBatchStatus.ValueSet(r.prog.Status),
		AttrInvoicesTotal.ValueSet(int64(r.prog.Invoices)),
		AttrInvoicesCompleted.ValueSet(int64(r.prog.Completed)),
		AttrInvoicesFailed.ValueSet(int64(r.prog.Failed)))
}
