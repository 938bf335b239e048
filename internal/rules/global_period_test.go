package rules

import (
	"strings"
	"testing"
)

func TestParseGlobalPeriod(t *testing.T) {
	for _, c := range []struct {
		period, periodicity      string
		from, to, per, meses, no string // no: a word of the error
		año                      int
	}{
		{period: "2026-11", from: "2026-11-01", to: "2026-11-30", per: "04", meses: "11", año: 2026},
		{period: "2026-11", periodicity: "05", from: "2026-11-01", to: "2026-12-31", per: "05", meses: "18", año: 2026},
		{period: "2026-01", periodicity: "05", from: "2026-01-01", to: "2026-02-28", per: "05", meses: "13", año: 2026},
		{period: "2028-01", periodicity: "05", from: "2028-01-01", to: "2028-02-29", per: "05", meses: "13", año: 2028},
		{period: "2026-02", periodicity: "05", no: "odd month"},
		{period: "2026-11-05", from: "2026-11-05", to: "2026-11-05", per: "01", meses: "11", año: 2026},
		{period: "2026-11-05", periodicity: "04", no: "not a month"},
		{period: "2026-11", periodicity: "01", no: "not a day"},
		{period: "2026-11-02..2026-11-08", periodicity: "02", from: "2026-11-02", to: "2026-11-08", per: "02", meses: "11", año: 2026},
		{period: "2026-11-02..2026-11-09", periodicity: "02", no: "longer than a week"},
		{period: "2026-11-28..2026-12-03", periodicity: "02", no: "two months"},
		{period: "2026-11-16..2026-11-30", periodicity: "03", from: "2026-11-16", to: "2026-11-30", per: "03", meses: "11", año: 2026},
		{period: "2026-11-01..2026-11-15", periodicity: "03", from: "2026-11-01", to: "2026-11-15", per: "03", meses: "11", año: 2026},
		{period: "2026-11-01..2026-11-20", periodicity: "03", no: "fortnight"},
		{period: "2026-11-08..2026-11-02", periodicity: "02", no: "FROM..TO"},
		{period: "2026-11", periodicity: "06", no: "--periodicity"},
		{period: "november", no: "--period"},
	} {
		g, err := ParseGlobalPeriod(c.period, c.periodicity)
		if c.no != "" {
			if err == nil || !strings.Contains(err.Error(), c.no) {
				t.Errorf("%s/%s: error %v, want one saying %q", c.period, c.periodicity, err, c.no)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s/%s: %v", c.period, c.periodicity, err)
			continue
		}
		got := []any{g.From.Format("2006-01-02"), g.To.Format("2006-01-02"), g.Periodicidad, g.Meses, g.Año}
		want := []any{c.from, c.to, c.per, c.meses, c.año}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s/%s: got %v, want %v", c.period, c.periodicity, got, want)
				break
			}
		}
	}
}
