package main

import (
	"strings"
	"testing"
)

// Hostile input the CLI used to let through or answer badly: each is refused, naming what
// is wrong and where, and nothing is written.
func TestHostileInputIsRefusedNamingTheField(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	before := h.int(`select count(*) from items`)

	for _, c := range []struct{ doc, want string }{
		{`{"items": [{"code": "HX", "description": "x", "unit_price": 1, "vat_rate": 16}]} {"items": []}`, "something follows the document"},
		{`{"items": [{"code": "HX", "description": "x", "unit_price": "NaN", "vat_rate": 16}]}`, `items[0]: unit_price: "NaN" is not a decimal number`},
		{`{"billing_plans": [{"code": "HUGE", "customer": "TANGO", "series": "A", "currency": "MXN", "payment_terms": "CONTADO",
		   "every": 1, "unit": "day", "start": "0001-01-01", "end": "9999-12-31", "items": [{"item": "P1", "quantity": 1}]}]}`, "more than 10000 events"},
	} {
		if msg := h.mustFail("import", writeTemp(t, c.doc)); !strings.Contains(msg, c.want) {
			t.Errorf("import %.60s...: %s", c.doc, msg)
		}
	}
	if n := h.int(`select count(*) from items`); n != before {
		t.Errorf("refused imports wrote %d items", n-before)
	}
	if msg := h.mustFail("batch", "create", "--orders", "1001-1002", "--series", "A", "--rate", "1e30"); !strings.Contains(msg, "--rate: 1000000000000000000000000000000 is beyond 10^12") {
		t.Errorf("--rate 1e30: %s", msg)
	}
	if n := h.int(`select count(*) from batches`); n != 0 {
		t.Errorf("a refused batch wrote %d batches", n)
	}
}
