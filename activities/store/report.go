package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"billrun/activities/model"
)

// ReadReport reads a batch's not-invoiced report, its failed invoices and those completed
// but not sealed.
func (s *Store) ReadReport(ctx context.Context, batchID string) (model.Report, error) {
	r := model.Report{BatchID: batchID, Skipped: []model.SkippedLine{}, Failed: []model.FailedInvoice{}, Unsealed: []model.FailedInvoice{}}
	if _, err := s.LoadBatch(ctx, batchID); err != nil {
		return r, err
	}
	rows, err := s.pool.Query(ctx, `select source_ref, customer, item, quantity, skip_reason from batch_lines
		where batch_id = $1 and outcome = 'skipped' order by id`, batchID)
	if err != nil {
		return r, err
	}
	r.Skipped, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.SkippedLine, error) {
		var s model.SkippedLine
		return s, row.Scan(&s.Source, &s.Customer, &s.Item, &s.Quantity, &s.Reason)
	})
	if err != nil {
		return r, err
	}
	failed := func(row pgx.CollectableRow) (model.FailedInvoice, error) {
		var f model.FailedInvoice
		return f, row.Scan(&f.InvoiceID, &f.Customer, &f.Attempt, &f.Step, &f.Reason)
	}
	rows, err = s.pool.Query(ctx, `select id, customer, attempt, error_step, error_reason from invoices
		where batch_id = $1 and status = 'failed' order by group_no`, batchID)
	if err != nil {
		return r, err
	}
	if r.Failed, err = pgx.CollectRows(rows, failed); err != nil {
		return r, err
	}
	rows, err = s.pool.Query(ctx, `select id, customer, attempt, split_part(fiscal_error, ': ', 1), substr(fiscal_error, length(split_part(fiscal_error, ': ', 1)) + 3)
		from invoices where batch_id = $1 and status = 'completed' and fiscal_error <> '' order by group_no`, batchID)
	if err != nil {
		return r, err
	}
	r.Unsealed, err = pgx.CollectRows(rows, failed)
	return r, err
}

// ReadInvoice reads an invoice with its lines and audit trail.
func (s *Store) ReadInvoice(ctx context.Context, id int64) (model.InvoiceView, error) {
	var v model.InvoiceView
	var date time.Time
	err := s.pool.QueryRow(ctx, `
		select v.id, v.batch_id, v.series, v.number, v.document_kind, v.customer, c.name, v.invoice_date, v.currency, v.payment_terms,
		       v.status, v.fiscal_status, v.delivery_status, v.attempt, v.error_step, v.error_reason, v.fiscal_error,
		       v.amount, v.discount, v.subtotal, v.vat, v.excise, v.vat_withheld, v.isr_withheld, v.total
		from invoices v join customers c on c.code = v.customer where v.id = $1`, id).
		Scan(&v.ID, &v.BatchID, &v.Series, &v.Number, &v.DocumentKind, &v.Customer, &v.CustomerName, &date, &v.Currency, &v.PaymentTerms,
			&v.Status, &v.FiscalStatus, &v.DeliveryStatus, &v.Attempt, &v.ErrorStep, &v.ErrorReason, &v.FiscalError,
			&v.Amount, &v.Discount, &v.Subtotal, &v.VAT, &v.Excise, &v.VATWithheld, &v.ISRWithheld, &v.Total)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return v, err
	}
	v.Date = date.Format(time.DateOnly)
	rows, err := s.pool.Query(ctx, `select line_no, source_ref, item, quantity, unit_price, discount, subtotal, vat, total
		from invoice_lines where invoice_id = $1 order by line_no`, id)
	if err != nil {
		return v, err
	}
	v.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.InvoiceLineView, error) {
		var l model.InvoiceLineView
		return l, r.Scan(&l.LineNo, &l.Source, &l.Item, &l.Quantity, &l.UnitPrice, &l.Discount, &l.Subtotal, &l.VAT, &l.Total)
	})
	if err != nil {
		return v, err
	}
	rows, err = s.pool.Query(ctx, `select at, step, attempt, outcome, detail from audit_events where invoice_id = $1 order by id`, id)
	if err != nil {
		return v, err
	}
	v.Audit, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.AuditView, error) {
		var e model.AuditView
		return e, r.Scan(&e.At, &e.Step, &e.Attempt, &e.Outcome, &e.Detail)
	})
	return v, err
}
