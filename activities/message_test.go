package activities

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfdi"
	"billrun/internal/fiscal/cfe"
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
		cfdiXML := `<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Serie="A" Folio="12" TipoDeComprobante="I"/>`
		m := invoiceMessage(h, cfdi.Profile{}.Describe(fiscal.Document{XML: cfdiXML, UUID: h.UUID}, h.DocumentKind))
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

// A Uruguayan e-Factura's mail says what DGI prints: its CFE name and number, its CAE,
// security code and verification link, and never CFDI.
func TestUruguayanMessageSpeaksOfTheCFE(t *testing.T) {
	n := int64(1)
	h := store.DeliveryHead{Series: "EF", Number: &n, IssuerName: "BILLRUN URUGUAY S.A.", CustomerName: "BINALOR S.A.",
		DocumentKind: "invoice", Date: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), Total: decimal.RequireFromString("23176"),
		Currency: "UYU", Decimals: 2, TermsKind: "credit", TermsDays: 30, Country: "UY"}
	xml := `<CFE><eFact><Encabezado><IdDoc><TipoCFE>111</TipoDeCFE><Serie>A</Serie><Nro>1</Nro><FchEmis>2026-12-05</FchEmis></IdDoc>
<Emisor><RUCEmisor>219999830019</RUCEmisor></Emisor><Totales><MntTotal>23176.00</MntTotal></Totales></Encabezado>
<CAEData><CAE_ID>90110000111</CAE_ID></CAEData></eFact>
<Signature><SignedInfo><Reference><DigestValue>Zm9vYmFyYmF6cXV4</DigestValue></Reference></SignedInfo></Signature></CFE>`
	xml = strings.Replace(xml, "</TipoDeCFE>", "</TipoCFE>", 1)
	m := invoiceMessage(h, cfe.Profile{}.Describe(fiscal.Document{XML: xml}, h.DocumentKind))
	if want := "e-Factura A 0000001 de BILLRUN URUGUAY S.A.: 23.176,00 UYU, vence el 2027-01-04"; m.subject != want {
		t.Errorf("subject %q, want %q", m.subject, want)
	}
	for _, w := range []string{"Le enviamos su e-Factura A 0000001.", "CAE: 90110000111", "Código de seguridad: Zm9vYm",
		"Verificación en DGI: https://www.efactura.dgi.gub.uy/consultaQR/cfe?219999830019,111,A,1,23176.00,05/12/2026,Zm9vYmFyYmF6cXV4", "CFE, XML firmado"} {
		if !strings.Contains(m.text, w) {
			t.Errorf("text lacks %q:\n%s", w, m.text)
		}
	}
	if strings.Contains(m.text+m.subject+m.html, "CFDI") || strings.Contains(m.subject, "EF-1") {
		t.Errorf("a CFE's mail speaks of a CFDI or billrun's number:\n%s\n%s", m.subject, m.text)
	}
}
