package cfdi

import (
	"testing"
	"time"

	"billrun/internal/fiscal"
)

// A receipt built from a stamped invoice relates its UUID, names its receiver (UsoCFDI
// CP01), reads its taxes from its concepts, and never says it was paid after it was issued.
func TestFromPaymentReadsTheStampedInvoice(t *testing.T) {
	csd := testCSD(t)
	doc := Build(hostileInvoice())
	if _, err := Seal(doc, csd); err != nil {
		t.Fatal(err)
	}
	s, err := SignStamp(Stamp{UUID: "AAAABBBB-3333-4444-5555-666677778888", FechaTimbrado: time.Date(2026, 11, 23, 12, 31, 0, 0, mexicoCity),
		RfcProvCertif: SandboxRFC, SelloCFD: doc.Root().SelectAttrValue("Sello", ""), NoCertificadoSAT: csd.NoCertificado()}, csd.Key)
	if err != nil {
		t.Fatal(err)
	}
	AddStamp(doc, s)
	xml, _ := doc.WriteToString()
	issued := time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC) // 05:00 in Mexico City
	inv := fiscal.Invoice{Series: "P", Number: 3, IssuedAt: issued,
		Issuer: fiscal.Issuer{TaxID: "EKU9003173C9", Name: "ESCUELA KEMPER URGATE", Regime: "601", PostalCode: "42501"},
		Payments: []fiscal.Payment{{PaidOn: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), Form: "03", Currency: "USD", Rate: dec("17.2345"), Decimals: 2,
			Amount: dec("500.00"), Paid: []fiscal.PaidInvoice{{XML: xml, Rate: dec("17.2345"), Parcialidad: 1, SaldoAnt: dec("1299.71"), Paid: dec("500.00")}}}}}
	r, err := FromPayment(inv)
	if err != nil {
		t.Fatal(err)
	}
	p, d := r.Pagos[0], r.Pagos[0].Documentos[0]
	if d.UUID != "AAAABBBB-3333-4444-5555-666677778888" || d.Serie != "A" || d.Folio != 42 || d.MonedaDR != "USD" || !d.EquivalenciaDR.Equal(dec("1")) {
		t.Errorf("document related: %+v", d)
	}
	if r.Receptor.Rfc != "URE180429TM6" || len(d.Traslados) != 2 || len(d.Retenciones) != 2 {
		t.Errorf("receiver %+v, taxes %d/%d", r.Receptor, len(d.Traslados), len(d.Retenciones))
	}
	if got := p.FechaPago.Format("2006-01-02T15:04:05"); got != "2026-12-06T05:00:00" {
		t.Errorf("FechaPago %s: a payment of today is not dated after its receipt (05:00)", got)
	}
	built := BuildPaymentReceipt(r)
	if _, err := Seal(built, csd); err != nil {
		t.Fatal(err)
	}
	out, _ := built.WriteToString()
	if err := VerifyStored(out); err != nil {
		t.Fatalf("the receipt: %v", err)
	}
}
