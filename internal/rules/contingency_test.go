package rules

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestCheckContingencyNumber(t *testing.T) {
	d := func(s string) time.Time { x, _ := time.Parse(time.DateOnly, s); return x }
	caes := []CAE{{ID: 1, Number: "90120000201", CFESeries: "C", First: 1, Last: 50, Expires: d("2027-06-30")},
		{ID: 2, Number: "90120000202", CFESeries: "C", First: 51, Last: 100, Expires: d("2026-11-30")}}
	for _, tc := range []struct {
		name                string
		seriesType, cfeType int
		series              string
		number              int64
		date, cae           string
		field               string // "" accepted
		id                  int64
	}{
		{"inside the first range", 201, 201, "C", 17, "2026-11-23", "90120000201", "", 1},
		{"the range's ends", 201, 201, "C", 50, "2027-06-30", "90120000201", "", 1},
		{"inside the second", 201, 201, "C", 51, "2026-11-23", "90120000202", "", 2},
		{"outside its CAE's range", 201, 201, "C", 51, "2026-11-23", "90120000201", "number", 0},
		{"zero", 201, 201, "C", 0, "2026-11-23", "90120000201", "number", 0},
		{"after the CAE expired", 201, 201, "C", 60, "2026-12-01", "90120000202", "date", 0},
		{"another series letter", 201, 201, "D", 17, "2026-11-23", "90120000201", "cfe_series", 0},
		{"an unknown CAE", 201, 201, "C", 17, "2026-11-23", "90120000999", "cae", 0},
		{"not its series' type", 211, 201, "C", 17, "2026-11-23", "90120000201", "cfe_type", 0},
		{"an electronic type", 101, 101, "C", 17, "2026-11-23", "90120000201", "cfe_type", 0},
	} {
		c, err := CheckContingencyNumber(tc.seriesType, tc.cfeType, tc.series, tc.number, d(tc.date), tc.cae, caes)
		var fe *FieldError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.field == "" && c.ID != tc.id:
			t.Errorf("%s: CAE %d, want %d", tc.name, c.ID, tc.id)
		case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
			t.Errorf("%s: %v, want a refusal of %s", tc.name, err, tc.field)
		}
	}
}

func TestCheckContingencyAmounts(t *testing.T) {
	m := decimal.RequireFromString
	line := func(rate, sub, vat string) LineAmounts {
		return LineAmounts{VATRate: m(rate), Subtotal: m(sub), VAT: m(vat)}
	}
	lines := []LineAmounts{line("22", "100", "22"), line("22", "10.05", "2.21"), line("10", "50", "5"), line("0", "7", "0")}
	amt := func(rate, net, vat string) RateAmount { return RateAmount{VATRate: m(rate), Net: m(net), VAT: m(vat)} }
	for _, tc := range []struct {
		name   string
		stated []RateAmount
		field  string
	}{
		{"as the lines", []RateAmount{amt("22", "110.05", "24.21"), amt("10", "50", "5"), amt("0", "7", "0")}, ""},
		{"in another order, other scale", []RateAmount{amt("0", "7.00", "0"), amt("10.0", "50.00", "5.00"), amt("22", "110.05", "24.21")}, ""},
		{"VAT on the total, not per line", []RateAmount{amt("22", "110.05", "24.22"), amt("10", "50", "5"), amt("0", "7", "0")}, "amounts[0]"},
		{"a rate missing", []RateAmount{amt("22", "110.05", "24.21"), amt("10", "50", "5")}, "amounts"},
		{"a rate no line bears", []RateAmount{amt("22", "110.05", "24.21"), amt("10", "50", "5"), amt("0", "7", "0"), amt("18", "1", "0.18")}, "amounts[3]"},
		{"a rate twice", []RateAmount{amt("22", "110.05", "24.21"), amt("22", "110.05", "24.21")}, "amounts[1]"},
	} {
		err := CheckContingencyAmounts(lines, tc.stated)
		var fe *FieldError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
			t.Errorf("%s: %v, want a refusal of %s", tc.name, err, tc.field)
		}
	}
}
