// Package workflows orchestrates bill runs: a batch workflow fans out one invoice child
// workflow per invoice. Workflow code is deterministic and thin: it only decides and waits
// (no I/O, no clock, no map order, no goroutines); every effect happens in an activity.
// This file is the contract — ids, task queue, signals, queries, inputs, results and the
// client calls that start and steer the workflows; one file per workflow holds its code.
package workflows

import (
	"context"
	"errors"
	"strconv"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// The contract of billrun's workflows: what a client (the CLI, a scheduler, a test) needs
// to start them, signal them and read them. Workflow ids are business keys.

// DefaultTaskQueue is the task queue of billrun's workers unless BILLRUN_TASK_QUEUE says otherwise.
const DefaultTaskQueue = "billrun"

// Signals and queries of the batch workflow.
const (
	SignalApprove = "approve" // a draft batch goes on to completion
	SignalRetry   = "retry"   // RetryRequest: run failed invoices again
	QueryProgress = "progress"
)

// Batch workflow defaults.
const (
	DefaultWindow   = 200 // invoice children running at once
	DefaultPageSize = 500 // invoices started per page; a page's events stay well under the history limit
	// HistoryBudget is where a run continues as new, far below Temporal's 10,240-event warning.
	HistoryBudget = 5000
)

// InvoiceFailedType is the error type an invoice workflow fails with when a business rule
// stops it: the batch counts it failed and goes on.
const InvoiceFailedType = "InvoiceFailed"

// BatchWorkflowID and InvoiceWorkflowID are the business keys of the workflows: one batch,
// one invoice, one id, reused when an operator retries.
func BatchWorkflowID(batchID string) string { return "billrun-batch-" + batchID }

// InvoiceWorkflowID is the invoice's workflow id.
func InvoiceWorkflowID(invoiceID int64) string {
	return "billrun-invoice-" + strconv.FormatInt(invoiceID, 10)
}

// DeliveryWorkflowID is the business key of an explicit delivery (a resend).
func DeliveryWorkflowID(invoiceID int64, seq int) string {
	return InvoiceWorkflowID(invoiceID) + "-delivery-" + strconv.Itoa(seq)
}

// BatchInput starts or continues a batch run.
type BatchInput struct {
	BatchID  string `json:"batch_id"`
	Window   int    `json:"window,omitempty"`
	PageSize int    `json:"page_size,omitempty"`
	// Continued is set by continue-as-new: planning and approval are behind us.
	Continued bool `json:"continued,omitempty"`
	// Cursor is the last group number started in an earlier run.
	Cursor int `json:"cursor,omitempty"`
	// HistoryBudget overrides where the run continues as new (tests use a small one).
	HistoryBudget int `json:"history_budget,omitempty"`
	// RetryOnly runs no plan: the run only retries the invoices named by retry signals.
	RetryOnly bool `json:"retry_only,omitempty"`
}

// RetryRequest asks a batch to retry failed invoices: all of them when InvoiceIDs is empty.
type RetryRequest struct {
	InvoiceIDs []int64 `json:"invoice_ids,omitempty"`
}

// Progress is the live state the progress query returns.
type Progress struct {
	BatchID   string `json:"batch_id"`
	Status    string `json:"status"`
	Invoices  int    `json:"invoices"`
	Completed int    `json:"completed"`
	Failed    int    `json:"failed"`
	Running   int    `json:"running"`
	Pending   int    `json:"pending"`
}

// InvoiceInput names the invoice to process.
type InvoiceInput struct {
	InvoiceID int64  `json:"invoice_id"`
	BatchID   string `json:"batch_id"`
}

// InvoiceResult is a completed invoice.
type InvoiceResult struct {
	InvoiceID int64  `json:"invoice_id"`
	Series    string `json:"series"`
	Number    int64  `json:"number"`
	Total     string `json:"total"`
	Currency  string `json:"currency"`
	// Sealed is false when a fiscal step failed; FiscalError says why.
	Sealed      bool   `json:"sealed"`
	FiscalError string `json:"fiscal_error,omitempty"`
}

// InvoiceFailure is the detail of a failed invoice's error.
type InvoiceFailure struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

// ScheduledRunInput is what a Temporal Schedule starts: a recurring bill run.
type ScheduledRunInput struct {
	Schedule string `json:"schedule"`
	Source   string `json:"source"` // plans or installments
	Period   string `json:"period"` // day, week or month: the unit billed before the nominal time
	Grouping string `json:"grouping"`
	Series   string `json:"series,omitempty"`
}

// StartBatch starts a recorded batch's workflow. Starting it again is a no-op: one batch,
// one workflow.
func StartBatch(ctx context.Context, c client.Client, taskQueue, batchID, summary string) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    BatchWorkflowID(batchID),
		TaskQueue:             taskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrBatchID.ValueSet(batchID), AttrBatchStatus.ValueSet("created")),
		StaticSummary:         summary,
	}, BatchWorkflow, BatchInput{BatchID: batchID})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}

// RetryBatch asks a batch's workflow to retry failed invoices (all of them when ids is
// empty): a signal to the running batch, or a retry-only run of the same workflow id when
// the batch has ended.
func RetryBatch(ctx context.Context, c client.Client, taskQueue, batchID string, ids []int64) error {
	_, err := c.SignalWithStartWorkflow(ctx, BatchWorkflowID(batchID), SignalRetry, RetryRequest{InvoiceIDs: ids},
		client.StartWorkflowOptions{
			TaskQueue:             taskQueue,
			WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			TypedSearchAttributes: temporal.NewSearchAttributes(AttrBatchID.ValueSet(batchID), AttrBatchStatus.ValueSet("running")),
			StaticSummary:         "Retry of failed invoices, batch " + batchID,
		}, BatchWorkflow, BatchInput{BatchID: batchID, RetryOnly: true})
	return err
}

// ApproveBatch lets a draft batch go on to completion.
func ApproveBatch(ctx context.Context, c client.Client, batchID string) error {
	return c.SignalWorkflow(ctx, BatchWorkflowID(batchID), "", SignalApprove, nil)
}

// BatchProgress asks a running batch for its live progress.
func BatchProgress(ctx context.Context, c client.Client, batchID string) (Progress, error) {
	var p Progress
	v, err := c.QueryWorkflow(ctx, BatchWorkflowID(batchID), "", QueryProgress)
	if err == nil {
		err = v.Get(&p)
	}
	return p, err
}

// Deliver sends one explicit, recorded delivery of an invoice and waits for it.
func Deliver(ctx context.Context, c client.Client, taskQueue string, invoiceID int64, seq int, summary string) error {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: DeliveryWorkflowID(invoiceID, seq), TaskQueue: taskQueue, StaticSummary: summary,
	}, DeliveryWorkflow, invoiceID, seq)
	if err != nil {
		return err
	}
	return run.Get(ctx, nil)
}
