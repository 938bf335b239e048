package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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

// ReadReport reads a batch's report.
func ReadReport(ctx context.Context, db *pgxpool.Pool, batchID string) (Report, error) {
	r := Report{BatchID: batchID, Skipped: []SkippedLine{}, Failed: []FailedInvoice{}, Unsealed: []FailedInvoice{}}
	if _, err := LoadBatch(ctx, db, batchID); err != nil {
		return r, err
	}
	rows, err := db.Query(ctx, `select source_ref, customer, item, quantity, skip_reason from batch_lines
		where batch_id = $1 and outcome = 'skipped' order by id`, batchID)
	if err != nil {
		return r, err
	}
	r.Skipped, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (SkippedLine, error) {
		var s SkippedLine
		return s, row.Scan(&s.Source, &s.Customer, &s.Item, &s.Quantity, &s.Reason)
	})
	if err != nil {
		return r, err
	}
	rows, err = db.Query(ctx, `select id, customer, attempt, error_step, error_reason from invoices
		where batch_id = $1 and status = 'failed' order by group_no`, batchID)
	if err != nil {
		return r, err
	}
	r.Failed, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (FailedInvoice, error) {
		var f FailedInvoice
		return f, row.Scan(&f.InvoiceID, &f.Customer, &f.Attempt, &f.Step, &f.Reason)
	})
	if err != nil {
		return r, err
	}
	rows, err = db.Query(ctx, `select id, customer, attempt, split_part(fiscal_error, ': ', 1), substr(fiscal_error, length(split_part(fiscal_error, ': ', 1)) + 3)
		from invoices where batch_id = $1 and status = 'completed' and fiscal_error <> '' order by group_no`, batchID)
	if err != nil {
		return r, err
	}
	r.Unsealed, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (FailedInvoice, error) {
		var f FailedInvoice
		return f, row.Scan(&f.InvoiceID, &f.Customer, &f.Attempt, &f.Step, &f.Reason)
	})
	return r, err
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

// ReadInvoice reads an invoice with its lines and audit trail.
func ReadInvoice(ctx context.Context, db *pgxpool.Pool, id int64) (InvoiceView, error) {
	var v InvoiceView
	var date time.Time
	err := db.QueryRow(ctx, `
		select v.id, v.batch_id, v.series, v.number, v.document_kind, v.customer, c.name, v.invoice_date, v.currency, v.payment_terms,
		       v.status, v.fiscal_status, v.delivery_status, v.attempt, v.error_step, v.error_reason, v.fiscal_error,
		       v.amount, v.discount, v.subtotal, v.vat, v.excise, v.vat_withheld, v.isr_withheld, v.total
		from invoices v join customers c on c.code = v.customer where v.id = $1`, id).
		Scan(&v.ID, &v.BatchID, &v.Series, &v.Number, &v.DocumentKind, &v.Customer, &v.CustomerName, &date, &v.Currency, &v.PaymentTerms,
			&v.Status, &v.FiscalStatus, &v.DeliveryStatus, &v.Attempt, &v.ErrorStep, &v.ErrorReason, &v.FiscalError,
			&v.Amount, &v.Discount, &v.Subtotal, &v.VAT, &v.Excise, &v.VATWithheld, &v.ISRWithheld, &v.Total)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, fmt.Errorf("invoice %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return v, err
	}
	v.Date = date.Format(time.DateOnly)
	rows, err := db.Query(ctx, `select line_no, source_ref, item, quantity, unit_price, discount, subtotal, vat, total
		from invoice_lines where invoice_id = $1 order by line_no`, id)
	if err != nil {
		return v, err
	}
	v.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (InvoiceLineView, error) {
		var l InvoiceLineView
		return l, r.Scan(&l.LineNo, &l.Source, &l.Item, &l.Quantity, &l.UnitPrice, &l.Discount, &l.Subtotal, &l.VAT, &l.Total)
	})
	if err != nil {
		return v, err
	}
	rows, err = db.Query(ctx, `select at, step, attempt, outcome, detail from audit_events where invoice_id = $1 order by id`, id)
	if err != nil {
		return v, err
	}
	v.Audit, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditView, error) {
		var e AuditView
		return e, r.Scan(&e.At, &e.Step, &e.Attempt, &e.Outcome, &e.Detail)
	})
	return v, err
}
