package store

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// scopeRow is one kind of document a batch will bill: its source's series, the payer's tax
// id kind, and the currency.
type scopeRow struct{ Series, TaxIDKind, Currency string }

// batchScope reads, before a batch exists, which series, payers' tax id kinds and currencies
// its sources have, with the filters its selection will use.
func (t *Tx) batchScope(p *model.BatchParams) ([]scopeRow, error) {
	var sql string
	var args []any
	switch p.SourceKind {
	case model.SourceInstallments:
		sql = `select distinct ct.series, c.tax_id_kind, ct.currency
			from installments n join contract_lines cl on cl.id = n.contract_line_id join contracts ct on ct.id = cl.contract_id
			join customers c on c.code = ct.payer
			where n.state = 'complete' and n.due_date <= $1 and ($2 = '' or ct.partner = $2) and ($3::boolean is null or n.recurring = $3)
			  and ($4 = '' or ct.series = $4)`
		args = []any{p.DueUntil, p.Partner, p.Recurring, p.Series}
	case model.SourcePlans:
		sql = `select distinct pl.series, c.tax_id_kind, pl.currency
			from billing_events e join billing_plans pl on pl.id = e.plan_id
			join customers c on c.code in (select be.customer from billing_entities be where be.plan_id = pl.id)
			  or (c.code = pl.customer and not exists (select 1 from billing_entities be where be.plan_id = pl.id))
			where (e.state = 'planned' or e.state = 'executed' and exists (select 1 from billing_event_shares sh where sh.event_id = e.id and sh.state = 'released'))
			  and e.event_date between $1 and $2 and ($3 = '' or pl.series = $3)`
		args = []any{p.PeriodFrom, p.PeriodTo, p.Series}
	default:
		sql = `select distinct o.series, c.tax_id_kind, o.currency
			from sales_orders o join customers c on c.code = o.customer
			where o.status = 'approved' and o.number between $1 and $2 and o.series = $3 and ($4::text[] is null or o.customer = any($4))`
		args = []any{p.OrdersFrom, p.OrdersTo, p.Series, customersFilter(p.Customers)}
	}
	rows, err := t.tx.Query(t.ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (scopeRow, error) {
		var s scopeRow
		return s, r.Scan(&s.Series, &s.TaxIDKind, &s.Currency)
	})
}

// seriesInfo is what batch creation checks of a numbering series.
type seriesInfo struct {
	closing, last *time.Time
	localCurrency string // its issuer's currency
}

func (t *Tx) allSeries() (map[string]seriesInfo, error) {
	rows, err := t.tx.Query(t.ctx, `select s.code, s.closing_date, s.last_date, i.currency from series s join issuers i on i.code = s.issuer`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]seriesInfo{}
	for rows.Next() {
		var code string
		var s seriesInfo
		if err := rows.Scan(&code, &s.closing, &s.last, &s.localCurrency); err != nil {
			return nil, err
		}
		out[code] = s
	}
	return out, rows.Err()
}

// checkScope checks a batch against every series it will number in — after the document
// kind rule routes each source series and payer kind — and resolves the exchange rate of
// every foreign currency it bills. It answers the problems found.
func (t *Tx) checkScope(p *model.BatchParams, date time.Time) (model.BatchRates, []string, error) {
	rates := model.BatchRates{Rates: map[string]decimal.Decimal{}}
	scope, err := t.batchScope(p)
	if err != nil {
		return rates, nil, err
	}
	routes, err := t.DocumentRoutes()
	if err != nil {
		return rates, nil, err
	}
	series, err := t.allSeries()
	if err != nil {
		return rates, nil, err
	}
	var probs []string
	checked, foreign := map[string]bool{}, map[string]bool{}
	for _, s := range scope {
		numbering := s.Series
		if r, ok := routes.NumberingSeries(s.Series, s.TaxIDKind); ok {
			numbering = r.Series
		}
		info := series[numbering]
		if !checked[numbering] {
			checked[numbering] = true
			if err := rules.CheckInvoiceDate(numbering, date, info.closing, info.last); err != nil {
				what := ""
				if numbering != s.Series {
					what = fmt.Sprintf(" (documents of series %s for %s payers are numbered in %s)", s.Series, s.TaxIDKind, numbering)
				}
				probs = append(probs, "--date: "+strings.TrimPrefix(err.Error(), rules.ErrClosedPeriod.Error()+": ")+what)
			}
		}
		if s.Currency != info.localCurrency {
			foreign[s.Currency] = true
		}
	}
	currencies := make([]string, 0, len(foreign))
	for c := range foreign {
		currencies = append(currencies, c)
	}
	sort.Strings(currencies)
	switch {
	case p.Rate.IsNegative():
		probs = append(probs, fmt.Sprintf("--rate: the exchange rate must be greater than 0, got %s", p.Rate))
	case p.Rate.IsPositive() && len(currencies) > 1:
		probs = append(probs, fmt.Sprintf("--rate: the batch bills %s; one rate cannot price them all: import exchange_rates instead", strings.Join(currencies, " and ")))
	case p.Rate.IsPositive() && len(currencies) == 1:
		rates.Rates[currencies[0]] = p.Rate
		rates.Source = fmt.Sprintf("--rate %s for %s", p.Rate, currencies[0])
	case p.Rate.IsPositive():
		rates.Source = fmt.Sprintf("--rate %s given; the batch bills no foreign currency", p.Rate)
	default:
		var said []string
		for _, c := range currencies {
			var rate decimal.Decimal
			var on time.Time
			err := t.tx.QueryRow(t.ctx, `select rate, date from exchange_rates where currency = $1 and date <= $2 order by date desc limit 1`, c, date).Scan(&rate, &on)
			if errors.Is(err, pgx.ErrNoRows) {
				probs = append(probs, fmt.Sprintf("--rate: the batch bills %s and no exchange rate for %s dated on or before %s is imported: give --rate, or import exchange_rates",
					c, c, date.Format(time.DateOnly)))
				continue
			}
			if err != nil {
				return rates, nil, err
			}
			rates.Rates[c] = rate
			said = append(said, fmt.Sprintf("%s %s of %s", c, rate, on.Format(time.DateOnly)))
		}
		if len(said) > 0 {
			rates.Source = "exchange_rates: " + strings.Join(said, ", ")
		}
	}
	if rates.Source == "" {
		rates.Source = "none needed: the batch bills only its issuers' currencies"
	}
	return rates, probs, nil
}
