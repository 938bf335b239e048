package rules

import (
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// SplitByQuota splits total among billing entities by their quotas in percent (seed 003)
// so the parts sum exactly to total: each part is rounded down to the currency's decimals
// and the cents left over go, one each, to the largest remainders (ties: the earlier entity).
func SplitByQuota(total decimal.Decimal, quotas []decimal.Decimal, decimals int32) ([]decimal.Decimal, error) {
	sum := decimal.Zero
	for i, q := range quotas {
		if !q.IsPositive() {
			return nil, fmt.Errorf("quota %d is %s: quotas must be positive", i+1, q)
		}
		sum = sum.Add(q)
	}
	if !sum.Equal(hundred) {
		return nil, fmt.Errorf("quotas sum to %s, not 100", sum)
	}
	unit := decimal.New(1, -decimals)
	parts := make([]decimal.Decimal, len(quotas))
	rem := make([]decimal.Decimal, len(quotas))
	given := decimal.Zero
	for i, q := range quotas {
		exact := total.Mul(q).Div(hundred)
		parts[i] = exact.RoundFloor(decimals)
		rem[i] = exact.Sub(parts[i])
		given = given.Add(parts[i])
	}
	order := make([]int, len(quotas))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rem[order[a]].GreaterThan(rem[order[b]]) })
	left := total.Sub(given).Div(unit).IntPart() // whole units left over: fewer than len(quotas)
	for k := int64(0); k < left; k++ {
		parts[order[k]] = parts[order[k]].Add(unit)
	}
	return parts, nil
}

// Period is a billing period, both dates inclusive.
type Period struct{ From, To time.Time }

// String is FROM..TO.
func (p Period) String() string {
	return p.From.Format(time.DateOnly) + ".." + p.To.Format(time.DateOnly)
}

// PeriodBefore is the last whole day, week (Monday to Sunday) or month before the nominal
// time of a scheduled run: a run bills in arrears, and every run of one nominal time (the
// schedule, a trigger, a backfill, a retry) derives the same period.
func PeriodBefore(nominal time.Time, unit string) (Period, error) {
	day := time.Date(nominal.Year(), nominal.Month(), nominal.Day(), 0, 0, 0, 0, time.UTC)
	switch unit {
	case "day":
		d := day.AddDate(0, 0, -1)
		return Period{d, d}, nil
	case "week":
		monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		return Period{monday.AddDate(0, 0, -7), monday.AddDate(0, 0, -1)}, nil
	case "month":
		first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		return Period{first.AddDate(0, -1, 0), first.AddDate(0, 0, -1)}, nil
	}
	return Period{}, fmt.Errorf("period: %q is not day, week or month", unit)
}
