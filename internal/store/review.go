package store

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// DraftReview lists a batch's draft invoices as an approver needs them: customer, series,
// amounts, sources, and what would make each fail or come out unsealed if the batch ran
// now — stock short (in the order the batch runs them), an item without a VAT rate, a
// customer without the fiscal data a CFDI (or an e-Factura) needs, credit terms for the
// generic customer, no CAE number left for a Uruguayan draft (projected in run order).
func (s *Store) DraftReview(ctx context.Context, batchID string) ([]model.DraftInvoice, error) {
	return s.review(ctx, batchID, nil)
}

// RetryReview is the draft review of failed invoices of the batch about to be retried:
// what would make each fail again if it ran now (the recorded cause still there).
func (s *Store) RetryReview(ctx context.Context, batchID string, invoiceIDs []int64) ([]model.DraftInvoice, error) {
	if invoiceIDs == nil {
		invoiceIDs = []int64{}
	}
	return s.review(ctx, batchID, invoiceIDs)
}

// review reviews the batch's drafts (ids nil) or the invoices named.
func (s *Store) review(ctx context.Context, batchID string, ids []int64) ([]model.DraftInvoice, error) {
	rows, err := s.pool.Query(ctx, `
		select v.id, v.group_no, v.customer, v.series, v.currency, v.subtotal, v.vat, v.total, (select decimals from currencies where code = v.currency),
		       (select count(*) from invoice_lines l where l.invoice_id = v.id),
		       coalesce((select array_agg(distinct l.source_ref order by l.source_ref) from invoice_lines l where l.invoice_id = v.id), '{}'),
		       coalesce((select string_agg(distinct l.item, ', ') from invoice_lines l join items i on i.code = l.item
		                 where l.invoice_id = v.id and i.vat_rate is null), ''),
		       c.tax_id_kind, c.is_generic, c.fiscal_regime, c.postal_code, c.tax_id, c.cfdi_use, t.kind,
		       i.country, c.address, c.city, s.cfe_type is not null, v.invoice_date
		from invoices v join customers c on c.code = v.customer join payment_terms t on t.code = v.payment_terms
		join issuers i on i.code = v.issuer join series s on s.code = v.series
		where v.batch_id = $1 and `+reviewed+` order by v.group_no`, batchID, ids)
	if err != nil {
		return nil, err
	}
	drafts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (reviewedDraft, error) {
		var d reviewedDraft
		return d, r.Scan(&d.InvoiceID, &d.GroupNo, &d.Customer, &d.Series, &d.Currency, &d.Subtotal, &d.VAT, &d.Total, &d.Decimals, &d.Lines, &d.Sources,
			&d.noVAT, &d.kind, &d.generic, &d.regime, &d.postal, &d.taxID, &d.use, &d.termsKind,
			&d.country, &d.address, &d.city, &d.byCAE, &d.date)
	})
	if err != nil {
		return nil, err
	}
	short, err := s.stockShortfalls(ctx, batchID, ids)
	if err != nil {
		return nil, err
	}
	var numbered []rules.DraftNumbering // drafts of series that number CFE, in run order
	for _, d := range drafts {
		if d.byCAE {
			numbered = append(numbered, rules.DraftNumbering{Invoice: d.InvoiceID, Series: d.Series, Date: d.date})
		}
	}
	caeShort, err := s.caeShortfalls(ctx, numbered)
	if err != nil {
		return nil, err
	}
	out := make([]model.DraftInvoice, 0, len(drafts))
	for _, d := range drafts {
		d.Problem = d.problems(short[d.InvoiceID], caeShort[d.InvoiceID])
		out = append(out, d.DraftInvoice)
	}
	return out, nil
}

// stockShortfalls projects the reviewed invoices' stocked lines, in the order the batch
// runs them, onto the stock as it stands.
func (s *Store) stockShortfalls(ctx context.Context, batchID string, ids []int64) (map[int64]string, error) {
	rows, err := s.pool.Query(ctx, `
		select v.id, l.warehouse, l.item, l.quantity,
		       s.allow_negative_stock or coalesce((b.params->>'allow_negative_stock')::boolean, false)
		from invoice_lines l join invoices v on v.id = l.invoice_id join items i on i.code = l.item
		join series s on s.code = v.series join batches b on b.id = v.batch_id
		where v.batch_id = $1 and `+reviewed+` and i.stocked and not l.delivered and l.warehouse is not null and s.discharge_stock
		order by v.group_no, l.line_no`, batchID, ids)
	if err != nil {
		return nil, err
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.DraftStockLine, error) {
		var l rules.DraftStockLine
		return l, r.Scan(&l.Invoice, &l.Warehouse, &l.Item, &l.Quantity, &l.AllowNegative)
	})
	if err != nil {
		return nil, err
	}
	rows, err = s.pool.Query(ctx, `select warehouse, item, on_hand from stock where (warehouse, item) in
		(select l.warehouse, l.item from invoice_lines l join invoices v on v.id = l.invoice_id where v.batch_id = $1 and `+reviewed+`)`, batchID, ids)
	if err != nil {
		return nil, err
	}
	onHand := map[[2]string]decimal.Decimal{}
	for rows.Next() {
		var w, i string
		var q decimal.Decimal
		if err := rows.Scan(&w, &i, &q); err != nil {
			rows.Close()
			return nil, err
		}
		onHand[[2]string{w, i}] = q
	}
	rows.Close()
	return rules.StockShortfalls(onHand, lines), nil
}

// problems says what would make the draft fail or come out unsealed if it ran now, given
// its projected stock and CAE shortfalls.
func (d reviewedDraft) problems(stockShort, caeShort string) string {
	var problems []string
	if p := stockShort; p != "" {
		problems = append(problems, "fails at stock discharge: "+p)
	}
	if d.noVAT != "" {
		problems = append(problems, "fails at pricing: no VAT rate for item "+d.noVAT)
	}
	if d.generic && d.termsKind == rules.TermsCredit {
		problems = append(problems, "fails at receivable: "+rules.ErrCreditForGeneric.Error())
	}
	if p := caeShort; p != "" {
		problems = append(problems, "fails at numbering: "+p)
	}
	if d.country == "UY" && d.kind == "tax_registration" && (d.address == "" || d.city == "") {
		problems = append(problems, "completes unsealed: customer "+d.Customer+" has no address and city, which an e-Factura carries")
	}
	if d.country == "MX" && d.kind == "tax_registration" && !d.generic {
		var missing []string
		for _, f := range []struct{ name, v string }{{"fiscal regime", d.regime}, {"postal code", d.postal}, {"tax id", d.taxID}, {"CFDI use", d.use}} {
			if f.v == "" {
				missing = append(missing, f.name)
			}
		}
		if len(missing) > 0 {
			problems = append(problems, "completes unsealed: customer "+d.Customer+" has no "+strings.Join(missing, ", "))
		}
	}
	return strings.Join(problems, "; ")
}

// reviewedDraft is a reviewed invoice with what its problems are read from.
type reviewedDraft struct {
	model.DraftInvoice
	noVAT                                 string
	kind                                  string
	generic                               bool
	regime, postal, taxID, use, termsKind string
	country, address, city                string
	byCAE                                 bool
	date                                  time.Time
}

// reviewed selects the invoices a review covers: the drafts ($2 null) or those named in $2.
const reviewed = `(v.status = 'draft' and $2::bigint[] is null or v.id = any($2::bigint[]))`

// caeShortfalls projects the batch's drafts in series that number CFE onto those series'
// CAEs as they stand.
func (s *Store) caeShortfalls(ctx context.Context, drafts []rules.DraftNumbering) (map[int64]string, error) {
	series := make([]string, 0, len(drafts))
	for _, d := range drafts {
		series = append(series, d.Series)
	}
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
	for _, d := range drafts {
		if _, ok := caes[d.Series]; !ok {
			caes[d.Series] = nil // a CFE series with no CAE at all: every draft fails
		}
	}
	return rules.CAEShortfalls(caes, drafts), nil
}
