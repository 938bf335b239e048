package cfdi

import (
	"strings"
	"testing"
	"time"

	"billrun/internal/fiscal"
)

func creditNote(kind, formaPago string) fiscal.Invoice {
	return fiscal.Invoice{Series: "NC", Number: 1, DocumentKind: "credit_note", Date: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
		IssuedAt: time.Now(), Currency: "MXN", Decimals: 2,
		Corrects: &fiscal.Related{Kind: kind, UUID: "6F35D3B5-3651-5370-BC2C-14CDBE384CD7", Series: "A", Number: 4},
		Terms:    fiscal.Terms{Kind: "credit", Days: 30, FormaPago: formaPago, MetodoPago: "PPD"},
		Issuer:   fiscal.Issuer{TaxID: "EKU9003173C9", Name: "ESCUELA KEMPER URGATE", Regime: "601", PostalCode: "42501"},
		Customer: fiscal.Customer{Code: "C", Name: "UNIVERSIDAD ROBOTICA ESPAÑOLA", TaxID: "URE180429TM6", TaxIDKind: "tax_registration",
			Regime: "601", PostalCode: "86991", Use: "G03"},
		Amount: dec("1000"), Subtotal: dec("1000"), VAT: dec("160"), Total: dec("1160"),
		Lines: []fiscal.Line{{Item: "B", Description: "Producto B", ProductCode: "01010101", UnitCode: "KGM", Quantity: dec("100"),
			UnitPrice: dec("10"), Amount: dec("1000"), Subtotal: dec("1000"), VATRate: dec("16"), VAT: dec("160")}},
	}
}

// A credit note is an egreso, paid in one exhibition, related to the invoice it corrects
// by SAT's relation type for its kind, and passes the schema once sealed.
func TestCreditNoteIsARelatedEgreso(t *testing.T) {
	for _, c := range []struct{ kind, formaPago, wantForma, wantTipo string }{
		{"return", "99", "17", "03"}, {"rebate", "99", "17", "01"}, {"return", "03", "03", "03"},
	} {
		in, err := FromInvoice(creditNote(c.kind, c.formaPago))
		if err != nil {
			t.Fatal(err)
		}
		if in.TipoDeComprobante != "E" || in.MetodoPago != "PUE" || in.FormaPago != c.wantForma || in.CondicionesDePago != "" || in.Receptor.UsoCFDI != "G02" ||
			in.Relacionados == nil || in.Relacionados.TipoRelacion != c.wantTipo {
			t.Errorf("%s on forma %s: %+v", c.kind, c.formaPago, in)
		}
		doc := Build(in)
		if _, err := Seal(doc, testCSD(t)); err != nil {
			t.Fatal(err)
		}
		xml, _ := doc.WriteToString()
		if err := VerifyStored(xml); err != nil {
			t.Errorf("%s: %v", c.kind, err)
		}
		if i, j := strings.Index(xml, "<cfdi:CfdiRelacionados"), strings.Index(xml, "<cfdi:Emisor"); i < 0 || i > j {
			t.Errorf("CfdiRelacionados must come before Emisor:\n%s", xml)
		}
	}
	unstamped := creditNote("return", "99")
	unstamped.Corrects.UUID = ""
	if _, err := FromInvoice(unstamped); err == nil || !strings.Contains(err.Error(), "A-4 it corrects is not stamped") {
		t.Errorf("a credit note on an unstamped invoice: %v", err)
	}
}
