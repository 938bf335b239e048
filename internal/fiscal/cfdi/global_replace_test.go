package cfdi

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
)

// A global invoice states the FormaPago decided for it (the form of the largest amount
// received), not the generic customer's terms; one replacing a global invoice cancelled
// with motive 04 relates it with TipoRelacion 04 (substitution).
func TestGlobalInvoiceFormaPagoAndReplacement(t *testing.T) {
	ten := decimal.NewFromInt(10)
	for _, c := range []struct {
		name, form, replaces, wantForm, wantRel string
	}{
		{"recorded before the form was decided", "", "", "01", ""},
		{"the form of the largest amount", "04", "", "04", ""},
		{"a replacement", "28", "5F4E3D2C-1B0A-4F9E-8D7C-6B5A4F3E2D1C", "28", "04"},
	} {
		g := &fiscal.Global{Periodicidad: "04", Meses: "11", Año: 2026, FormaPago: c.form, Replaces: c.replaces,
			Tickets: []fiscal.Ticket{{Number: "T-1", Amount: ten, Subtotal: ten}}}
		inv := fiscal.Invoice{Series: "G", Number: 2, DocumentKind: "global_invoice", Currency: "MXN", Decimals: 2, Amount: ten, Total: ten,
			IssuedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Terms: fiscal.Terms{Kind: "cash", FormaPago: "01", MetodoPago: "PUE"},
			Issuer: fiscal.Issuer{TaxID: "EKU9003173C9", Name: "ESCUELA KEMPER URGATE", Regime: "601", PostalCode: "42501"}, Global: g}
		d, err := FromGlobal(inv)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		rel := ""
		if d.Relacionados != nil {
			rel = d.Relacionados.TipoRelacion
			if len(d.Relacionados.UUIDs) != 1 || d.Relacionados.UUIDs[0] != c.replaces {
				t.Errorf("%s: relates %v", c.name, d.Relacionados.UUIDs)
			}
		}
		if d.FormaPago != c.wantForm || rel != c.wantRel {
			t.Errorf("%s: FormaPago %s, relation %q; want %s, %q", c.name, d.FormaPago, rel, c.wantForm, c.wantRel)
		}
	}
}
