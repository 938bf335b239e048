package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// Planning runs in chunks that each commit: while a batch is 'planning', the sources after
// its cursor are selected, screened and claimed and their lines recorded as 'selected'
// (with what planning read of them); while it is 'grouping', the selected lines become
// drafts, a few group keys at a time. A retried plan goes on from what was committed.

// PlanOptions are the batch's planning switches.
func (t *Tx) PlanOptions(b model.Batch) (rules.PlanOptions, error) {
	o := rules.PlanOptions{Grouping: b.Grouping, AllowZeroPrice: b.Params.AllowZeroPrice,
		Pricing: rules.PricingPolicy{Discount9999Is100: b.Params.Discount9999Is100}, VATOnExcise: map[string]bool{}}
	rows, err := t.tx.Query(t.ctx, `select code, vat_on_excise from issuers`)
	if err != nil {
		return o, err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var on bool
		if err := rows.Scan(&code, &on); err != nil {
			return o, err
		}
		o.VATOnExcise[code] = on
	}
	if err := rows.Err(); err != nil {
		return o, err
	}
	routes, err := t.creditSeries()
	o.CreditSeries = map[string]string{}
	for code, r := range routes {
		o.CreditSeries[code] = r.Series
	}
	return o, err
}

// creditSeries reads each series' credit note series, and whether that one numbers CFE.
func (t *Tx) creditSeries() (map[string]rules.ReturnRoute, error) {
	rows, err := t.tx.Query(t.ctx, `select s.code, coalesce(c.code, ''), c.cfe_type is not null
		from series s left join series c on c.code = s.credit_note_series`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]rules.ReturnRoute{}
	for rows.Next() {
		var code string
		var r rules.ReturnRoute
		if err := rows.Scan(&code, &r.Series, &r.CFE); err != nil {
			return nil, err
		}
		out[code] = r
	}
	return out, rows.Err()
}

// ReturnRoutes are where each series' returns are credited (seed 001's return orders).
func (t *Tx) ReturnRoutes() (map[string]rules.ReturnRoute, error) { return t.creditSeries() }

// SetPlanState records where planning stands: its status and its cursor.
func (t *Tx) SetPlanState(batchID, status string, cursor int64) error {
	return t.exec(`update batches set status = $2, plan_cursor = $3, error = '' where id = $1`, batchID, status, strconv.FormatInt(cursor, 10))
}

// RecordSelected claims the billed lines' sources for the batch and records them as
// selected, each with its group key (groupKeys[i] of billed[i]), and the skipped lines in
// the not-invoiced report.
func (t *Tx) RecordSelected(batchID string, billed []rules.SourceLine, groupKeys []string, skipped []rules.SkippedLine) error {
	for _, s := range skipped {
		if err := t.exec(`insert into batch_lines (batch_id, source_kind, source_id, source_ref, customer, item, quantity, outcome, skip_reason)
			values ($1, $2, $3, $4, $5, $6, $7, 'skipped', $8) on conflict do nothing`,
			batchID, s.SourceKind, s.SourceID, s.Ref, s.Customer, s.Item, s.Quantity, s.Reason); err != nil {
			return err
		}
	}
	claimed := map[string]bool{}
	for i, l := range billed {
		// A plan event gives several lines: claim its source once.
		if k := fmt.Sprint(l.SourceKind, l.SourceID); !claimed[k] {
			claimed[k] = true
			if err := t.Claim(l); err != nil {
				return err
			}
		}
		raw, err := json.Marshal(l)
		if err != nil {
			return err
		}
		if err := t.exec(`insert into batch_lines (batch_id, source_kind, source_id, source_ref, customer, item, quantity, outcome, line, group_key)
			values ($1, $2, $3, $4, $5, $6, $7, 'selected', $8, $9) on conflict do nothing`,
			batchID, l.SourceKind, l.SourceID, l.Ref, l.Customer, l.Item, l.Quantity, raw, groupKeys[i]); err != nil {
			return err
		}
	}
	return nil
}

// LineKey is a selected line's id and group key.
type LineKey struct {
	ID       int64
	GroupKey string
}

// SelectedKeys are a batch's lines still to group, in group key order.
func (s *Store) SelectedKeys(ctx context.Context, batchID string) ([]LineKey, error) {
	rows, err := s.pool.Query(ctx, `select id, group_key from batch_lines where batch_id = $1 and outcome = 'selected'`, batchID)
	if err != nil {
		return nil, err
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LineKey, error) {
		var k LineKey
		return k, r.Scan(&k.ID, &k.GroupKey)
	})
	// Sorted here, byte by byte, as rules.GroupInvoices sorts: no database collation involved.
	slices.SortFunc(keys, func(a, b LineKey) int {
		if c := strings.Compare(a.GroupKey, b.GroupKey); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return keys, err
}

// SelectedLines reads the selected lines of ids that are still to group, locked.
func (t *Tx) SelectedLines(batchID string, ids []int64) ([]rules.SourceLine, error) {
	rows, err := t.tx.Query(t.ctx, `select line from batch_lines where batch_id = $1 and id = any($2) and outcome = 'selected'
		order by id for update`, batchID, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.SourceLine, error) {
		var raw []byte
		var l rules.SourceLine
		if err := r.Scan(&raw); err != nil {
			return l, err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // references keep their integers exact
		return l, dec.Decode(&l)
	})
}

// localCurrencies are the issuers' own currencies, by issuer.
func (t *Tx) localCurrencies() (map[string]string, error) {
	rows, err := t.tx.Query(t.ctx, `select code, currency from issuers`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, cur string
		if err := rows.Scan(&code, &cur); err != nil {
			return nil, err
		}
		out[code] = cur
	}
	return out, rows.Err()
}

// NextGroupNo is the group number after the batch's last invoice.
func (t *Tx) NextGroupNo(batchID string) (int, error) {
	var n int
	err := t.tx.QueryRow(t.ctx, `select coalesce(max(group_no), 0) + 1 from invoices where batch_id = $1`, batchID).Scan(&n)
	return n, err
}

// WriteInvoices writes planned invoices as drafts with their lines, and marks their batch
// lines invoiced. An invoice in a foreign currency takes the batch's rate for it; one the
// batch has no rate for (its source changed currency since the batch was made) stops
// planning with the reason.
func (t *Tx) WriteInvoices(b model.Batch, invoices []rules.PlannedInvoice) error {
	local, err := t.localCurrencies()
	if err != nil {
		return err
	}
	for _, inv := range invoices {
		h := inv.Head
		rate := decimal.NewFromInt(1)
		if h.Currency != local[h.Issuer] {
			r, ok := b.Rates.Rates[h.Currency]
			if !ok {
				return &model.BusinessError{Step: "planning", Reason: fmt.Sprintf(
					"batch %s has no exchange rate for %s (%s): it was made for %s; make a new batch for these sources",
					b.ID, h.Currency, strings.Join(inv.Sources, ", "), b.Rates.Source)}
			}
			rate = r
		}
		var invoiceID int64
		err := t.tx.QueryRow(t.ctx, `
			insert into invoices (batch_id, group_no, issuer, series, document_kind, customer, currency, rate, payment_terms, invoice_date, status, credit_kind)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', case when $5 = 'credit_note' then 'return' end) returning id`,
			b.ID, inv.GroupNo, h.Issuer, h.Series, h.DocumentKind, h.Payer, h.Currency, rate, h.PaymentTerms, b.InvoiceDate).Scan(&invoiceID)
		if err != nil {
			return err
		}
		for li, l := range inv.Lines {
			var lineID int64
			err := t.tx.QueryRow(t.ctx, `
				insert into invoice_lines (invoice_id, line_no, source_kind, source_id, source_ref, partner, item, description,
				    warehouse, delivered, quantity, unit_price, discount_pct, refs)
				values ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, ''), $10, $11, $12, $13, $14) returning id`,
				invoiceID, li+1, l.SourceKind, l.SourceID, l.Ref, l.Partner, l.Item, l.Description,
				l.Warehouse, l.Delivered, l.Quantity, l.UnitPrice, l.DiscountPct, refsJSON(l.Refs)).Scan(&lineID)
			if err != nil {
				return err
			}
			if l.Priced {
				if err := t.SaveLineAmounts(lineID, l.Amounts); err != nil {
					return err
				}
			}
			if err := t.exec(`update batch_lines set outcome = 'invoiced', invoice_id = $5, line = null
				where batch_id = $1 and source_kind = $2 and source_id = $3 and source_ref = $4`,
				b.ID, l.SourceKind, l.SourceID, l.Ref, invoiceID); err != nil {
				return err
			}
		}
		if inv.Problem == "" {
			if err := t.SaveTotals(invoiceID, inv.Totals); err != nil {
				return err
			}
		}
	}
	return nil
}

// PlanCounts answers a batch's plan counts from the database.
func (t *Tx) PlanCounts(batchID string) (model.PlanResult, error) {
	var res model.PlanResult
	err := t.tx.QueryRow(t.ctx, `
		select (select count(*) from invoices where batch_id = $1),
		       (select count(*) from batch_lines where batch_id = $1),
		       (select count(*) from batch_lines where batch_id = $1 and outcome = 'skipped')`, batchID).
		Scan(&res.Invoices, &res.LinesSelected, &res.LinesSkipped)
	return res, err
}

// Outcome is how a plan is shown: its drafts and its not-invoiced lines.
func Outcome(selected int, plan rules.PlannedBatch) model.PlanOutcome {
	out := model.PlanOutcome{LinesSelected: selected, LinesSkipped: len(plan.Skipped), Invoices: []model.DraftInvoice{}, Skipped: []model.SkippedLine{}}
	for _, s := range plan.Skipped {
		out.Skipped = append(out.Skipped, model.SkippedLine{Source: s.Ref, Customer: s.Customer, Item: s.Item, Quantity: s.Quantity, Reason: s.Reason})
	}
	for _, inv := range plan.Invoices {
		out.Invoices = append(out.Invoices, model.DraftInvoice{GroupNo: inv.GroupNo, Customer: inv.Head.Payer, Series: inv.Head.Series,
			Currency: inv.Head.Currency, Lines: len(inv.Lines), Sources: inv.Sources, Subtotal: inv.Totals.Subtotal,
			VAT: inv.Totals.VAT, Total: inv.Totals.Total, Problem: inv.Problem, Decimals: inv.Lines[0].Decimals})
	}
	return out
}

func refsJSON(r map[string]any) []byte {
	if len(r) == 0 {
		return []byte("{}")
	}
	b, _ := json.Marshal(r)
	return b
}
