package importfmt

import (
	"strings"
	"testing"
)

// Order classes (seed 001) name a series of invoices or tickets, not a CFE one; an order's
// class is a known one whose series is its own series' issuer's. Stored series and classes
// count as the file's do.
func TestOrderClassesAreCheckedAtImport(t *testing.T) {
	d, err := Parse(strings.NewReader(`{
  "series": [{"code": "B", "issuer": "EKU", "document_kind": "invoice"}, {"code": "UX", "issuer": "UYE", "document_kind": "invoice"}],
  "order_classes": [{"code": "VTA", "series": "B"}, {"code": "NOTAS", "series": "NC"}, {"code": "CFE", "series": "EF"},
                    {"code": "OTRO", "series": "UX"}, {"code": "X", "series": "GHOST"}],
  "orders": [
    {"number": 1, "customer": "C", "series": "A", "class": "VTA", "warehouse": "W", "currency": "MXN", "date": "2026-11-10", "lines": [{"item": "I", "ordered": 1}]},
    {"number": 2, "customer": "C", "series": "A", "class": "OTRO", "warehouse": "W", "currency": "MXN", "date": "2026-11-10", "lines": [{"item": "I", "ordered": 1}]},
    {"number": 3, "customer": "C", "series": "A", "class": "SRV", "warehouse": "W", "currency": "MXN", "date": "2026-11-10", "lines": [{"item": "I", "ordered": 1}]},
    {"number": 4, "customer": "C", "series": "A", "class": "NADA", "warehouse": "W", "currency": "MXN", "date": "2026-11-10", "lines": [{"item": "I", "ordered": 1}]}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	set := func(codes ...string) map[string]bool { return newSet(codes...) }
	known := Known{Issuers: set("EKU", "UYE"), Series: set("A", "NC", "EF"), CFESeries: set("EF"), Customers: set("C"), Warehouses: set("W"),
		Currencies: set("MXN"), Items: set("I"),
		SeriesIssuers: map[string]string{"A": "EKU", "NC": "EKU", "EF": "UYE"}, SeriesKinds: map[string]string{"A": "invoice", "NC": "credit_note", "EF": "invoice"},
		OrderClasses: map[string]string{"SRV": "A"}}
	got := map[string]string{}
	for _, p := range Validate(d, known) {
		if strings.HasPrefix(p.Record, "order") {
			got[p.Record+": "+p.Field] = p.Error
		}
	}
	for want, says := range map[string]string{
		"order_classes[1] (NOTAS): series": "series NC numbers credit_note documents",
		"order_classes[2] (CFE): series":   "series EF numbers CFE",
		"order_classes[4] (X): series":     `unknown series "GHOST"`,
		"orders[1] (number 2): class":      "class OTRO numbers in series UX of issuer UYE, but the order's series A is issuer EKU's",
		"orders[3] (number 4): class":      `unknown order class "NADA"`,
	} {
		if !strings.Contains(got[want], says) {
			t.Errorf("%s: %q, want it to say %q", want, got[want], says)
		}
	}
	if len(got) != 5 {
		t.Errorf("refused %d, want 5: %v", len(got), got)
	}
}
