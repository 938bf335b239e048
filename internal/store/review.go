package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// ReviewFacts are what a review of draft (or failed) invoices decides on: each invoice with
// its customer's fiscal data, their stocked lines in run order with the stock (on hand and
// committed), and
// the CAEs of the series that number CFE.
type ReviewFacts struct {
	Drafts   []ReviewedDraft
	Stock    []rules.DraftStockLine
	Balances map[[2]string]rules.StockBalance // (warehouse, item) → on hand and committed
	CAEs     map[string][]rules.CAE           // series → its CAEs (nil: a CFE series with none)
}

// ReviewedDraft is a reviewed invoice with what its problems are read from.
type ReviewedDraft struct {
	model.DraftInvoice
	NoVAT                                 string // items without a VAT rate
	TaxIDKind                             string
	Generic                               bool
	Regime, Postal, TaxID, Use, TermsKind string
	Country, Address, City                string
	ByCAE                                 bool
	Date                                  time.Time
	// Ticket is what the e-Ticket threshold reads of it, with the UI value and threshold
	// setting of its date (nil: none).
	Ticket    rules.Ticket
	UI        *rules.UIValue
	Threshold *rules.TicketThreshold
}

// ReviewFacts reads a batch's drafts (ids nil) or the invoices named, for their review.
func (s *Store) ReviewFacts(ctx context.Context, batchID string, ids []int64) (ReviewFacts, error) {
	var f ReviewFacts
	rows, err := s.pool.Query(ctx, `
		select v.id, v.group_no, v.customer, v.series, v.currency, v.subtotal, v.vat, v.total, (select decimals from currencies where code = v.currency),
		       (select count(*) from invoice_lines l where l.invoice_id = v.id),
		       coalesce((select array_agg(distinct l.source_ref order by l.source_ref) from invoice_lines l where l.invoice_id = v.id), '{}'),
		       coalesce((select string_agg(distinct l.item, ', ') from invoice_lines l join items i on i.code = l.item
		                 where l.invoice_id = v.id and i.vat_rate is null and not i.vat_exempt), ''),
		       c.tax_id_kind, c.is_generic, c.fiscal_regime, c.postal_code, c.tax_id, c.cfdi_use, t.kind,
		       i.country, c.address, c.city, s.cfe_type is not null, v.invoice_date,
		       coalesce(s.cfe_type, 0), (c.is_generic or c.tax_id_kind = 'generic'), v.rate,`+uiLimitColumns+`
		from invoices v join customers c on c.code = v.customer join payment_terms t on t.code = v.payment_terms
		join issuers i on i.code = v.issuer join series s on s.code = v.series
		where v.batch_id = $1 and `+reviewed+` order by v.group_no`, batchID, ids)
	if err != nil {
		return f, err
	}
	f.Drafts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReviewedDraft, error) {
		var d ReviewedDraft
		var u uiLimit
		err := r.Scan(append([]any{&d.InvoiceID, &d.GroupNo, &d.Customer, &d.Series, &d.Currency, &d.Subtotal, &d.VAT, &d.Total, &d.Decimals, &d.Lines, &d.Sources,
			&d.NoVAT, &d.TaxIDKind, &d.Generic, &d.Regime, &d.Postal, &d.TaxID, &d.Use, &d.TermsKind,
			&d.Country, &d.Address, &d.City, &d.ByCAE, &d.Date, &d.Ticket.CFEType, &d.Ticket.Anonymous, &d.Ticket.Rate}, u.dest()...)...)
		d.Ticket.Customer, d.Ticket.Currency, d.Ticket.Total, d.Ticket.VAT, d.Ticket.Date = d.Customer, d.Currency, d.Total, d.VAT, d.Date
		d.UI, d.Threshold = u.values()
		return d, err
	})
	if err != nil {
		return f, err
	}
	if f.Stock, f.Balances, err = s.reviewStock(ctx, batchID, ids); err != nil {
		return f, err
	}
	var series []string // of the drafts that number CFE
	for _, d := range f.Drafts {
		if d.ByCAE {
			series = append(series, d.Series)
		}
	}
	f.CAEs, err = s.reviewCAEs(ctx, series)
	return f, err
}

// reviewStock reads the reviewed invoices' stocked lines, in the order the batch runs
// them, each with what its discharge takes (a partly delivered line: the rest, as
// LockForDischarge reads it) and whether its order committed stock; and the stock as it stands.
func (s *Store) reviewStock(ctx context.Context, batchID string, ids []int64) ([]rules.DraftStockLine, map[[2]string]rules.StockBalance, error) {
	rows, err := s.pool.Query(ctx, `
		select v.id, l.warehouse, l.item, q.quantity,
		       s.allow_negative_stock or coalesce((b.params->>'allow_negative_stock')::boolean, false), coalesce(ol.stock_committed, false)
		from invoice_lines l join invoices v on v.id = l.invoice_id join items i on i.code = l.item
		join series s on s.code = v.series join batches b on b.id = v.batch_id
		left join sales_order_lines ol on l.source_kind = 'order_line' and ol.id = l.source_id
		cross join lateral (select greatest(0, l.quantity - greatest(0, coalesce(ol.qty_delivered - ol.qty_invoiced, 0))) as quantity) q
		where v.batch_id = $1 and `+reviewed+` and i.stocked and not l.delivered and l.warehouse is not null and s.discharge_stock
		  and q.quantity > 0 and v.document_kind <> 'credit_note' -- a credit note of returns brings stock in
		order by v.group_no, l.warehouse, l.item, l.id`, batchID, ids)
	if err != nil {
		return nil, nil, err
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.DraftStockLine, error) {
		var l rules.DraftStockLine
		return l, r.Scan(&l.Invoice, &l.Warehouse, &l.Item, &l.Quantity, &l.AllowNegative, &l.Committed)
	})
	if err != nil {
		return nil, nil, err
	}
	rows, err = s.pool.Query(ctx, `select warehouse, item, on_hand, committed from stock where (warehouse, item) in
		(select l.warehouse, l.item from invoice_lines l join invoices v on v.id = l.invoice_id where v.batch_id = $1 and `+reviewed+`)`, batchID, ids)
	if err != nil {
		return nil, nil, err
	}
	stock := map[[2]string]rules.StockBalance{}
	for rows.Next() {
		var w, i string
		var b rules.StockBalance
		if err := rows.Scan(&w, &i, &b.OnHand, &b.Committed); err != nil {
			rows.Close()
			return nil, nil, err
		}
		stock[[2]string{w, i}] = b
	}
	rows.Close()
	return lines, stock, rows.Err()
}

// reviewed selects the invoices a review covers: the drafts ($2 null) or those named in $2.
const reviewed = `(v.status = 'draft' and $2::bigint[] is null or v.id = any($2::bigint[]))`

// reviewCAEs reads the CAEs of the series that number CFE, in range order.
func (s *Store) reviewCAEs(ctx context.Context, series []string) (map[string][]rules.CAE, error) {
	rows, err := s.pool.Query(ctx, `select a.series, a.id, a.cae, a.cfe_series, a.first_number, a.last_number, a.next_number, a.expires
		from caes a where a.series = any($1) order by a.series, a.first_number`, series)
	if err != nil {
		return nil, err
	}
	caes := map[string][]rules.CAE{}
	for rows.Next() {
		var series string
		var c rules.CAE
		if err := rows.Scan(&series, &c.ID, &c.Number, &c.CFESeries, &c.First, &c.Last, &c.Next, &c.Expires); err != nil {
			rows.Close()
			return nil, err
		}
		caes[series] = append(caes[series], c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, x := range series {
		if _, ok := caes[x]; !ok {
			caes[x] = nil // a CFE series with no CAE at all: every draft fails
		}
	}
	return caes, nil
}
