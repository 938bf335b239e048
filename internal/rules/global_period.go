package rules

import (
	"fmt"
	"strings"
	"time"
)

// GlobalPeriod is the span of sales a Mexican global invoice carries, and how SAT's
// InformacionGlobal names it: Periodicidad (c_Periodicidad: 01 daily, 02 weekly, 03
// fortnightly, 04 monthly, 05 bimonthly), Meses (01–12, or 13–18 for the bimesters
// January–February … November–December) and Año.
type GlobalPeriod struct {
	From, To     time.Time
	Periodicidad string
	Meses        string
	Año          int
}

// ParseGlobalPeriod reads a global invoice's period: a month (2026-11) for monthly or
// bimonthly invoices (a bimester starts on an odd month), a day (2026-11-05) for daily
// ones, and FROM..TO days within one month for weekly (at most 7 days) and fortnightly
// ones (the 1st–15th or the 16th–last). An empty periodicity is monthly for a month and
// daily for a day. Errors name the flag they come from.
func ParseGlobalPeriod(period, periodicity string) (GlobalPeriod, error) {
	var g GlobalPeriod
	month, monthErr := time.Parse("2006-01", period)
	day, dayErr := time.Parse(time.DateOnly, period)
	if periodicity == "" {
		switch {
		case monthErr == nil:
			periodicity = "04"
		case dayErr == nil:
			periodicity = "01"
		default:
			return g, fmt.Errorf("--period: %q is not a month (2026-11), a day (2026-11-05) or FROM..TO days with --periodicity 02 or 03", period)
		}
	}
	g.Periodicidad = periodicity
	switch periodicity {
	case "04", "05":
		if monthErr != nil {
			return g, fmt.Errorf("--period: %q is not a month (YYYY-MM), as periodicity %s wants", period, periodicity)
		}
		g.From, g.To = month, month.AddDate(0, 1, -1)
		g.Meses = month.Format("01")
		if periodicity == "05" {
			if month.Month()%2 == 0 {
				return g, fmt.Errorf("--period: a bimester starts on an odd month (January, March, …), not %s", month.Format("January"))
			}
			g.To = month.AddDate(0, 2, -1)
			g.Meses = fmt.Sprint(13 + int(month.Month()-1)/2)
		}
	case "01":
		if dayErr != nil {
			return g, fmt.Errorf("--period: %q is not a day (YYYY-MM-DD), as periodicity 01 (daily) wants", period)
		}
		g.From, g.To, g.Meses = day, day, day.Format("01")
	case "02", "03":
		if err := g.span(period); err != nil {
			return g, err
		}
	default:
		return g, fmt.Errorf("--periodicity: %q is not one of SAT's c_Periodicidad 01 (daily), 02 (weekly), 03 (fortnightly), 04 (monthly), 05 (bimonthly)", periodicity)
	}
	g.Año = g.From.Year()
	return g, nil
}

// span reads FROM..TO for a weekly or fortnightly global invoice.
func (g *GlobalPeriod) span(period string) error {
	from, to, ok := strings.Cut(period, "..")
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if !ok || err1 != nil || err2 != nil || t.Before(f) {
		return fmt.Errorf("--period: %q is not FROM..TO days (YYYY-MM-DD..YYYY-MM-DD), as periodicity %s wants", period, g.Periodicidad)
	}
	if f.Month() != t.Month() || f.Year() != t.Year() {
		return fmt.Errorf("--period: %s..%s spans two months: a global invoice's period is within one", from, to)
	}
	days := int(t.Sub(f).Hours()/24) + 1
	last := f.AddDate(0, 1, -f.Day()).Day()
	switch {
	case g.Periodicidad == "02" && days > 7:
		return fmt.Errorf("--period: %d days is longer than a week (periodicity 02)", days)
	case g.Periodicidad == "03" && !(f.Day() == 1 && t.Day() == 15) && !(f.Day() == 16 && t.Day() == last):
		return fmt.Errorf("--period: a fortnight (periodicity 03) is the 1st to the 15th or the 16th to the month's last day, not %s..%s", from, to)
	}
	g.From, g.To, g.Meses = f, t, f.Format("01")
	return nil
}
