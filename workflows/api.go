// Package workflows orchestrates bill runs: a batch workflow fans out one invoice child
// workflow per invoice. Workflow code is deterministic and thin: it only decides and waits
// (no I/O, no clock, no map order, no goroutines); every effect happens in an activity.
// This file is the contract — ids, task queue, signals, queries, inputs, results and the
// client calls that start and steer the workflows; one file per workflow holds its code.
package workflows

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"billrun/activities"
)

// The contract of billrun's workflows: what a client (the CLI, a scheduler, a test) needs
// to start them, signal them and read them. Workflow ids are business keys.

// DefaultTaskQueue is the task queue of billrun's workers unless BILLRUN_TASK_QUEUE says otherwise.
const DefaultTaskQueue = "billrun"

// Signals and queries of the batch and publication workflows.
const (
	SignalApprove = "approve" // a draft batch goes on to completion
	SignalReject  = "reject"  // a draft batch was rejected: its workflow ends
	SignalRetry   = "retry"   // RetryRequest: run failed invoices again
	SignalPublish = "publish" // the publication workflow: more documents may be ready
	QueryProgress = "progress"
)

// Batch workflow defaults.
const (
	DefaultWindow   = 200 // invoice children running at once
	DefaultPageSize = 500 // open invoices listed per page
	// HistoryBudget is where a run continues as new (unless Temporal suggests it earlier),
	// well below Temporal's 10,240-event warning.
	HistoryBudget = 9000
)

// InvoiceFailedType is the error type an invoice workflow fails with when a business rule
// stops it: the batch counts it failed and goes on.
const InvoiceFailedType = "InvoiceFailed"

// Workflow ids are business keys — one batch, one invoice, one id, reused when an operator
// retries — prefixed with the database's installation id, so two installations sharing a
// Temporal namespace never collide. An empty installation gives the first releases' ids.
func prefix(installation string) string {
	if installation == "" {
		return "billrun-"
	}
	return "billrun-" + installation + "-"
}

// BatchWorkflowID is a batch's workflow id.
func BatchWorkflowID(installation, batchID string) string {
	return prefix(installation) + "batch-" + batchID
}

// InvoiceWorkflowID is an invoice's workflow id.
func InvoiceWorkflowID(installation string, invoiceID int64) string {
	return prefix(installation) + "invoice-" + strconv.FormatInt(invoiceID, 10)
}

// PublishWorkflowID is the id of a batch's publication (printing and e-mail).
func PublishWorkflowID(installation, batchID string) string {
	return prefix(installation) + "publish-" + batchID
}

// DeliveryWorkflowID is the business key of an explicit delivery (a resend).
func DeliveryWorkflowID(installation string, invoiceID int64, seq int) string {
	return InvoiceWorkflowID(installation, invoiceID) + "-delivery-" + strconv.Itoa(seq)
}

// ScheduleID is a schedule's id.
func ScheduleID(installation, name string) string { return prefix(installation) + "schedule-" + name }

// ValidBatchID refuses a batch id Temporal would refuse in a workflow id, or that reads
// badly in one: letters, digits and . _ : - only, at most 128, starting with a letter or
// digit.
func ValidBatchID(id string) error {
	if !batchIDPattern.MatchString(id) {
		return fmt.Errorf("%q is not a batch id: letters, digits and . _ : - only (no spaces or /), at most 128, starting with a letter or digit", id)
	}
	return nil
}

var batchIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// BatchInput starts or continues a batch run.
type BatchInput struct {
	BatchID string `json:"batch_id"`
	// Installation is the database's installation id (ids of the children and publication).
	Installation string `json:"installation,omitempty"`
	Window       int    `json:"window,omitempty"`
	PageSize     int    `json:"page_size,omitempty"`
	// Continued is set by continue-as-new: planning and approval are behind us.
	Continued bool `json:"continued,omitempty"`
	// Cursor is the last group number started in an earlier run.
	Cursor int `json:"cursor,omitempty"`
	// Rescan: a retry was prepared; after this sweep the batch sweeps its open invoices again.
	Rescan bool `json:"rescan,omitempty"`
	// Carried are the invoices whose workflows still ran when the previous run continued as
	// new: this run follows them in its window.
	Carried []int64 `json:"carried,omitempty"`
	// HistoryBudget overrides where the run continues as new (tests use a small one).
	HistoryBudget int `json:"history_budget,omitempty"`
	// RetryOnly runs no plan: the run only retries the invoices named by retry signals (or,
	// with Resume, runs every open invoice of a batch whose workflow is gone).
	RetryOnly bool `json:"retry_only,omitempty"`
	// Resume plans where planning stopped, then runs every open invoice.
	Resume bool `json:"resume,omitempty"`
	// Timeouts of the steps; zero values take the defaults.
	Timeouts Timeouts `json:"timeouts,omitempty"`
}

// Timeouts are the batch's activity timeouts, configurable per batch.
type Timeouts struct {
	Step     time.Duration `json:"step,omitempty"`     // one database step of an invoice (default 30 s)
	Plan     time.Duration `json:"plan,omitempty"`     // planning the whole batch (default 2 h; heartbeats every chunk)
	Delivery time.Duration `json:"delivery,omitempty"` // one pass of e-mail delivery (default 10 min)
}

// RetryRequest asks a batch to retry failed invoices: all of them when InvoiceIDs is empty.
// Date is the retried invoices' new date (an earlier one gives way to the series' last date).
type RetryRequest struct {
	InvoiceIDs []int64 `json:"invoice_ids,omitempty"`
	Date       string  `json:"date,omitempty"`
}

// PublishInput starts a batch's publication: printing and e-mail of its sealed invoices.
type PublishInput struct {
	BatchID      string   `json:"batch_id"`
	Installation string   `json:"installation,omitempty"`
	Timeouts     Timeouts `json:"timeouts,omitempty"`
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
	// Elsewhere counts invoices whose workflow runs outside this batch run (started by a
	// batch run that was terminated): the batch waits for them.
	Elsewhere int `json:"elsewhere,omitempty"`
}

// InvoiceInput names the invoice to process.
type InvoiceInput struct {
	InvoiceID int64    `json:"invoice_id"`
	BatchID   string   `json:"batch_id"`
	Timeouts  Timeouts `json:"timeouts,omitempty"`
	// Current: started by a batch that knows version 1 of change "invoice-v2", which the
	// workflow then takes without asking GetVersion — whose marker upserts a search
	// attribute, a visibility write per invoice. Invoices started before carry none and ask
	// as before. A later change to the invoice workflow asks GetVersion as usual.
	Current bool `json:"current,omitempty"`
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
	// FiscalNumber is the sealed document as its country knows it: "e-Factura A 0000001".
	FiscalNumber string `json:"fiscal_number,omitempty"`
}

// InvoiceFailure is the detail of a failed invoice's error.
type InvoiceFailure struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

// ScheduledRunInput is what a Temporal Schedule starts: a recurring bill run.
type ScheduledRunInput struct {
	Installation string `json:"installation,omitempty"`
	Schedule     string `json:"schedule"`
	Source       string `json:"source"` // plans or installments
	Period       string `json:"period"` // day, week or month: the unit billed before the nominal time
	Grouping     string `json:"grouping"`
	Series       string `json:"series,omitempty"`
	TimeZone     string `json:"time_zone,omitempty"` // the periods' time zone (default UTC)
	Template     string `json:"template,omitempty"`  // a billing template bounding each run
}

// Client steers billrun's workflows for one installation on one task queue.
type Client struct {
	Temporal     client.Client
	TaskQueue    string
	Installation string
	// Timeouts are given to publications this client starts (zero: the defaults).
	Timeouts Timeouts
}

// StartBatch starts a recorded batch's workflow. Starting it again is a no-op: one batch,
// one workflow.
func (c Client) StartBatch(ctx context.Context, in BatchInput, summary string) error {
	in.Installation = c.Installation
	_, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    BatchWorkflowID(c.Installation, in.BatchID),
		TaskQueue:             c.TaskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrBatchID.ValueSet(in.BatchID), AttrBatchStatus.ValueSet("created")),
		StaticSummary:         summary,
	}, BatchWorkflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}

// ResumeBatch starts a batch's workflow again when it is gone (terminated, or its history
// lost): it plans where planning stopped and runs every invoice that is not final. A
// running batch workflow is left as it is (ErrBatchRunning).
func (c Client) ResumeBatch(ctx context.Context, batchID string, t Timeouts) error {
	_, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       BatchWorkflowID(c.Installation, batchID),
		TaskQueue:                c.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// Without it the client answers the running execution instead of refusing.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    temporal.NewSearchAttributes(AttrBatchID.ValueSet(batchID), AttrBatchStatus.ValueSet("running")),
		StaticSummary:                            "Resumed bill run " + batchID,
	}, BatchWorkflow, BatchInput{BatchID: batchID, Installation: c.Installation, Resume: true, Timeouts: t})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return ErrBatchRunning
	}
	return err
}

// ErrBatchRunning is a resume of a batch whose workflow still runs.
var ErrBatchRunning = errors.New("the batch's workflow is running: nothing to resume (retry invoices with batch retry or invoice retry)")

// RetryBatch asks a batch's workflow to retry failed invoices (all of them when ids is
// empty), dated date: a signal to the running batch, or a retry-only run of the same
// workflow id when the batch has ended.
func (c Client) RetryBatch(ctx context.Context, batchID string, ids []int64, date string) error {
	_, err := c.Temporal.SignalWithStartWorkflow(ctx, BatchWorkflowID(c.Installation, batchID), SignalRetry, RetryRequest{InvoiceIDs: ids, Date: date},
		client.StartWorkflowOptions{
			TaskQueue:             c.TaskQueue,
			WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			TypedSearchAttributes: temporal.NewSearchAttributes(AttrBatchID.ValueSet(batchID), AttrBatchStatus.ValueSet("running")),
			StaticSummary:         "Retry of failed invoices, batch " + batchID,
		}, BatchWorkflow, BatchInput{BatchID: batchID, Installation: c.Installation, RetryOnly: true})
	return err
}

// RejectBatch ends a rejected draft batch's workflow (the store voided its drafts). A
// workflow that is gone is no error.
func (c Client) RejectBatch(ctx context.Context, batchID string) error {
	err := c.Temporal.SignalWorkflow(ctx, BatchWorkflowID(c.Installation, batchID), "", SignalReject, nil)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return nil
	}
	return err
}

// ApproveBatch lets a draft batch go on to completion.
func (c Client) ApproveBatch(ctx context.Context, batchID string) error {
	return c.Temporal.SignalWorkflow(ctx, BatchWorkflowID(c.Installation, batchID), "", SignalApprove, nil)
}

// BatchProgress asks a running batch for its live progress.
func (c Client) BatchProgress(ctx context.Context, batchID string) (Progress, error) {
	var p Progress
	v, err := c.Temporal.QueryWorkflow(ctx, BatchWorkflowID(c.Installation, batchID), "", QueryProgress)
	if err == nil {
		err = v.Get(&p)
	}
	return p, err
}

// Deliver sends one explicit, recorded delivery of an invoice and waits for it.
func (c Client) Deliver(ctx context.Context, invoiceID int64, seq int, summary string) error {
	run, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: DeliveryWorkflowID(c.Installation, invoiceID, seq), TaskQueue: c.TaskQueue, StaticSummary: summary,
	}, DeliveryWorkflow, invoiceID, seq)
	if err != nil {
		return err
	}
	return run.Get(ctx, nil)
}

// CreditNoteWorkflowID is the business key of an invoice's credit note request number seq.
func CreditNoteWorkflowID(installation string, invoiceID int64, seq int) string {
	return InvoiceWorkflowID(installation, invoiceID) + "-credit-" + strconv.Itoa(seq)
}

// CreditNoteInput asks for one credit note.
type CreditNoteInput struct {
	Request  activities.CreditNoteRequest `json:"request"`
	Timeouts Timeouts                     `json:"timeouts,omitempty"`
}

// CreditNoteOutcome is a credit note made, and whether it was sealed, stamped, printed and
// e-mailed.
type CreditNoteOutcome struct {
	CreditNote activities.CreditNoteResult `json:"credit_note"`
	Published  bool                        `json:"published"`
}

// StartCreditNote starts (or, once it has ended, starts again: a reseal) the workflow of an
// invoice's credit note request; corrects is the invoice's number, for the Web UI. A
// request whose workflow is running is refused.
func (c Client) StartCreditNote(ctx context.Context, req activities.CreditNoteRequest, corrects, summary string) (client.WorkflowRun, error) {
	kind := "credit_note"
	if req.Kind != "" {
		kind += "/" + req.Kind
	}
	run, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       CreditNoteWorkflowID(c.Installation, req.InvoiceID, req.Seq),
		TaskQueue:                                c.TaskQueue,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrDocumentKind.ValueSet(kind), AttrCorrects.ValueSet(corrects),
			AttrInvoiceStatus.ValueSet("processing")),
		StaticSummary: summary,
	}, CreditNoteWorkflow, CreditNoteInput{Request: req})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil, fmt.Errorf("credit note %d of invoice %d is being made already: wait for it (billrun invoice show): %w", req.Seq, req.InvoiceID, ErrUnderWay)
	}
	return run, err
}

// ErrUnderWay is a request whose workflow runs already.
var ErrUnderWay = errors.New("under way")
