package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
)

// where builds a query's conditions from the filters given, numbering their parameters.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(w.args))))
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " where " + strings.Join(w.conds, " and ")
}

// ListBatches lists batches, newest first, by the filters set.
func (s *Store) ListBatches(ctx context.Context, f model.BatchFilter) ([]model.BatchRow, error) {
	var w where
	if f.Status != "" {
		w.add("b.status = ?", f.Status)
	}
	if f.From != "" {
		w.add("b.invoice_date >= ?::date", f.From)
	}
	if f.To != "" {
		w.add("b.invoice_date <= ?::date", f.To)
	}
	w.args = append(w.args, limit(f.Limit))
	rows, err := s.pool.Query(ctx, `
		select b.id, b.source_kind, coalesce(b.series, ''), b.invoice_date, b.status, b.draft, b.created_at,
		       count(v.id), count(v.id) filter (where v.status = 'completed'), count(v.id) filter (where v.status = 'failed')
		from batches b left join invoices v on v.batch_id = b.id`+w.sql()+`
		group by b.id order by b.created_at desc, b.id limit $`+fmt.Sprint(len(w.args)), w.args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.BatchRow, error) {
		var b model.BatchRow
		var date time.Time
		err := r.Scan(&b.ID, &b.Source, &b.Series, &date, &b.Status, &b.Draft, &b.CreatedAt, &b.Invoices, &b.Completed, &b.Failed)
		b.InvoiceDate, b.BatchID = date.Format(time.DateOnly), b.ID
		return b, err
	})
	if out == nil {
		out = []model.BatchRow{}
	}
	return out, err
}

// ListInvoices lists invoices (credit notes too), newest first, by the filters set.
func (s *Store) ListInvoices(ctx context.Context, f model.InvoiceFilter) ([]model.InvoiceRow, error) {
	var w where
	if f.Status != "" {
		w.add("v.status = ?", f.Status)
	}
	if f.Batch != "" {
		w.add("v.batch_id = ?", f.Batch)
	}
	if f.Customer != "" {
		w.add("v.customer = ?", f.Customer)
	}
	if f.Series != "" {
		w.add("v.series = ?", f.Series)
	}
	if f.Kind != "" {
		w.add("v.document_kind = ?", f.Kind)
	}
	if f.From != "" {
		w.add("v.invoice_date >= ?::date", f.From)
	}
	if f.To != "" {
		w.add("v.invoice_date <= ?::date", f.To)
	}
	w.args = append(w.args, limit(f.Limit))
	rows, err := s.pool.Query(ctx, `
		select v.id, coalesce(v.series || '-' || v.number, ''), v.document_kind, coalesce(v.batch_id, ''), v.customer, v.invoice_date,
		       v.currency, v.total, cur.decimals, v.status, v.fiscal_status, v.delivery_status, coalesce(d.uuid, ''),
		       v.series, v.number, ca.cfe_series, se.cfe_type
		from invoices v join currencies cur on cur.code = v.currency join series se on se.code = v.series
		left join fiscal_documents d on d.invoice_id = v.id left join caes ca on ca.id = v.cae`+w.sql()+`
		order by v.id desc limit $`+fmt.Sprint(len(w.args)), w.args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.InvoiceRow, error) {
		var x model.InvoiceRow
		var date time.Time
		var total decimal.Decimal
		var decimals int32
		var series string
		var number *int64
		var cfeSeries *string
		var cfeType *int
		err := r.Scan(&x.ID, &x.Number, &x.Kind, &x.Batch, &x.Customer, &date, &x.Currency, &total, &decimals, &x.Status, &x.FiscalStatus, &x.Delivery, &x.UUID,
			&series, &number, &cfeSeries, &cfeType)
		x.Date, x.Total = date.Format(time.DateOnly), total.StringFixed(decimals)
		x.FiscalNumber, x.InvoiceID = fiscalNumber(series, number, cfeSeries, cfeType), x.ID
		return x, err
	})
	if out == nil {
		out = []model.InvoiceRow{}
	}
	return out, err
}

func limit(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}
