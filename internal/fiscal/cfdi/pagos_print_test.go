package cfdi

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
	"billrun/internal/printout"
	"billrun/schema/testdb"
)

// printedReceipt is a receipt of two payments: 500.00 MXN of invoice A-1 (1,160.00 MXN, its
// first parcialidad), and the whole of invoice A-2 (2,900.00 USD) paid in USD.
func printedReceipt() PaymentReceipt {
	iva16 := func(base string) []Tax {
		return []Tax{{Impuesto: IVA, Rate: dec("0.16"), Base: dec(base), Importe: dec(base).Mul(dec("0.16"))}}
	}
	a1 := PaidDocument{UUID: "6F35D3B5-3651-5370-BC2C-14CDBE384CD7", Serie: "A", Folio: 1, MonedaDR: "MXN", Decimals: 2,
		EquivalenciaDR: decimal.NewFromInt(1), NumParcialidad: 1, Total: dec("1160.00"), SaldoAnt: dec("1160.00"), Pagado: dec("500.00"),
		Traslados: iva16("1000.00")}
	a2 := PaidDocument{UUID: "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", Serie: "A", Folio: 2, MonedaDR: "USD", Decimals: 2,
		EquivalenciaDR: decimal.NewFromInt(1), NumParcialidad: 2, Total: dec("2900.00"), SaldoAnt: dec("1450.00"), Pagado: dec("1450.00"),
		Traslados: iva16("2500.00")}
	return PaymentReceipt{Serie: "P", Folio: 1, Fecha: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), LugarExpedicion: "42501",
		Emisor:   Emisor{Rfc: "EKU9003173C9", Nombre: "ESCUELA KEMPER URGATE", RegimenFiscal: "601"},
		Receptor: Receptor{Rfc: "URE180429TM6", Nombre: "UNIVERSIDAD ROBOTICA ESPAÑOLA", DomicilioFiscal: "86991", RegimenFiscal: "601"},
		Pagos: []Payment{
			{FechaPago: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), FormaDePagoP: "03", MonedaP: "MXN", Decimals: 2,
				TipoCambioP: decimal.NewFromInt(1), Monto: dec("500.00"), NumOperacion: "SPEI-778899", Documentos: []PaidDocument{a1}},
			{FechaPago: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), FormaDePagoP: "02", MonedaP: "USD", Decimals: 2,
				TipoCambioP: dec("17.1234"), Monto: dec("1450.00"), Documentos: []PaidDocument{a2}},
		}}
}

// sealedReceipt builds and seals the receipt, and stamps it when asked (by the sandbox
// PAC's RFC, signed here with the CSD's key: the printout does not verify stamps).
func sealedReceipt(t *testing.T, stamped bool) (*etree.Document, string) {
	t.Helper()
	csd := testCSD(t)
	doc := BuildPaymentReceipt(printedReceipt())
	if _, err := Seal(doc, csd); err != nil {
		t.Fatal(err)
	}
	xml, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyStored(xml); err != nil {
		t.Fatalf("%v\n%s", err, xml)
	}
	if !stamped {
		return doc, xml
	}
	s, err := SignStamp(Stamp{UUID: "11112222-3333-4444-5555-666677778888", FechaTimbrado: time.Date(2026, 11, 30, 9, 1, 0, 0, mexicoCity),
		RfcProvCertif: SandboxRFC, SelloCFD: doc.Root().SelectAttrValue("Sello", ""), NoCertificadoSAT: csd.NoCertificado()}, csd.Key)
	if err != nil {
		t.Fatal(err)
	}
	AddStamp(doc, s)
	if xml, err = doc.WriteToString(); err != nil {
		t.Fatal(err)
	}
	return doc, xml
}

func printReceipt(t *testing.T, xml string) []byte {
	t.Helper()
	inv := fiscal.Invoice{Series: "P", Number: 1, DocumentKind: "payment_receipt", Date: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		Customer: fiscal.Customer{Name: "Universidad Robótica Española"}}
	pdf, err := Profile{}.Print(fiscal.Document{XML: xml}, inv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", pdf)
	}
	return pdf
}

// A CFDI P prints as a payment receipt: each invoice paid with its folio fiscal, its
// parcialidad, the part paid and the balances; each payment's facts; the complement's
// Totales; unstamped, that it is not yet a valid CFDI.
func TestPaymentReceiptPrints(t *testing.T) {
	_, xml := sealedReceipt(t, false)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	v := printView(doc, fiscal.Invoice{DocumentKind: "payment_receipt"})
	if v.Title != "Complemento de pago P-1" || len(v.Lines) != 2 || v.QR != "" {
		t.Fatalf("view %+v", v)
	}
	if l := v.Lines[0]; l.Code != "1" || l.Amount != "500.00 MXN" {
		t.Errorf("line of A-1: %+v", l)
	}
	if last := v.Totals[len(v.Totals)-1]; last != [2]string{"Total de pagos MXN", printout.Money(dec("500").Add(dec("1450").Mul(dec("17.1234"))).StringFixed(2))} {
		t.Errorf("totals %q", v.Totals)
	}
	text := testdb.PDFText(t, printReceipt(t, xml))
	for _, want := range []string{"Complemento de pago P-1", "CFDI de Recepción de Pagos", "Factura A-1", "6F35D3B5-3651-5370-BC2C-14CDBE384CD7",
		"Factura A-2", "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", "1,160.00", "500.00", "660.00", "1,450.00", "0.00 USD",
		"03 Transferencia electrónica de fondos", "02 Cheque nominativo", "SPEI-778899", "17.1234", "IVA 16 %", "Total de pagos MXN",
		"Universidad Robótica Española", "CP01 Pagos", "P Pago", "Sin timbre fiscal digital", "QUINIENTOS PESOS 00/100 M.N."} {
		if !strings.Contains(text, want) {
			t.Errorf("printed receipt lacks %q:\n%s", want, text)
		}
	}
}

// Stamped, the receipt prints the stamp's proof, and its QR code reads as SAT's
// verification URL with the receipt's total, 0.
func TestStampedPaymentReceiptPrintsItsProof(t *testing.T) {
	doc, xml := sealedReceipt(t, true)
	pdf := printReceipt(t, xml)
	text := testdb.PDFText(t, pdf)
	for _, want := range []string{"11112222-3333-4444-5555-666677778888", "Sello digital del SAT", SandboxRFC, "sandbox"} {
		if !strings.Contains(text, want) {
			t.Errorf("printed stamped receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Sin timbre") {
		t.Error("a stamped receipt printed as unstamped")
	}
	qr := testdb.QRText(t, pdf)
	if qr != VerificationURL(doc) || !strings.Contains(qr, "id=11112222-3333-4444-5555-666677778888&re=EKU9003173C9&rr=URE180429TM6&tt=0.0&fe=") {
		t.Errorf("QR %q", qr)
	}
}

// Described, a CFDI P is a Complemento de pago P-1 with its folio fiscal, each payment and
// each invoice paid; an invoice's description does not change.
func TestPaymentReceiptDescription(t *testing.T) {
	_, xml := sealedReceipt(t, true)
	d := Profile{}.Describe(fiscal.Document{XML: xml}, "payment_receipt")
	if d.Name != "Complemento de pago" || d.Number != "P-1" || d.Money == nil {
		t.Fatalf("described %+v", d)
	}
	facts := map[string]string{}
	for _, f := range d.Facts {
		facts[f[0]] += f[1] + "|"
	}
	if facts["Folio fiscal (UUID)"] != "11112222-3333-4444-5555-666677778888|" ||
		facts["Pago recibido"] != "500.00 MXN el 2026-11-24, 03 Transferencia electrónica de fondos|1,450.00 USD el 2026-11-25, 02 Cheque nominativo|" ||
		facts["Factura A-1"] != "pagado 500.00 MXN (parcialidad 1), saldo 660.00 MXN; folio fiscal 6F35D3B5-3651-5370-BC2C-14CDBE384CD7|" ||
		!strings.HasPrefix(facts["Factura A-2"], "pagado 1,450.00 USD (parcialidad 2), saldo 0.00 USD") {
		t.Errorf("facts %q", d.Facts)
	}
	if inv := (Profile{}).Describe(fiscal.Document{XML: `<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Serie="A" Folio="7" TipoDeComprobante="I"/>`,
		UUID: "X"}, "invoice"); inv.Name != "Factura" || inv.Number != "A-7" || len(inv.Facts) != 1 {
		t.Errorf("an invoice described %+v", inv)
	}
}
