package importfmt

import (
	"strings"
	"testing"
)

// Seed 004: a cash box needs a known currency and a ledger account; only cash terms paid
// in one exhibition (PUE) name one, and a box known (in the file or stored) — each refused
// naming its record and field.
func TestCashBoxesAreCheckedAtImport(t *testing.T) {
	d, err := Parse(strings.NewReader(`{
  "cash_boxes": [{"code": "CAJA1", "name": "Caja general", "currency": "MXN", "account": "1101"},
                 {"code": "BANCO", "currency": "XYZ"},
                 {"code": "CAJA1", "currency": "MXN", "account": "1102"}],
  "payment_terms": [{"code": "CONTADO", "kind": "cash", "forma_pago": "01", "cash_box": "CAJA1"},
                    {"code": "STORED", "kind": "cash", "forma_pago": "01", "metodo_pago": "PUE", "cash_box": "VAULT"},
                    {"code": "NET30", "kind": "credit", "days": 30, "forma_pago": "99", "metodo_pago": "PPD", "cash_box": "CAJA1"},
                    {"code": "CASHPPD", "kind": "cash", "forma_pago": "01", "metodo_pago": "PPD", "cash_box": "CAJA1"},
                    {"code": "LOST", "kind": "cash", "forma_pago": "01", "cash_box": "NOWHERE"}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	known := Known{Currencies: map[string]bool{"MXN": true}, CashBoxes: map[string]bool{"VAULT": true}}
	got := map[string]string{}
	for _, p := range Validate(d, known) {
		got[p.Record+": "+p.Field] += p.Error + "; "
	}
	for want, says := range map[string]string{
		"cash_boxes[1] (BANCO): currency":      `unknown currency "XYZ"`,
		"cash_boxes[1] (BANCO): account":       "is required",
		"cash_boxes[2] (CAJA1): code":          "appears twice",
		"payment_terms[2] (NET30): cash_box":   "only cash terms",
		"payment_terms[3] (CASHPPD): cash_box": "must be PUE",
		"payment_terms[4] (LOST): cash_box":    `unknown cash box "NOWHERE"`,
	} {
		if !strings.Contains(got[want], says) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", want, got[want], says, got)
		}
	}
	for _, fine := range []string{"cash_boxes[0] (CAJA1)", "payment_terms[0] (CONTADO)", "payment_terms[1] (STORED)"} {
		for k, v := range got {
			if strings.HasPrefix(k, fine+":") {
				t.Errorf("%s refused: %s %s", fine, k, v)
			}
		}
	}
}
