package importfmt

import (
	"strings"
	"testing"
)

// Nothing is delivered past what was ordered (the database refuses it too, migration 039):
// the import names the record and field.
func TestDeliveredIsCheckedAtImport(t *testing.T) {
	d, err := Parse(strings.NewReader(`{
  "payment_terms": [{"code": "T", "kind": "credit", "days": 30, "forma_pago": "99", "metodo_pago": "PPD"}],
  "customers": [{"code": "C", "name": "Cliente", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration", "payment_terms": "T"}],
  "currencies": [{"code": "MXN", "decimals": 2}],
  "warehouses": [{"code": "W", "name": "W"}],
  "series": [{"code": "A", "issuer": "EKU", "document_kind": "invoice"}],
  "items": [{"code": "B", "description": "Producto B", "unit_price": 10, "vat_rate": 16}],
  "orders": [{"number": 1, "customer": "C", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-10",
     "lines": [{"item": "B", "ordered": 5, "delivered": 5}, {"item": "B", "ordered": 5, "delivered": 6}]}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range Validate(d, Known{Issuers: map[string]bool{"EKU": true}}) {
		if strings.HasPrefix(p.Record, "orders") {
			got = append(got, p.Record+": "+p.Field+": "+p.Error)
		}
	}
	if len(got) != 1 || got[0] != "orders[0] (number 1) lines[1]: delivered: 6 delivered exceeds 5 ordered" {
		t.Errorf("problems: %q", got)
	}
}
