package workflows

import (
	"errors"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The batch run and its publication: started as the batch runs, woken at its end.

// ensurePublishing starts the batch's publication workflow unless it runs already. It is
// abandoned by a closing parent: it finishes printing and e-mail on its own.
func (r *batchRun) ensurePublishing() error {
	if r.published {
		return nil
	}
	cctx := workflow.WithChildOptions(r.ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            PublishWorkflowID(r.in.Installation, r.in.BatchID),
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrBatchID.ValueSet(r.in.BatchID)),
		StaticSummary:         "Printing and e-mail of batch " + r.in.BatchID,
	})
	fut := workflow.ExecuteChildWorkflow(cctx, PublishWorkflow, PublishInput{BatchID: r.in.BatchID, Installation: r.in.Installation, Timeouts: r.in.Timeouts})
	err := fut.GetChildWorkflowExecution().Get(r.ctx, nil)
	var running *temporal.ChildWorkflowExecutionAlreadyStartedError
	if err != nil && !errors.As(err, &running) {
		return err
	}
	r.published = true
	return nil
}

// wakePublishing tells the publication workflow that more may be ready; if it has ended,
// it starts it again. A signal that reaches it while it is finishing keeps it going, so
// nothing this run sealed is left unpublished.
func (r *batchRun) wakePublishing() error {
	err := workflow.SignalExternalWorkflow(r.ctx, PublishWorkflowID(r.in.Installation, r.in.BatchID), "", SignalPublish, nil).Get(r.ctx, nil)
	if err == nil {
		return nil
	}
	r.published = false
	return r.ensurePublishing()
}
