package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
)

// ReadReport reads a batch's not-invoiced report, its failed invoices and those completed
// but not sealed.
func (s *Store) ReadReport(ctx context.Context, batchID string) (model.Report, error) {
	r := model.Report{BatchID: batchID, Skipped: []model.SkippedLine{}, Failed: []model.FailedInvoice{}, Unsealed: []model.FailedInvoice{},
		CreditsSettled: []model.Settlement{}, Drafts: []model.DraftInvoice{}}
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
	if r.Unsealed, err = pgx.CollectRows(rows, failed); err != nil {
		return r, err
	}
	if r.Drafts, err = s.DraftReview(ctx, batchID); err != nil {
		return r, err
	}
	rows, err = s.pool.Query(ctx, `select v.id, v.series || '-' || coalesce(v.number::text, '(no number)'), v.customer, n.series || '-' || n.number, cs.amount, cur.decimals
		from credit_settlements cs join invoices v on v.id = cs.invoice_id join invoices n on n.id = cs.credit_note_id join currencies cur on cur.code = v.currency
		where v.batch_id = $1 order by v.group_no, n.id`, batchID)
	if err != nil {
		return r, err
	}
	r.CreditsSettled, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.Settlement, error) {
		var x model.Settlement
		return x, row.Scan(&x.InvoiceID, &x.Invoice, &x.Customer, &x.CreditNote, &x.Amount, &x.Decimals)
	})
	return r, err
}

// FindInvoice finds an invoice by what a person has at hand: its id (42), its number
// or its folio fiscal (UUID).
func (s *Store) FindInvoice(ctx context.Context, ref string) (int64, error) {
	var id int64
	var err error
	if uuidPattern.MatchString(ref) {
		err = s.pool.QueryRow(ctx, `select invoice_id from fiscal_documents where uuid = upper($1)`, ref).Scan(&id)
	} else if series, number, ok := cutNumber(ref); ok {
		err = s.pool.QueryRow(ctx, `select id from invoices where series = $1 and number = $2`, series, number).Scan(&id)
	} else if id, err = strconv.ParseInt(ref, 10, 64); err != nil || id <= 0 {
		return 0, &model.InputError{Problems: []string{fmt.Sprintf("invoice: %q is neither an invoice id, a number like A-4, nor a UUID", ref)}}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("invoice %s: %w", ref, model.ErrNotFound)
	}
	return id, err
}

var uuidPattern = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// cutNumber splits "A-4" into its series and number.
func cutNumber(ref string) (string, int64, bool) {
	i := strings.LastIndex(ref, "-")
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(ref[i+1:], 10, 64)
	return ref[:i], n, err == nil && n > 0
}

// ReadInvoice reads an invoice with its lines and audit trail.
func (s *Store) ReadInvoice(ctx context.Context, id int64) (model.InvoiceView, error) {
	var v model.InvoiceView
	var date time.Time
	err := s.pool.QueryRow(ctx, `
		select v.id, coalesce(v.batch_id, ''), v.series, v.number, v.document_kind, v.customer, c.name, v.invoice_date, v.currency, v.payment_terms,
		       v.status, v.fiscal_status, v.delivery_status, v.attempt, v.publish_attempt, v.error_step, v.error_reason, v.fiscal_error,
		       v.amount, v.discount, v.subtotal, v.vat, v.excise, v.vat_withheld, v.isr_withheld, v.total,
		       coalesce(d.uuid, ''), coalesce(d.fecha_timbrado, ''), case when d.authority_ack is null then '' else coalesce(d.no_certificado_sat, '') end,
		       v.credit_of, coalesce(v.credit_kind, ''), coalesce(v.credit_seq, 0)
		       , (select decimals from currencies where code = v.currency)
		from invoices v join customers c on c.code = v.customer left join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, id).
		Scan(&v.ID, &v.BatchID, &v.Series, &v.Number, &v.DocumentKind, &v.Customer, &v.CustomerName, &date, &v.Currency, &v.PaymentTerms,
			&v.Status, &v.FiscalStatus, &v.DeliveryStatus, &v.Attempt, &v.PublishAttempt, &v.ErrorStep, &v.ErrorReason, &v.FiscalError,
			&v.Amount, &v.Discount, &v.Subtotal, &v.VAT, &v.Excise, &v.VATWithheld, &v.ISRWithheld, &v.Total, &v.UUID, &v.StampedAt,
			&v.AcknowledgedBy, &v.CreditOf, &v.CreditKind, &v.CreditSeq, &v.Decimals)
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
	if v.Receivable, err = s.readReceivable(ctx, s.pool, id); err != nil {
		return v, err
	}
	var c model.CancellationView
	err = s.pool.QueryRow(ctx, `select motive, coalesce(replacement_uuid, ''), status, detail from cancellations where invoice_id = $1`, id).
		Scan(&c.Motive, &c.Replacement, &c.Status, &c.Detail)
	switch {
	case err == nil:
		v.Cancellation = &c
	case !errors.Is(err, pgx.ErrNoRows):
		return v, err
	}
	rows, err = s.pool.Query(ctx, `select id from invoices where credit_of = $1 order by credit_seq`, id)
	if err != nil {
		return v, err
	}
	if v.CreditNotes, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
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
