package dataset

import (
	"strings"
	"testing"
)

// Issue 9.6 and 10.4: amounts beyond what billrun stores and decimals it would round are
// refused at import, naming the record and the field; nothing is rounded quietly.
func TestMagnitudesAndDecimalsAreRefusedAtImport(t *testing.T) {
	d, err := Parse(strings.NewReader(`{
  "items": [{"code": "P", "description": "P", "unit_price": 10, "vat_rate": 16.12345}],
  "orders": [
    {"number": 1, "customer": "C", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01",
     "lines": [{"item": "P", "ordered": "2.00004"},
               {"item": "P", "ordered": 99999999999999, "price": 999999999999},
               {"item": "P", "ordered": 3, "price": "1.0000001"},
               {"item": "P", "ordered": 1, "price": 1000000000000}]}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	known := Known{Customers: map[string]bool{"C": true}, Series: map[string]bool{"A": true}, Warehouses: map[string]bool{"W": true},
		Currencies: map[string]bool{"MXN": true}}
	got := map[string]string{}
	for _, p := range Validate(d, known) {
		got[p.Record+": "+p.Field] = p.Error
	}
	for want, says := range map[string]string{
		"items[0] (P): vat_rate":                 "more than 4 decimals",
		"orders[0] (number 1) lines[0]: ordered": "more than 4 decimals",
		"orders[0] (number 1) lines[1]: ordered": "beyond 10^13",
		"orders[0] (number 1) lines[2]: price":   "more than 6 decimals",
	} {
		if !strings.Contains(got[want], says) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", want, got[want], says, got)
		}
	}
}
