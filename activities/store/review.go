package store

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/activities/model"
	"billrun/activities/rules"
)

// DraftReview lists a batch's draft invoices as an approver needs them: customer, series,
// amounts, sources, and what would make each fail or come out unsealed if the batch ran
// now — stock short (in the order the batch runs them), an item without a VAT rate, a
// customer without the fiscal data a CFDI needs, credit terms for the generic customer.
func (s *Store) DraftReview(ctx context.Context, batchID string) ([]model.DraftInvoice, error) {
	rows, err := s.pool.Query(ctx, `
		select v.id, v.group_no, v.customer, v.series, v.currency, v.subtotal, v.vat, v.total, (select decimals from currencies where code = v.currency),
		       (select count(*) from invoice_lines l where l.invoice_id = v.id),
		       coalesce((select array_agg(distinct l.source_ref order by l.source_ref) from invoice_lines l where l.invoice_id = v.id), '{}'),
		       coalesce((select string_agg(distinct l.item, ', ') from invoice_lines l join items i on i.code = l.item
		                 where l.invoice_id = v.id and i.vat_rate is null), ''),
		       c.tax_id_kind, c.is_generic, c.fiscal_regime, c.postal_code, c.tax_id, c.cfdi_use, t.kind
		from invoices v join customers c on c.code = v.customer join payment_terms t on t.code = v.payment_terms
		where v.batch_id = $1 and v.status = 'draft' order by v.group_no`, batchID)
	if err != nil {
		return nil, err
	}
	type draft struct {
		model.DraftInvoice
		noVAT                                 string
		kind                                  string
		generic                               bool
		regime, postal, taxID, use, termsKind string
	}
	drafts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (draft, error) {
		var d draft
		return d, r.Scan(&d.InvoiceID, &d.GroupNo, &d.Customer, &d.Series, &d.Currency, &d.Subtotal, &d.VAT, &d.Total, &d.Decimals, &d.Lines, &d.Sources,
			&d.noVAT, &d.kind, &d.generic, &d.regime, &d.postal, &d.taxID, &d.use, &d.termsKind)
	})
	if err != nil {
		return nil, err
	}
	rows, err = s.pool.Query(ctx, `
		select v.id, l.warehouse, l.item, l.quantity,
		       s.allow_negative_stock or coalesce((b.params->>'allow_negative_stock')::boolean, false)
		from invoice_lines l join invoices v on v.id = l.invoice_id join items i on i.code = l.item
		join series s on s.code = v.series join batches b on b.id = v.batch_id
		where v.batch_id = $1 and v.status = 'draft' and i.stocked and not l.delivered and l.warehouse is not null and s.discharge_stock
		order by v.group_no, l.line_no`, batchID)
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
		(select l.warehouse, l.item from invoice_lines l join invoices v on v.id = l.invoice_id where v.batch_id = $1 and v.status = 'draft')`, batchID)
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
	short := rules.StockShortfalls(onHand, lines)
	out := make([]model.DraftInvoice, 0, len(drafts))
	for _, d := range drafts {
		var problems []string
		if p := short[d.InvoiceID]; p != "" {
			problems = append(problems, "fails at stock discharge: "+p)
		}
		if d.noVAT != "" {
			problems = append(problems, "fails at pricing: no VAT rate for item "+d.noVAT)
		}
		if d.generic && d.termsKind == rules.TermsCredit {
			problems = append(problems, "fails at receivable: "+rules.ErrCreditForGeneric.Error())
		}
		if d.kind == "tax_registration" && !d.generic {
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
		d.Problem = strings.Join(problems, "; ")
		out = append(out, d.DraftInvoice)
	}
	return out, nil
}
