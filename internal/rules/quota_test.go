package rules

import (
	"slices"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestSplitByQuota(t *testing.T) {
	cases := []struct {
		total  string
		quotas []string
		want   []string
	}{
		{"100.00", []string{"60", "40"}, []string{"60.00", "40.00"}},
		{"0.05", []string{"60", "40"}, []string{"0.03", "0.02"}},
		{"100.00", []string{"33.33", "33.33", "33.34"}, []string{"33.33", "33.33", "33.34"}},
		{"10.00", []string{"33.33", "33.33", "33.34"}, []string{"3.33", "3.33", "3.34"}},
		{"0.01", []string{"33.33", "33.33", "33.34"}, []string{"0.00", "0.00", "0.01"}},
		{"1000.01", []string{"50", "50"}, []string{"500.01", "500.00"}}, // a tie goes to the earlier entity
		{"986.00", []string{"100"}, []string{"986.00"}},
	}
	for _, c := range cases {
		var qs []decimal.Decimal
		for _, q := range c.quotas {
			qs = append(qs, d(q))
		}
		got, err := SplitByQuota(d(c.total), qs, 2)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if !got[i].Equal(d(c.want[i])) {
				t.Errorf("split %s by %v = %v, want %v", c.total, c.quotas, got, c.want)
				break
			}
		}
	}
	if _, err := SplitByQuota(d("10"), []decimal.Decimal{d("60"), d("30")}, 2); err == nil {
		t.Error("quotas summing to 90 accepted")
	}
}

func TestSplitByQuotaProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		decimals := int32(rapid.IntRange(0, 3).Draw(t, "decimals"))
		total := decimal.New(rapid.Int64Range(0, 1_000_000_000).Draw(t, "units"), -decimals)
		// Random quotas in hundredths of a percent that sum to exactly 100.
		n := rapid.IntRange(1, 8).Draw(t, "n")
		cuts := make([]int, n-1)
		for i := range cuts {
			cuts[i] = rapid.IntRange(1, 9999).Draw(t, "cut")
		}
		points := append([]int{0}, append(sortedUnique(cuts), 10000)...)
		var quotas []decimal.Decimal
		for i := 1; i < len(points); i++ {
			quotas = append(quotas, decimal.New(int64(points[i]-points[i-1]), -2))
		}
		parts, err := SplitByQuota(total, quotas, decimals)
		if err != nil {
			t.Fatal(err)
		}
		sum := decimal.Zero
		unit := decimal.New(1, -decimals)
		for i, p := range parts {
			sum = sum.Add(p)
			exact := total.Mul(quotas[i]).Div(hundred)
			if p.Sub(exact).Abs().GreaterThanOrEqual(unit) {
				t.Fatalf("part %d = %s is a whole unit or more from its exact share %s", i, p, exact)
			}
			if !p.Equal(p.Round(decimals)) {
				t.Fatalf("part %s has more than %d decimals", p, decimals)
			}
		}
		if !sum.Equal(total) {
			t.Fatalf("parts %v sum to %s, not %s", parts, sum, total)
		}
	})
}

func sortedUnique(xs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

func TestPeriodBefore(t *testing.T) {
	cases := []struct{ nominal, unit, want string }{
		{"2026-11-23", "day", "2026-11-22..2026-11-22"},
		{"2026-11-23", "week", "2026-11-16..2026-11-22"}, // Monday 23rd: the week before
		{"2026-11-25", "week", "2026-11-16..2026-11-22"},
		{"2026-03-01", "month", "2026-02-01..2026-02-28"},
		{"2028-03-15", "month", "2028-02-01..2028-02-29"},
		{"2026-01-01", "month", "2025-12-01..2025-12-31"},
	}
	for _, c := range cases {
		p, err := PeriodBefore(day(c.nominal).Add(13*60*60*1e9), c.unit)
		if err != nil || p.String() != c.want {
			t.Errorf("PeriodBefore(%s, %s) = %s %v, want %s", c.nominal, c.unit, p, err, c.want)
		}
	}
}
