package rules

import (
	"fmt"
	"time"
)

// PeriodicDates lists a billing plan's event dates (seed 003): every n days, weeks or months
// from start to end, end inclusive. Months keep start's day of month, clamped to the month's
// last day (Jan 31 → Feb 28 or 29 → Mar 31), never drifting.
func PeriodicDates(start, end time.Time, every int, unit string) ([]time.Time, error) {
	return periodicDates(start, end, every, unit, MaxPlanEvents)
}

// MaxPlanEvents is the most events one billing plan may have: a daily plan for 27 years,
// a monthly one for 833. A rule past it is refused at import, before it is expanded.
const MaxPlanEvents = 10000

func periodicDates(start, end time.Time, every int, unit string, limit int) ([]time.Time, error) {
	if every <= 0 {
		return nil, fmt.Errorf("every: the interval must be at least 1, got %d", every)
	}
	if end.Before(start) {
		return nil, fmt.Errorf("end: %s is before start %s", end.Format(time.DateOnly), start.Format(time.DateOnly))
	}
	var out []time.Time
	for i := 0; ; i++ {
		var d time.Time
		switch unit {
		case "day":
			d = start.AddDate(0, 0, i*every)
		case "week":
			d = start.AddDate(0, 0, 7*i*every)
		case "month":
			d = addMonthsClamped(start, i*every)
		default:
			return nil, fmt.Errorf("unit: %q is not day, week or month", unit)
		}
		if d.After(end) {
			return out, nil
		}
		if len(out) == limit {
			return nil, fmt.Errorf("every %d %s from %s to %s is more than %d events, the most a plan may have: shorten it or split it in plans",
				every, unit, start.Format(time.DateOnly), end.Format(time.DateOnly), limit)
		}
		out = append(out, d)
	}
}

func addMonthsClamped(t time.Time, months int) time.Time {
	first := time.Date(t.Year(), t.Month()+time.Month(months), 1, 0, 0, 0, 0, t.Location())
	last := first.AddDate(0, 1, -1).Day()
	day := t.Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, t.Location())
}
