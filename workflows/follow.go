package workflows

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"billrun/activities"
)

// The client calls activities make of Temporal (activities.Workflows): the worker hands its
// Client to its activities.

var _ activities.Workflows = Client{}

// WakePublication signals a batch's publication that documents may be ready, starting it
// when it is not running (it ended, or was never started): a publication that ended while
// an invoice was failed takes that invoice once it is retried and sealed.
func (c Client) WakePublication(ctx context.Context, batchID string) error {
	_, err := c.Temporal.SignalWithStartWorkflow(ctx, PublishWorkflowID(c.Installation, batchID), SignalPublish, nil,
		client.StartWorkflowOptions{
			TaskQueue:             c.TaskQueue,
			WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			TypedSearchAttributes: temporal.NewSearchAttributes(AttrBatchID.ValueSet(batchID)),
			StaticSummary:         "Stamping, printing and e-mail of batch " + batchID,
		}, PublishWorkflow, PublishInput{BatchID: batchID, Installation: c.Installation, Timeouts: c.Timeouts})
	return err
}

// awaitGather is how long AwaitInvoices goes on collecting endings after the first, so
// children ending together cost their batch one activity.
const awaitGather = 200 * time.Millisecond

// AwaitInvoices long-polls the invoices' workflows (the current run of each id) and answers
// those that ended once one has, or none after wait.
func (c Client) AwaitInvoices(ctx context.Context, ids []int64, wait time.Duration) ([]activities.EndedInvoice, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ended := make(chan activities.EndedInvoice, len(ids))
	for _, id := range ids {
		go func() {
			pause := time.Second
			for {
				err := c.Temporal.GetWorkflow(ctx, InvoiceWorkflowID(c.Installation, id), "").Get(ctx, nil)
				if ctx.Err() != nil {
					return
				}
				var closed *temporal.WorkflowExecutionError
				var nf *serviceerror.NotFound
				if err == nil || errors.As(err, &closed) || errors.As(err, &nf) {
					ended <- howEnded(id, err)
					return
				}
				// Temporal out of reach: not an ending; ask again.
				select {
				case <-ctx.Done():
					return
				case <-time.After(pause):
				}
				pause = min(2*pause, 30*time.Second)
			}
		}()
	}
	var out []activities.EndedInvoice
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	select {
	case e := <-ended:
		out = append(out, e)
	case <-timeout.C:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	gather := time.NewTimer(awaitGather)
	defer gather.Stop()
	for len(out) < len(ids) {
		select {
		case e := <-ended:
			out = append(out, e)
		case <-gather.C:
			return out, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return out, nil
}

// howEnded reads an invoice workflow's ending as the batch counts it.
func howEnded(id int64, err error) activities.EndedInvoice {
	e := activities.EndedInvoice{InvoiceID: id, Outcome: activities.EndedCompleted}
	var app *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case err == nil:
	case errors.As(err, &app) && app.Type() == InvoiceFailedType:
		e.Outcome = activities.EndedFailed
	case errors.As(err, &nf):
		e.Outcome = activities.EndedUnknown
	default:
		e.Outcome, e.Reason = activities.EndedAbnormal, endedReason(err)
	}
	return e
}
