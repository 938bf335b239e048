package model

import (
	"time"

	"github.com/shopspring/decimal"
)

// FailedInvoice is a failed invoice with the step and reason of its last attempt.
type FailedInvoice struct {
	InvoiceID int64  `json:"invoice_id"`
	Customer  string `json:"customer"`
	Attempt   int    `json:"attempt"`
	Step      string `json:"step"`
	Reason    string `json:"reason"`
	// Fix is what to do about it: the data to fix, with an example, and the command after.
	Fix string `json:"fix,omitempty"`
}

// Report is a batch's not-invoiced report and its failed invoices.
type Report struct {
	BatchID   string          `json:"batch_id"`
	Selection string          `json:"selection"` // what the batch bills: its source, range and filters
	Skipped   []SkippedLine   `json:"skipped_lines"`
	Failed    []FailedInvoice `json:"failed"`
	// Unsealed are completed invoices whose sealing or printing failed.
	Unsealed []FailedInvoice `json:"unsealed"`
	// Excluded are the drafts the operator took out before approval (seed 003), their
	// sources billable again.
	Excluded []FailedInvoice `json:"excluded"`
	// Drafts are the batch's draft invoices (a draft batch awaiting approval), each with what
	// would make it fail if the batch ran now.
	Drafts []DraftInvoice `json:"drafts"`
	// CreditsSettled are the open return credit notes the batch settled against its invoices.
	CreditsSettled []Settlement `json:"credits_settled"`
	// Undelivered are completed invoices whose e-mail was skipped (no address), refused or
	// is uncertain: the customer has not received them from billrun.
	Undelivered []FailedInvoice `json:"undelivered"`
}

// Settlement is a credit note's open credit applied to an invoice's receivable.
type Settlement struct {
	InvoiceID  int64           `json:"invoice_id"`
	Invoice    string          `json:"invoice"` // its number
	Customer   string          `json:"customer"`
	CreditNote string          `json:"credit_note"` // its number
	Amount     decimal.Decimal `json:"amount"`
	Decimals   int32           `json:"-"`
}

// InvoiceView is everything the CLI shows of an invoice.
type InvoiceView struct {
	ID             int64  `json:"id"`
	BatchID        string `json:"batch_id"`
	Series         string `json:"series"`
	Number         *int64 `json:"number"`
	FiscalNumber   string `json:"fiscal_number,omitempty"` // as its fiscal document says it: A-4, e-Factura A 0000004
	DocumentKind   string `json:"document_kind"`
	Customer       string `json:"customer"`
	CustomerName   string `json:"customer_name"`
	Date           string `json:"date"`
	Currency       string `json:"currency"`
	PaymentTerms   string `json:"payment_terms"`
	Status         string `json:"status"`
	FiscalStatus   string `json:"fiscal_status"`
	DeliveryStatus string `json:"delivery_status"`
	Attempt        int    `json:"attempt"`
	PublishAttempt int    `json:"publish_attempt"` // a reseal or restamp counts one
	ErrorStep      string `json:"error_step,omitempty"`
	ErrorReason    string `json:"error_reason,omitempty"`
	FiscalError    string `json:"fiscal_error,omitempty"`
	UUID           string `json:"uuid,omitempty"`       // the folio fiscal, once stamped
	StampedAt      string `json:"stamped_at,omitempty"` // FechaTimbrado; UY: when DGI received the CFE
	// AcknowledgedBy is, for a CFE DGI received, its answer's number and signer.
	AcknowledgedBy string            `json:"acknowledged_by,omitempty"`
	Amount         decimal.Decimal   `json:"amount"`
	Discount       decimal.Decimal   `json:"discount"`
	Subtotal       decimal.Decimal   `json:"subtotal"`
	VAT            decimal.Decimal   `json:"vat"`
	Excise         decimal.Decimal   `json:"excise"`
	VATWithheld    decimal.Decimal   `json:"vat_withheld"`
	ISRWithheld    decimal.Decimal   `json:"isr_withheld"`
	Total          decimal.Decimal   `json:"total"`
	Decimals       int32             `json:"-"`                        // the currency's: amounts are written with them
	CreditOf       *int64            `json:"credit_of,omitempty"`      // a credit note: the invoice it corrects
	CreditKind     string            `json:"credit_kind,omitempty"`    // return or rebate
	CreditSeq      int               `json:"credit_seq,omitempty"`     // its number among that invoice's credit notes
	CreditNotes    []int64           `json:"credit_notes"`             // an invoice: the credit notes that correct it
	Receipts       []string          `json:"receipts,omitempty"`       // an invoice paid in installments: its payments' receipts (CFDI P)
	Global         []string          `json:"global,omitempty"`         // a ticket: the global invoice carrying it; a global invoice: its tickets
	Receivable     *ReceivableView   `json:"receivable,omitempty"`     // what the customer owes on it
	CashMovements  []CashMovement    `json:"cash_movements,omitempty"` // a cash sale's (or its credit note's) cash in and out of its box
	Cancellation   *CancellationView `json:"cancellation,omitempty"`   // its cancellation request
	Lines          []InvoiceLineView `json:"lines"`
	Audit          []AuditView       `json:"audit"`
}

// InvoiceLineView is one line of an invoice.
type InvoiceLineView struct {
	LineNo    int             `json:"line_no"`
	Source    string          `json:"source"`
	Item      string          `json:"item"`
	Quantity  decimal.Decimal `json:"quantity"`
	UnitPrice decimal.Decimal `json:"unit_price"`
	Discount  decimal.Decimal `json:"discount"`
	Subtotal  decimal.Decimal `json:"subtotal"`
	VAT       decimal.Decimal `json:"vat"`
	Total     decimal.Decimal `json:"total"`
	// Refs are the line's references (seed 000: the expense report, contract line and
	// activity of an installment; the plan and entity of a plan event).
	Refs map[string]string `json:"refs,omitempty"`
}

// AuditView is one entry of an invoice's audit trail.
type AuditView struct {
	At      time.Time `json:"at"`
	Step    string    `json:"step"`
	Attempt int       `json:"attempt"`
	Outcome string    `json:"outcome"`
	Detail  string    `json:"detail"`
}

// Delivery is one recorded e-mail of an invoice.
type Delivery struct {
	InvoiceID int64  `json:"invoice_id"`
	Seq       int    `json:"delivery"`
	Status    string `json:"status"`
	Detail    string `json:"detail"`
	MessageID string `json:"message_id"`
}

// ReceivableView is an invoice's receivable: what it posted, what is still owed, and the
// payments applied.
type ReceivableView struct {
	Kind     string          `json:"kind"` // open (credit) or pending_collection (cash)
	Amount   decimal.Decimal `json:"amount"`
	Balance  decimal.Decimal `json:"balance"`
	Status   string          `json:"status"` // open, paid, reversed, cancelled
	DueDate  string          `json:"due_date"`
	Payments []PaymentView   `json:"payments"`
	Decimals int32           `json:"-"` // the currency's: amounts are written with them
}

// PaymentView is one payment applied to a receivable.
type PaymentView struct {
	Amount decimal.Decimal `json:"amount"`
	PaidOn string          `json:"paid_on"`
}

// CancellationView is an invoice's cancellation request and where it stands.
type CancellationView struct {
	Motive      string `json:"motive"`
	Replacement string `json:"replacement,omitempty"` // the replacing CFDI's UUID (motive 01)
	Status      string `json:"status"`                // requested, pending, cancelled, rejected
	Detail      string `json:"detail,omitempty"`      // the authority's words
}

// BatchFilter selects batches for batch list; empty fields do not filter.
type BatchFilter struct {
	Status   string
	From, To string // invoice dates, YYYY-MM-DD
	Limit    int
}

// BatchRow is one line of batch list.
type BatchRow struct {
	ID          string    `json:"id"`
	BatchID     string    `json:"batch_id"` // = ID: every command's JSON names a batch so
	Source      string    `json:"source"`
	Series      string    `json:"series"`
	InvoiceDate string    `json:"invoice_date"`
	Status      string    `json:"status"`
	Draft       bool      `json:"draft"`
	CreatedAt   time.Time `json:"created_at"`
	Invoices    int       `json:"invoices"`
	Completed   int       `json:"completed"`
	Failed      int       `json:"failed"`
}

// InvoiceFilter selects invoices for invoice list; empty fields do not filter.
type InvoiceFilter struct {
	Status, Batch, Customer, Series, Kind string
	From, To                              string // invoice dates, YYYY-MM-DD
	Limit                                 int
}

// InvoiceRow is one line of invoice list. Total is rounded to the currency's decimals.
type InvoiceRow struct {
	ID           int64  `json:"id"`
	InvoiceID    int64  `json:"invoice_id"`              // = ID: every command's JSON names an invoice so
	Number       string `json:"number"`                  // A-4; empty until completed
	FiscalNumber string `json:"fiscal_number,omitempty"` // as its fiscal document says it: A-4, e-Factura A 0000004
	Kind         string `json:"document_kind"`
	Batch        string `json:"batch_id"`
	Customer     string `json:"customer"`
	Date         string `json:"date"`
	Currency     string `json:"currency"`
	Total        string `json:"total"` // with the currency's decimals
	Status       string `json:"status"`
	FiscalStatus string `json:"fiscal_status"`
	Delivery     string `json:"delivery_status"`
	UUID         string `json:"uuid,omitempty"`
}

// Gauges are the database's figures the operators' alerts watch (see the worker's metrics).
type Gauges struct {
	FailedOpen         int64
	UnstampedBacklog   int64
	UnstampedOldestAge float64 // seconds
	DGIRefusals        int64
	Undelivered        int64
	Skipped            int64
	LastBatchDuration  float64 // seconds
}

// CashMovement is one movement of a cash box (seed 004): a cash sale collected in, a
// credit note's refund out, a cancellation's money given back.
type CashMovement struct {
	ID        int64           `json:"id"`
	Box       string          `json:"box"`
	Date      string          `json:"date"`
	Direction string          `json:"direction"` // in, out
	Reason    string          `json:"reason"`    // sale, refund, cancel
	Amount    decimal.Decimal `json:"amount"`    // in the box's currency
	Currency  string          `json:"currency"`
	Document  string          `json:"document"` // the sale, or the credit note that refunded
	Sale      string          `json:"sale"`
	PaymentID *int64          `json:"payment_id,omitempty"` // a sale's: its collection's payment
}
