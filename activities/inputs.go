package activities

import (
	"time"

	"billrun/internal/model"
)

// Every activity takes one struct and answers one (or only an error), so a field can be
// added to either without a new workflow version. Fields keep the order of the positional
// arguments earlier releases passed: positional.go decodes those still pending.

// BatchRef names a batch (planning it, reading its summary).
type BatchRef struct {
	BatchID string `json:"batch_id"`
}

// OpenPage asks for a page of a batch's invoices still to run, after a group number.
type OpenPage struct {
	BatchID    string `json:"batch_id"`
	AfterGroup int    `json:"after_group"`
	Limit      int    `json:"limit"`
}

// OpenInvoices is a page of a batch's invoices still to run.
type OpenInvoices struct {
	Invoices []model.InvoiceRef `json:"invoices"`
}

// BatchStatus records a batch's phase.
type BatchStatus struct {
	BatchID string `json:"batch_id"`
	Status  string `json:"status"`
}

// BatchFailure records why a batch stopped.
type BatchFailure struct {
	BatchID string `json:"batch_id"`
	Reason  string `json:"reason"`
}

// Retries asks for a batch's failed invoices (all, or those named) to be retried, dated Date.
type Retries struct {
	BatchID    string  `json:"batch_id"`
	InvoiceIDs []int64 `json:"invoice_ids"`
	Date       string  `json:"date"`
}

// RetriesPrepared is how many invoices a retry turned.
type RetriesPrepared struct {
	Count int `json:"count"`
}

// ScheduledBatchID is the batch of a scheduled run.
type ScheduledBatchID struct {
	BatchID string `json:"batch_id"`
}

// InvoiceStep is one of an invoice's own steps, for its attempt (pricing answers it).
type InvoiceStep struct {
	InvoiceID int64 `json:"invoice_id"`
	Attempt   int   `json:"attempt"`
}

// InvoiceFailure undoes an attempt's effects and records the step and reason it failed at.
type InvoiceFailure struct {
	InvoiceID int64  `json:"invoice_id"`
	Attempt   int    `json:"attempt"`
	Step      string `json:"step"`
	Reason    string `json:"reason"`
}

// Reconciliation settles an invoice whose workflow ended abnormally.
type Reconciliation struct {
	InvoiceID int64  `json:"invoice_id"`
	Reason    string `json:"reason"`
}

// Document names an invoice's (or credit note's) fiscal document.
type Document struct {
	InvoiceID int64 `json:"invoice_id"`
	// Wake: sealing wakes the batch's publication whatever its mark says (Store.TellPublication)
	// — a sale sealed outside its batch's run, whose publication may have ended abnormally.
	Wake bool `json:"wake,omitempty"`
}

// Delivery names one e-mail delivery of a document: the first is 1, each resend the next.
type Delivery struct {
	InvoiceID int64 `json:"invoice_id"`
	Seq       int   `json:"seq"`
}

// Pass asks a publication step to process up to Limit of a batch's documents.
type Pass struct {
	BatchID string `json:"batch_id"`
	Limit   int    `json:"limit"`
	// Gather is how long the pass waits before it looks, so documents that become ready
	// meanwhile share it: the publication asks for it while invoices are still being billed
	// (a pass per handful of documents costs Temporal more than the wait costs them).
	Gather time.Duration `json:"gather,omitempty"`
}

// CancelAnswer is where a cancellation stands: CancelDone, CancelPending or CancelRejected.
type CancelAnswer struct {
	Status string `json:"status"`
}

// AwaitResult are the followed invoice workflows that ended.
type AwaitResult struct {
	Ended []EndedInvoice `json:"ended"`
}

// The inputs earlier releases passed as positional arguments.
func (BatchRef) positional()       {}
func (OpenPage) positional()       {}
func (BatchStatus) positional()    {}
func (BatchFailure) positional()   {}
func (Retries) positional()        {}
func (InvoiceStep) positional()    {}
func (InvoiceFailure) positional() {}
func (Reconciliation) positional() {}
func (Document) positional()       {}
func (Delivery) positional()       {}
func (Pass) positional()           {}

// The results earlier releases answered bare (a list, a number, a string), as recorded
// histories hold them.
func (r *OpenInvoices) UnmarshalJSON(b []byte) error {
	type plain OpenInvoices
	return objectOrBare(b, (*plain)(r), &r.Invoices)
}

func (r *RetriesPrepared) UnmarshalJSON(b []byte) error {
	type plain RetriesPrepared
	return objectOrBare(b, (*plain)(r), &r.Count)
}

func (r *ScheduledBatchID) UnmarshalJSON(b []byte) error {
	type plain ScheduledBatchID
	return objectOrBare(b, (*plain)(r), &r.BatchID)
}

func (r *CancelAnswer) UnmarshalJSON(b []byte) error {
	type plain CancelAnswer
	return objectOrBare(b, (*plain)(r), &r.Status)
}

func (r *AwaitResult) UnmarshalJSON(b []byte) error {
	type plain AwaitResult
	return objectOrBare(b, (*plain)(r), &r.Ended)
}
