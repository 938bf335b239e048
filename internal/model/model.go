// Package model holds the records billrun reads and writes — batches and their parameters,
// invoice references, summaries, reports, invoice views — as plain data: no I/O, no rules.
// Workflows carry them in their inputs and results; the store fills them; the CLI prints them.
package model

import (
	"errors"
	"strings"
)

// Source kinds a batch bills (SPEC §1).
const (
	SourceOrders       = "orders"
	SourceInstallments = "installments"
	SourcePlans        = "plans"
)

// Steps of an invoice, as recorded in error_step, fiscal_error and the audit trail.
const (
	StepPrice      = "pricing"
	StepStock      = "stock discharge"
	StepReceivable = "receivable"
	StepComplete   = "completion"
	StepSeal       = "sealing"
	StepStamp      = "stamping"
	StepPDF        = "pdf"
	StepDeliver    = "delivery"
	StepCredit     = "credit note" // a credit note recorded, with its effects, on the credit note and on the invoice it corrects
)

// ErrNotFound marks an unknown batch, invoice, plan or schedule.
var ErrNotFound = errors.New("not found")

// InputError is bad input: it names the field and the record, and nothing was written.
type InputError struct{ Problems []string }

func (e *InputError) Error() string { return strings.Join(e.Problems, "\n") }

// BusinessError is a rule the data breaks (no stock, bad tax setup, closed period): it fails
// one invoice at one step, with the reason, and is never retried as it is.
type BusinessError struct {
	Step   string
	Reason string
}

func (e *BusinessError) Error() string { return e.Step + ": " + e.Reason }
