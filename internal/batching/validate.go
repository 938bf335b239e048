package batching

import (
	"fmt"
	"strings"
	"time"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// Validate checks params against the database and returns every problem found, each
// naming the flag it concerns, or the exchange rates the batch will bill at.
func Validate(t *store.Tx, p *model.BatchParams) (model.BatchRates, error) {
	var rates model.BatchRates
	probs, err := sourceProblems(t, p)
	if err != nil {
		return rates, err
	}
	if !rules.ValidGrouping(p.Grouping) {
		probs = append(probs, fmt.Sprintf("--grouping: %q is not one of none, by-entity, per-customer, per-line", p.Grouping))
	}
	date, err := time.Parse(time.DateOnly, p.InvoiceDate)
	if err != nil {
		probs = append(probs, fmt.Sprintf("--date: %q is not a date (YYYY-MM-DD)", p.InvoiceDate))
	}
	more, err := seriesProblems(t, p, date)
	if err != nil {
		return rates, err
	}
	probs = append(probs, more...)
	if more, err = numberingProblems(t, p); err != nil {
		return rates, err
	}
	probs = append(probs, more...)
	// Every series the batch will number in, after the document kind rule, and the rate of
	// every foreign currency it bills.
	if !date.IsZero() && len(probs) == 0 {
		if rates, more, err = checkScope(t, p, date); err != nil {
			return rates, err
		}
		probs = append(probs, more...)
	}
	for _, c := range p.Customers {
		ok, err := t.CustomerExists(c)
		if err != nil {
			return rates, err
		}
		if !ok {
			probs = append(probs, fmt.Sprintf("--customers: unknown customer %q", c))
		}
	}
	if len(probs) == 0 && p.SourceKind == model.SourceOrders {
		n, err := t.OrdersInRange(p.OrdersFrom, p.OrdersTo)
		if err != nil {
			return rates, err
		}
		if n == 0 {
			probs = append(probs, fmt.Sprintf("--orders: no sales order has a number in %d-%d", p.OrdersFrom, p.OrdersTo))
		}
	}
	if len(probs) == 0 {
		huge, err := t.HugeLines(p)
		if err != nil {
			return rates, err
		}
		probs = append(probs, huge...)
	}
	if len(probs) > 0 {
		return rates, &model.InputError{Problems: probs}
	}
	return rates, nil
}

// sourceProblems checks the selection of the batch's source kind.
func sourceProblems(t *store.Tx, p *model.BatchParams) ([]string, error) {
	var probs []string
	add := func(f string, a ...any) { probs = append(probs, fmt.Sprintf(f, a...)) }
	switch p.SourceKind {
	case model.SourceOrders:
		if p.OrdersFrom <= 0 || p.OrdersTo <= 0 {
			add("--orders: the range must be FROM-TO with positive order numbers, got %d-%d", p.OrdersFrom, p.OrdersTo)
		} else if p.OrdersFrom > p.OrdersTo {
			add("--orders: FROM %d is greater than TO %d", p.OrdersFrom, p.OrdersTo)
		}
	case model.SourceInstallments:
		if _, err := time.Parse(time.DateOnly, p.DueUntil); err != nil {
			add("--due-until: %q is not a date (YYYY-MM-DD)", p.DueUntil)
		}
		if p.Partner != "" {
			ok, err := t.CustomerExists(p.Partner)
			if err != nil {
				return nil, err
			}
			if !ok {
				add("--partner: unknown customer %q", p.Partner)
			}
		}
	case model.SourcePlans:
		from, err1 := time.Parse(time.DateOnly, p.PeriodFrom)
		to, err2 := time.Parse(time.DateOnly, p.PeriodTo)
		switch {
		case err1 != nil || err2 != nil:
			add("--period: %q..%q is not a period FROM..TO of dates (YYYY-MM-DD)", p.PeriodFrom, p.PeriodTo)
		case to.Before(from):
			add("--period: TO %s is before FROM %s", p.PeriodTo, p.PeriodFrom)
		}
	default:
		add("source: %q is not one of orders, installments, plans", p.SourceKind)
	}
	probs = append(probs, rules.InapplicableFilters(p.SourceKind, givenFilters(p))...) // never a choice silently ignored
	more, err := filterProblems(t, p)
	return append(probs, more...), err
}

// seriesProblems checks the series the batch names: orders need one; installments and plans
// are numbered in their contract's or plan's own series unless the batch names one, whose
// period must be open on the date.
func seriesProblems(t *store.Tx, p *model.BatchParams, date time.Time) ([]string, error) {
	if p.Series == "" {
		switch p.SourceKind {
		case model.SourceOrders:
			return []string{"--series: required"}, nil
		case model.SourcePlans: // seed 003: a plan without a series is billed in the batch's
			plans, err := t.PlansWithoutSeries(p)
			if err != nil || len(plans) == 0 {
				return nil, err
			}
			return []string{fmt.Sprintf("--series: plans %s name no series: give the series their events are billed in", strings.Join(plans, ", "))}, nil
		}
		return nil, nil
	}
	closing, last, found, err := t.SeriesDates(p.Series)
	switch {
	case err != nil:
		return nil, err
	case !found:
		return []string{fmt.Sprintf("--series: unknown series %q", p.Series)}, nil
	case !date.IsZero() && p.SourceKind != model.SourceOrders:
		if err := rules.CheckInvoiceDate(p.Series, date, closing, last); err != nil {
			return []string{"--date: " + strings.TrimPrefix(err.Error(), rules.ErrClosedPeriod.Error()+": ")}, nil
		}
	}
	return nil, nil
}
