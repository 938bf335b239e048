package importfmt

import (
	"strings"
	"testing"
)

// A return order (seed 001) is an order whose quantities are negative, every line; its
// lines are never delivered nor commit stock. Each refusal names its record and field.
func TestReturnOrdersAreCheckedAtImport(t *testing.T) {
	d, err := Parse(strings.NewReader(`{
  "payment_terms": [{"code": "T", "kind": "credit", "days": 30, "forma_pago": "99", "metodo_pago": "PPD"}],
  "customers": [{"code": "C", "name": "Cliente", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration", "payment_terms": "T"}],
  "currencies": [{"code": "MXN", "decimals": 2}],
  "warehouses": [{"code": "W", "name": "W"}],
  "issuers": [],
  "series": [{"code": "A", "issuer": "EKU", "document_kind": "invoice"}],
  "items": [{"code": "B", "description": "Producto B", "unit_price": 10, "vat_rate": 16}],
  "orders": [
    {"number": 1, "customer": "C", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-10",
     "lines": [{"item": "B", "ordered": -30}, {"item": "B", "ordered": -2, "to_invoice": -1, "invoiced": -1}]},
    {"number": 2, "customer": "C", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-10",
     "lines": [{"item": "B", "ordered": -3}, {"item": "B", "ordered": 2}]},
    {"number": 3, "customer": "C", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-10",
     "lines": [{"item": "B", "ordered": -3, "to_invoice": 1}, {"item": "B", "ordered": -3, "delivered": -3},
               {"item": "B", "ordered": -3, "stock_committed": true}, {"item": "B", "ordered": -3, "to_invoice": -4}]}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range Validate(d, Known{Issuers: map[string]bool{"EKU": true}}) {
		if strings.HasPrefix(p.Record, "orders") {
			got[p.Record+": "+p.Field] = p.Error
		}
	}
	for want, says := range map[string]string{
		"orders[1] (number 2) lines[1]: ordered":         "a return order's lines all have negative quantities",
		"orders[2] (number 3) lines[0]: to_invoice":      "a return order's quantities are negative",
		"orders[2] (number 3) lines[1]: delivered":       "a return order is not delivered",
		"orders[2] (number 3) lines[2]: stock_committed": "a return order commits no stock",
		"orders[2] (number 3) lines[3]: to_invoice":      "exceeds",
	} {
		if !strings.Contains(got[want], says) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", want, got[want], says, got)
		}
	}
	for k, v := range got {
		if strings.HasPrefix(k, "orders[0]") {
			t.Errorf("a good return order refused: %s: %s", k, v)
		}
	}
	if !d.Orders[0].IsReturn() || d.Orders[1].Lines[1].Unsigned().Ordered.String() != "2" || d.Orders[0].Lines[1].Unsigned().ToInvoice.String() != "1" {
		t.Errorf("return order read as %+v", d.Orders[0])
	}
}
