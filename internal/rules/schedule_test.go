package rules

import (
	"strings"
	"testing"
	"time"
)

func TestPeriodicDates(t *testing.T) {
	cases := []struct {
		start, end string
		every      int
		unit       string
		want       []string
	}{
		{"2026-01-31", "2026-05-31", 1, "month", []string{"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"}},
		{"2028-01-31", "2028-03-01", 1, "month", []string{"2028-01-31", "2028-02-29"}}, // leap year
		{"2026-01-15", "2026-07-15", 3, "month", []string{"2026-01-15", "2026-04-15", "2026-07-15"}},
		{"2026-01-01", "2026-01-15", 1, "week", []string{"2026-01-01", "2026-01-08", "2026-01-15"}}, // end inclusive
		{"2026-01-01", "2026-01-05", 2, "day", []string{"2026-01-01", "2026-01-03", "2026-01-05"}},
		{"2026-01-01", "2026-01-01", 1, "month", []string{"2026-01-01"}},
	}
	for _, c := range cases {
		got, err := PeriodicDates(day(c.start), day(c.end), c.every, c.unit)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		var gs []string
		for _, g := range got {
			gs = append(gs, g.Format(time.DateOnly))
		}
		if len(gs) != len(c.want) {
			t.Fatalf("%s..%s every %d %s: %v, want %v", c.start, c.end, c.every, c.unit, gs, c.want)
		}
		for i := range gs {
			if gs[i] != c.want[i] {
				t.Fatalf("%s..%s every %d %s: %v, want %v", c.start, c.end, c.every, c.unit, gs, c.want)
			}
		}
	}
	if _, err := PeriodicDates(day("2026-02-01"), day("2026-01-01"), 1, "month"); err == nil {
		t.Error("end before start accepted")
	}
	if _, err := PeriodicDates(day("2026-01-01"), day("2026-02-01"), 0, "month"); err == nil {
		t.Error("interval of zero accepted")
	}
}

// A rule that would expand into millions of events is refused at once, without expanding it.
func TestPlansPastTheEventLimitAreRefused(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	_, err := PeriodicDates(day("0001-01-01"), day("9999-12-31"), 1, "day")
	if err == nil || !strings.Contains(err.Error(), "more than 10000 events") {
		t.Fatalf("3.6 million days: %v", err)
	}
	got, err := PeriodicDates(day("2026-01-01"), day("2026-12-31"), 1, "day")
	if err != nil || len(got) != 365 {
		t.Fatalf("a year of days: %d %v", len(got), err)
	}
	if _, err := periodicDates(day("2026-01-01"), day("2026-01-03"), 1, "day", 3); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
}
