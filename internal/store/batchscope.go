package store

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
)

// ScopeRow is one kind of document a batch will bill: its source's series, the payer's tax
// id kind, and the currency.
type ScopeRow struct {
	Series, TaxIDKind, Currency string
	Class                       string // the series its order class numbers in (seed 001; "": none)
}

// BatchScope reads, before a batch exists, which series, payers' tax id kinds and currencies
// its sources have, with the filters its selection will use.
func (t *Tx) BatchScope(p *model.BatchParams) ([]ScopeRow, error) {
	var sql string
	var args []any
	switch p.SourceKind {
	case model.SourceInstallments:
		sql = `select distinct ct.series, c.tax_id_kind, ct.currency, ''
			from installments n join contract_lines cl on cl.id = n.contract_line_id join contracts ct on ct.id = cl.contract_id
			join customers c on c.code = ct.payer
			where ` + installmentSelection
		args = []any{installmentArgs(p)}
	case model.SourcePlans:
		sql = `select distinct coalesce(pl.series, @series), c.tax_id_kind, coalesce(ct.currency, so.currency, pl.currency), ''
			from billing_events e join billing_plans pl on pl.id = e.plan_id and pl.state = 'active'
			left join contracts ct on ct.id = pl.contract_id left join sales_orders so on so.id = pl.source_order
			join customers c on c.code in (select be.customer from billing_entities be where be.plan_id = pl.id)
			  or (c.code = pl.customer and not exists (select 1 from billing_entities be where be.plan_id = pl.id))
			where ` + planSelection
		args = []any{planArgs(p)}
	default:
		sql = `select distinct o.series, c.tax_id_kind, o.currency, coalesce(oc.series, '')
			from sales_orders o join customers c on c.code = o.customer left join order_classes oc on oc.code = o.class
			where ` + orderSelection
		args = []any{orderArgs(p)}
	}
	rows, err := t.tx.Query(t.ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ScopeRow, error) {
		var s ScopeRow
		return s, r.Scan(&s.Series, &s.TaxIDKind, &s.Currency, &s.Class)
	})
}

// SeriesInfo is what batch creation checks of a numbering series.
type SeriesInfo struct {
	Closing, Last *time.Time
	LocalCurrency string // its issuer's currency
	Issuer        string
}

// AllSeries reads every numbering series' dates and its issuer's currency.
func (t *Tx) AllSeries() (map[string]SeriesInfo, error) {
	rows, err := t.tx.Query(t.ctx, `select s.code, s.closing_date, s.last_date, i.currency, s.issuer from series s join issuers i on i.code = s.issuer`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]SeriesInfo{}
	for rows.Next() {
		var code string
		var s SeriesInfo
		if err := rows.Scan(&code, &s.Closing, &s.Last, &s.LocalCurrency, &s.Issuer); err != nil {
			return nil, err
		}
		out[code] = s
	}
	return out, rows.Err()
}

// LatestRate is the exchange rate of currency c imported for the latest date on or before
// date (found false: none).
func (t *Tx) LatestRate(c string, date time.Time) (rate decimal.Decimal, on time.Time, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select rate, date from exchange_rates where currency = $1 and date <= $2 order by date desc limit 1`, c, date).Scan(&rate, &on)
	if errors.Is(err, pgx.ErrNoRows) {
		return rate, on, false, nil
	}
	return rate, on, err == nil, err
}

// PlansWithoutSeries names the active plans without a series of their own with events the
// batch's period and filters would bill: billed in the batch's series, they need one.
func (t *Tx) PlansWithoutSeries(p *model.BatchParams) ([]string, error) {
	args := planArgs(p)
	args["series"] = "(none)" // a series no plan has: the plans without one pass the filter
	rows, err := t.tx.Query(t.ctx, `select distinct pl.code from billing_events e join billing_plans pl on pl.id = e.plan_id and pl.state = 'active'
		where pl.series is null and `+planSelection+` order by 1`, args)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
