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
}

// Report is a batch's not-invoiced report and its failed invoices.
type Report struct {
	BatchID string          `json:"batch_id"`
	Skipped []SkippedLine   `json:"not_invoiced"`
	Failed  []FailedInvoice `json:"failed"`
	// Unsealed are completed invoices whose sealing or printing failed.
	Unsealed []FailedInvoice `json:"unsealed"`
}

// InvoiceView is everything the CLI shows of an invoice.
type InvoiceView struct {
	ID             int64             `json:"id"`
	BatchID        string            `json:"batch_id"`
	Series         string            `json:"series"`
	Number         *int64            `json:"number"`
	DocumentKind   string            `json:"document_kind"`
	Customer       string            `json:"customer"`
	CustomerName   string            `json:"customer_name"`
	Date           string            `json:"date"`
	Currency       string            `json:"currency"`
	PaymentTerms   string            `json:"payment_terms"`
	Status         string            `json:"status"`
	FiscalStatus   string            `json:"fiscal_status"`
	DeliveryStatus string            `json:"delivery_status"`
	Attempt        int               `json:"attempt"`
	ErrorStep      string            `json:"error_step,omitempty"`
	ErrorReason    string            `json:"error_reason,omitempty"`
	FiscalError    string            `json:"fiscal_error,omitempty"`
	UUID           string            `json:"uuid,omitempty"`       // the folio fiscal, once stamped
	StampedAt      string            `json:"stamped_at,omitempty"` // FechaTimbrado
	Amount         decimal.Decimal   `json:"amount"`
	Discount       decimal.Decimal   `json:"discount"`
	Subtotal       decimal.Decimal   `json:"subtotal"`
	VAT            decimal.Decimal   `json:"vat"`
	Excise         decimal.Decimal   `json:"excise"`
	VATWithheld    decimal.Decimal   `json:"vat_withheld"`
	ISRWithheld    decimal.Decimal   `json:"isr_withheld"`
	Total          decimal.Decimal   `json:"total"`
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
