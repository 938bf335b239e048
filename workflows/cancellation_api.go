package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"billrun/activities"
)

// The contract of an invoice's cancellation: its id, its input and the client calls that
// start it and read what it was started with (see api.go for the rest).

// CancelWorkflowID is the business key of an invoice's cancellation.
func CancelWorkflowID(installation string, invoiceID int64) string {
	return InvoiceWorkflowID(installation, invoiceID) + "-cancel"
}

// CancelInput asks for an invoice's cancellation.
type CancelInput struct {
	Installation string                   `json:"installation,omitempty"`
	Request      activities.CancelRequest `json:"request"`
	// PollEvery is how often a cancellation awaiting the receiver is asked about (default 1 h).
	PollEvery time.Duration `json:"poll_every,omitempty"`
	// Awaiting is set by continue-as-new: the request is made, the receiver's answer awaited.
	Awaiting bool     `json:"awaiting,omitempty"`
	Timeouts Timeouts `json:"timeouts,omitempty"`
}

// StartCancellation starts an invoice's cancellation workflow (again, after a rejection).
// A cancellation already under way is refused.
func (c Client) StartCancellation(ctx context.Context, in CancelInput, summary string) (client.WorkflowRun, error) {
	in.Installation = c.Installation
	run, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       CancelWorkflowID(c.Installation, in.Request.InvoiceID),
		TaskQueue:                                c.TaskQueue,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    temporal.NewSearchAttributes(AttrInvoiceStatus.ValueSet("cancellation requested")),
		StaticSummary:                            summary,
	}, CancelInvoiceWorkflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil, fmt.Errorf("invoice %d's cancellation is under way already: see billrun invoice show %d: %w", in.Request.InvoiceID, in.Request.InvoiceID, ErrUnderWay)
	}
	return run, err
}

// CancellationUnderWay reads what the invoice's running (or last) cancellation workflow was
// started with: a command retried with the same key follows it.
func (c Client) CancellationUnderWay(ctx context.Context, invoiceID int64) (CancelInput, error) {
	var in CancelInput
	it := c.Temporal.GetWorkflowHistory(ctx, CancelWorkflowID(c.Installation, invoiceID), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return in, fmt.Errorf("invoice %d's cancellation workflow has no history", invoiceID)
	}
	ev, err := it.Next()
	if err != nil {
		return in, err
	}
	start := ev.GetWorkflowExecutionStartedEventAttributes()
	if start == nil {
		return in, fmt.Errorf("invoice %d's cancellation workflow does not begin with its start", invoiceID)
	}
	return in, converter.GetDefaultDataConverter().FromPayloads(start.GetInput(), &in)
}
