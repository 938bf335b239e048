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

	"billrun/internal/catalogs"
	"billrun/internal/model"
)

// ReadReport reads a batch's not-invoiced report, its failed invoices and those completed
// but not sealed.
func (s *Store) ReadReport(ctx context.Context, batchID string) (model.Report, error) {
	r := model.Report{BatchID: batchID, Skipped: []model.SkippedLine{}, Failed: []model.FailedInvoice{}, Unsealed: []model.FailedInvoice{},
		CreditsSettled: []model.Settlement{}, Drafts: []model.DraftInvoice{}}
	b, err := s.LoadBatch(ctx, batchID)
	if err != nil {
		return r, err
	}
	r.Selection = b.Params.Selection()
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
	rows, err = s.pool.Query(ctx, `select id, customer, attempt, error_step, error_reason from invoices
		where batch_id = $1 and status = 'voided' and error_step = 'excluded' order by group_no`, batchID)
	if err != nil {
		return r, err
	}
	if r.Excluded, err = pgx.CollectRows(rows, failed); err != nil {
		return r, err
	}
	if r.Undelivered, err = s.undelivered(ctx, batchID); err != nil {
		return r, err
	}
	rows, err = s.pool.Query(ctx, `select v.id, v.series || '-' || coalesce(v.number::text, '(no number)'), v.customer, n.series || '-' || coalesce(n.number::text, '(no number)'), cs.amount, cur.decimals
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
	} else if m := cfeRef.FindStringSubmatch(strings.TrimSpace(ref)); m != nil {
		return s.findCFE(ctx, ref, m[1], m[2], m[3])
	} else if series, number, ok := cutNumber(ref); ok {
		err = s.pool.QueryRow(ctx, `select id from invoices where series = $1 and number = $2`, series, number).Scan(&id)
	} else if id, err = strconv.ParseInt(ref, 10, 64); err != nil || id <= 0 {
		return 0, &model.InputError{Problems: []string{fmt.Sprintf("invoice: %q is neither an invoice id, a number like A-4, a CFE like \"e-Factura A 0000001\", nor a UUID", ref)}}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("invoice %s: %w", ref, model.ErrNotFound)
	}
	return id, err
}

var uuidPattern = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// cfeRef is a CFE's number as DGI prints it, with its type's name or code or without:
// "A 0000001", "e-Factura A 0000001", "111 A 1".
var cfeRef = regexp.MustCompile(`^(?i:(e-Ticket|e-Factura|Nota de crédito de e-Ticket|Nota de crédito de e-Factura|\d{3})\s+)?([A-Z]{1,2})\s+(\d{1,7})$`)

// findCFE finds the invoice whose CFE is series and number (of type kind, a name or code,
// when given). Two types may share a series letter: without the type, more than one is
// refused, naming them.
func (s *Store) findCFE(ctx context.Context, ref, kind, series, number string) (int64, error) {
	code := kind
	for c, name := range catalogs.CFETypeNames {
		if strings.EqualFold(name, kind) {
			code = c
		}
	}
	rows, err := s.pool.Query(ctx, `select v.id, s.cfe_type, v.series || '-' || v.number from invoices v
		join caes ca on ca.id = v.cae join series s on s.code = v.series
		where ca.cfe_series = $1 and v.number = $2::bigint and ($3 = '' or s.cfe_type::text = $3) order by v.id`, series, number, code)
	if err != nil {
		return 0, err
	}
	type hit struct {
		id   int64
		typ  int
		name string
	}
	hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hit, error) {
		var h hit
		return h, r.Scan(&h.id, &h.typ, &h.name)
	})
	switch {
	case err != nil:
		return 0, err
	case len(hits) == 0:
		return 0, fmt.Errorf("invoice %s: %w", ref, model.ErrNotFound)
	case len(hits) > 1:
		var names []string
		for _, h := range hits {
			names = append(names, fmt.Sprintf("%s %s (invoice %s)", catalogs.CFETypeNames[strconv.Itoa(h.typ)], catalogs.CFENumber(series, mustInt(number)), h.name))
		}
		return 0, &model.InputError{Problems: []string{fmt.Sprintf("invoice: %q is %s: name its type", ref, strings.Join(names, " or "))}}
	}
	return hits[0].id, nil
}

func mustInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// fiscalNumber is an invoice's number as its fiscal document says it: "A-1" (a CFDI's
// Serie-Folio), "e-Factura A 0000001" (a CFE: its type, series letter and number).
func fiscalNumber(series string, number *int64, cfeSeries *string, cfeType *int) string {
	switch {
	case number == nil:
		return ""
	case cfeSeries != nil && cfeType != nil:
		return catalogs.CFETypeNames[strconv.Itoa(*cfeType)] + " " + catalogs.CFENumber(*cfeSeries, *number)
	}
	return fmt.Sprintf("%s-%d", series, *number)
}

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
	var cfeSeries *string
	var cfeType *int
	err := s.pool.QueryRow(ctx, `
		select v.id, coalesce(v.batch_id, ''), v.series, v.number, v.document_kind, v.customer, c.name, v.invoice_date, v.currency, v.payment_terms,
		       v.status, v.fiscal_status, v.delivery_status, v.attempt, v.publish_attempt, v.error_step, v.error_reason, v.fiscal_error,
		       v.amount, v.discount, v.subtotal, v.vat, v.excise, v.vat_withheld, v.isr_withheld, v.total,
		       coalesce(d.uuid, ''), coalesce(d.fecha_timbrado, ''), case when d.authority_ack is null then '' else coalesce(d.no_certificado_sat, '') end,
		       v.credit_of, coalesce(v.credit_kind, ''), coalesce(v.credit_seq, 0)
		       , (select decimals from currencies where code = v.currency), ca.cfe_series, s.cfe_type
		from invoices v join customers c on c.code = v.customer join series s on s.code = v.series
		left join fiscal_documents d on d.invoice_id = v.id left join caes ca on ca.id = v.cae where v.id = $1`, id).
		Scan(&v.ID, &v.BatchID, &v.Series, &v.Number, &v.DocumentKind, &v.Customer, &v.CustomerName, &date, &v.Currency, &v.PaymentTerms,
			&v.Status, &v.FiscalStatus, &v.DeliveryStatus, &v.Attempt, &v.PublishAttempt, &v.ErrorStep, &v.ErrorReason, &v.FiscalError,
			&v.Amount, &v.Discount, &v.Subtotal, &v.VAT, &v.Excise, &v.VATWithheld, &v.ISRWithheld, &v.Total, &v.UUID, &v.StampedAt,
			&v.AcknowledgedBy, &v.CreditOf, &v.CreditKind, &v.CreditSeq, &v.Decimals, &cfeSeries, &cfeType)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return v, err
	}
	v.FiscalNumber = fiscalNumber(v.Series, v.Number, cfeSeries, cfeType)
	v.Date = date.Format(time.DateOnly)
	rows, err := s.pool.Query(ctx, `select line_no, source_ref, item, quantity, unit_price, discount, subtotal, vat, total,
		       (select jsonb_object_agg(key, value) from jsonb_each_text(refs) where value <> '')
		from invoice_lines where invoice_id = $1 order by line_no`, id)
	if err != nil {
		return v, err
	}
	v.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.InvoiceLineView, error) {
		var l model.InvoiceLineView
		return l, r.Scan(&l.LineNo, &l.Source, &l.Item, &l.Quantity, &l.UnitPrice, &l.Discount, &l.Subtotal, &l.VAT, &l.Total, &l.Refs)
	})
	if err != nil {
		return v, err
	}
	if v.Receivable, err = s.readReceivable(ctx, s.pool, id); err != nil {
		return v, err
	}
	if v.CashMovements, err = s.documentCashMovements(ctx, id); err != nil {
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
	return v, s.readRelated(ctx, id, &v)
}

// readRelated reads what relates to an invoice: its credit notes, its payments' receipts,
// its global invoice (a ticket) or tickets (a global invoice), and its audit trail.
func (s *Store) readRelated(ctx context.Context, id int64, v *model.InvoiceView) error {
	rows, err := s.pool.Query(ctx, `select id from invoices where credit_of = $1 order by credit_seq`, id)
	if err != nil {
		return err
	}
	if v.CreditNotes, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return err
	}
	rows, err = s.pool.Query(ctx, `select r.series || '-' || coalesce(r.number::text, '(processing)') || ' (parcialidad ' || d.parcialidad || ', ' || r.fiscal_status || ')'
		from payment_receipt_documents d join invoices r on r.id = d.receipt_id where d.invoice_id = $1 order by d.parcialidad, d.receipt_id`, id)
	if err != nil {
		return err
	}
	if v.Receipts, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return err
	}
	rows, err = s.pool.Query(ctx, `select v.series || '-' || coalesce(v.number::text, '(processing)') || ' (' || v.fiscal_status || ')'
		from global_invoice_tickets g join invoices v on v.id = case when g.global_id = $1 then g.ticket_id else g.global_id end
		where (g.global_id = $1 or g.ticket_id = $1) and g.released_at is null order by v.series, v.number`, id)
	if err != nil {
		return err
	}
	if v.Global, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return err
	}
	rows, err = s.pool.Query(ctx, `select at, step, attempt, outcome, detail from audit_events where invoice_id = $1 order by id`, id)
	if err != nil {
		return err
	}
	v.Audit, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.AuditView, error) {
		var e model.AuditView
		return e, r.Scan(&e.At, &e.Step, &e.Attempt, &e.Outcome, &e.Detail)
	})
	return err
}

// undelivered are the batch's completed invoices whose first e-mail was skipped, refused or
// is uncertain, each with why.
func (s *Store) undelivered(ctx context.Context, batchID string) ([]model.FailedInvoice, error) {
	rows, err := s.pool.Query(ctx, `select v.id, v.customer, v.publish_attempt, v.delivery_status,
		       case v.delivery_status when 'skipped' then 'customer ' || v.customer || ' has no e-mail address'
		            else coalesce((select d.detail from deliveries d where d.invoice_id = v.id order by d.seq desc limit 1), '') end
		from invoices v where v.batch_id = $1 and v.status = 'completed' and v.delivery_status in ('skipped', 'failed', 'uncertain')
		order by v.group_no`, batchID)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.FailedInvoice, error) {
		var f model.FailedInvoice
		var status string
		err := row.Scan(&f.InvoiceID, &f.Customer, &f.Attempt, &status, &f.Reason)
		f.Step, f.Reason = model.StepDeliver, status+": "+f.Reason
		return f, err
	})
	if out == nil {
		out = []model.FailedInvoice{}
	}
	return out, err
}
