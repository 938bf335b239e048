package activities

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/store"
)

func TestInvoiceMessageNamesKindNumberTotalAndDueDate(t *testing.T) {
	n := int64(12)
	base := store.DeliveryHead{Series: "A", Number: &n, IssuerName: "ESCUELA KEMPER URGATE", CustomerName: "Peña <& Hijos>",
		DocumentKind: "invoice", Date: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), Total: decimal.RequireFromString("12345.6"),
		Currency: "MXN", Decimals: 2, TermsKind: "credit", TermsDays: 30, UUID: "BE76E2F2-AF93-4853-806A-B83200DAA962"}
	for _, c := range []struct {
		name     string
		change   func(*store.DeliveryHead)
		subject  string
		contains []string
		lacks    []string
	}{
		{"credit invoice", func(*store.DeliveryHead) {}, "Factura A-12 de ESCUELA KEMPER URGATE: 12,345.60 MXN, vence el 2026-12-23",
			[]string{"Vencimiento: 2026-12-23 (crédito a 30 días)", "Folio fiscal (UUID): BE76E2F2-AF93-4853-806A-B83200DAA962", "Estimado cliente Peña <& Hijos>:"}, nil},
		{"cash ticket in a currency without decimals", func(h *store.DeliveryHead) {
			h.DocumentKind, h.TermsKind, h.Currency, h.Decimals, h.Total = "ticket", "cash", "CLP", 0, decimal.RequireFromString("1500")
		}, "Ticket A-12 de ESCUELA KEMPER URGATE: 1,500 CLP", []string{"Le enviamos su ticket A-12."}, []string{"Vencimiento", "vence"}},
	} {
		h := base
		c.change(&h)
		m := invoiceMessage(h)
		if m.subject != c.subject {
			t.Errorf("%s: subject %q, want %q", c.name, m.subject, c.subject)
		}
		for _, w := range c.contains {
			if !strings.Contains(m.text, w) {
				t.Errorf("%s: text lacks %q:\n%s", c.name, w, m.text)
			}
		}
		for _, w := range c.lacks {
			if strings.Contains(m.text, w) || strings.Contains(m.subject, w) {
				t.Errorf("%s: says %q", c.name, w)
			}
		}
		if strings.Contains(m.html, "<& Hijos>") || !strings.Contains(m.html, "Peña &lt;&amp; Hijos&gt;") {
			t.Errorf("%s: the HTML does not escape the customer's name", c.name)
		}
	}
}
