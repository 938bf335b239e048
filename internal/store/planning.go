package store

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

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
