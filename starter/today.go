package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/model"
)

// issuerToday is a command's default date: today where the issuers it concerns are (their
// country's time zone), never the host's. Issuers on two different days at this moment
// (Montevideo past midnight, Mexico City not yet) leave the choice to the operator.
func issuerToday(flag string, countries []string, now time.Time) (string, error) {
	if len(countries) == 0 {
		countries = []string{""}
	}
	days := map[string][]string{}
	var order []string
	for _, c := range countries {
		d := fiscal.Today(c, now)
		if _, ok := days[d]; !ok {
			order = append(order, d)
		}
		days[d] = append(days[d], fmt.Sprintf("%s (%s)", fiscal.Zone(c), c))
	}
	if len(order) == 1 {
		return order[0], nil
	}
	var say []string
	for _, d := range order {
		say = append(say, d+" in "+strings.Join(days[d], ", "))
	}
	return "", &model.InputError{Problems: []string{fmt.Sprintf("%s: today is %s: give the date", flag, strings.Join(say, " but "))}}
}

// todayHelp is what a date flag's help says of its default.
const todayHelp = " (default: today where the issuer is)"

// issuerZone is the time zone of the series' issuer, or of every issuer when no series is
// named and they share one; issuers in different zones leave the choice to the operator.
func issuerZone(ctx context.Context, a *app, series string) (string, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return "", err
	}
	countries, err := st.SeriesCountries(ctx, series)
	if err != nil {
		return "", err
	}
	zones := map[string]bool{}
	for _, c := range countries {
		zones[fiscal.Zone(c).String()] = true
	}
	switch len(zones) {
	case 0:
		return fiscal.Zone("").String(), nil
	case 1:
		for z := range zones {
			return z, nil
		}
	}
	return "", &model.InputError{Problems: []string{fmt.Sprintf("--time-zone: the issuers are in %d time zones (%s): name one, or the series (--series)", len(zones), strings.Join(slices.Sorted(maps.Keys(zones)), ", "))}}
}

// notAfterToday refuses a date still to come where an issuer is: its documents would be
// signed before their own date (sealing would refuse them after numbering).
func notAfterToday(flag, date string, countries []string, now time.Time) error {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return &model.InputError{Problems: []string{fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", flag, date)}}
	}
	if today := fiscal.EarliestToday(countries, now); date > today {
		return &model.InputError{Problems: []string{fmt.Sprintf("%s: %s is after today where the issuer is (%s): a document is never signed before its own date",
			flag, date, today)}}
	}
	return nil
}
