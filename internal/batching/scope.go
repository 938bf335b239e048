package batching

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// checkScope checks a batch against every series it will number in — after the document
// kind rule routes each source series and payer kind — and resolves the exchange rate of
// every foreign currency it bills. It answers the problems found.
func checkScope(t *store.Tx, p *model.BatchParams, date time.Time) (model.BatchRates, []string, error) {
	scope, err := t.BatchScope(p)
	if err != nil {
		return model.BatchRates{}, nil, err
	}
	routes, err := Routes(t, *p)
	if err != nil {
		return model.BatchRates{}, nil, err
	}
	series, err := t.AllSeries()
	if err != nil {
		return model.BatchRates{}, nil, err
	}
	probs, currencies := scopeProblems(scope, routes, series, date, p.NumberingSeries == "")
	rates, more, err := resolveRates(t, p.Rate, currencies, date)
	return rates, append(probs, more...), err
}

// scopeProblems checks the date against every numbering series the scope reaches (an
// order class's, byClass: when the batch names no numbering series) and answers the
// foreign currencies it bills, sorted.
func scopeProblems(scope []store.ScopeRow, routes rules.Routes, series map[string]store.SeriesInfo, date time.Time, byClass bool) ([]string, []string) {
	var probs []string
	checked, foreign := map[string]bool{}, map[string]bool{}
	for _, s := range scope {
		numbering := s.Series
		if r, ok := routes.NumberingSeries(s.Series, s.TaxIDKind); ok {
			numbering = r.Series
		}
		if byClass && s.Class != "" { // its order class's series (rules.NumberByClass)
			numbering = s.Class
		}
		info := series[numbering]
		if src := series[s.Series]; src.Issuer != "" && info.Issuer != src.Issuer && !checked[s.Series+">"+numbering] {
			checked[s.Series+">"+numbering] = true
			probs = append(probs, fmt.Sprintf("--numbering-series: documents of series %s (issuer %s) cannot be numbered in series %s of issuer %s",
				s.Series, src.Issuer, numbering, info.Issuer))
		}
		if !checked[numbering] {
			checked[numbering] = true
			if err := rules.CheckInvoiceDate(numbering, date, info.Closing, info.Last); err != nil {
				what := ""
				if numbering != s.Series {
					what = fmt.Sprintf(" (documents of series %s for %s payers are numbered in %s)", s.Series, s.TaxIDKind, numbering)
				}
				probs = append(probs, "--date: "+strings.TrimPrefix(err.Error(), rules.ErrClosedPeriod.Error()+": ")+what)
			}
		}
		if s.Currency != info.LocalCurrency {
			foreign[s.Currency] = true
		}
	}
	currencies := make([]string, 0, len(foreign))
	for c := range foreign {
		currencies = append(currencies, c)
	}
	sort.Strings(currencies)
	return probs, currencies
}

// resolveRates gives every foreign currency billed its rate: the one --rate names, or the
// latest imported on or before the date.
func resolveRates(t *store.Tx, rate decimal.Decimal, currencies []string, date time.Time) (model.BatchRates, []string, error) {
	rates := model.BatchRates{Rates: map[string]decimal.Decimal{}}
	var probs []string
	switch {
	case rate.IsNegative():
		probs = append(probs, fmt.Sprintf("--rate: the exchange rate must be greater than 0, got %s", rate))
	case rate.IsPositive() && len(currencies) > 1:
		probs = append(probs, fmt.Sprintf("--rate: the batch bills %s; one rate cannot price them all: import exchange_rates instead", strings.Join(currencies, " and ")))
	case rate.IsPositive() && len(currencies) == 1:
		rates.Rates[currencies[0]] = rate
		rates.Source = fmt.Sprintf("--rate %s for %s", rate, currencies[0])
	case rate.IsPositive():
		rates.Source = fmt.Sprintf("--rate %s given; the batch bills no foreign currency", rate)
	default:
		var said []string
		for _, c := range currencies {
			r, on, found, err := t.LatestRate(c, date)
			if err != nil {
				return rates, nil, err
			}
			if !found {
				probs = append(probs, fmt.Sprintf("--rate: the batch bills %s and no exchange rate for %s dated on or before %s is imported: give --rate, or import exchange_rates",
					c, c, date.Format(time.DateOnly)))
				continue
			}
			rates.Rates[c] = r
			said = append(said, fmt.Sprintf("%s %s of %s", c, r, on.Format(time.DateOnly)))
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
