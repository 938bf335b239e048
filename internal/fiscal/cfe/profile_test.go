package cfe_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/sandbox/dgisandbox"
	"billrun/schema/testdb"
)

// A Uruguayan invoice as the store reads it: an e-Factura to a RUT, in dollars, with a
// basic, a minimum and an exempt line, the first discounted.
func uyInvoice() fiscal.Invoice {
	d := decimal.RequireFromString
	return fiscal.Invoice{ID: 7, Series: "EF", Number: 12, DocumentKind: "invoice",
		Authorization: &fiscal.Authorization{DocumentType: cfe.EFactura, ID: "90110002895", Series: "A", From: 1, To: 100, Expires: time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)},
		Date:          time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), IssuedAt: time.Now(), Currency: "USD", Rate: d("39.512"), Decimals: 2,
		Terms:  fiscal.Terms{Kind: "credit", Days: 30},
		Issuer: fiscal.Issuer{Code: "UYE", TaxID: "219999830019", Name: "EMISOR DE PRUEBA", Country: "UY", Branch: "1", Address: "CALLE FALSA 123", City: "MONTEVIDEO", Department: "MONTEVIDEO"},
		Customer: fiscal.Customer{Code: "BINALOR", Name: "BINALOR SOCIEDAD ANONIMA", TaxID: "215071660012", TaxIDKind: "tax_registration", Country: "UY",
			Address: "DE ARCO JUANA 3338", City: "MONTEVIDEO"},
		Total: d("256.95"),
		Lines: []fiscal.Line{
			{Item: "SOP", Description: "Soporte mensual", UnitCode: "E48", Quantity: d("1"), UnitPrice: d("200"), Amount: d("200"), Discount: d("20"), Subtotal: d("180"), VATRate: d("22"), VAT: d("39.60")},
			{Item: "PAN", Description: "Pan", UnitCode: "KGM", Quantity: d("3.5"), UnitPrice: d("2.1"), Amount: d("7.35"), Subtotal: d("7.35"), VATRate: d("10"), VAT: d("0.74")},
			{Item: "LIB", Description: "Libro", UnitCode: "H87", Quantity: d("2"), UnitPrice: d("14.63"), Amount: d("29.26"), Subtotal: d("29.26"), VATRate: d("0")},
		}}
}

// sandboxProfile is Uruguay's profile speaking SOAP to a sandbox DGI of the test's own.
func sandboxProfile(t *testing.T) cfe.Profile {
	p, _ := sandboxDGI(t)
	return p
}

func sandboxDGI(t *testing.T) (cfe.Profile, *dgisandbox.Server) {
	t.Helper()
	testdb.Tool(t, "xmllint")
	dgi, err := dgisandbox.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dgi.Close() })
	srv := httptest.NewServer(dgi)
	t.Cleanup(srv.Close)
	return cfe.Profile{DGI: &cfe.Client{URL: srv.URL}, DGICert: dgi.Certificate()}, dgi
}

func credentials(t *testing.T) fiscal.Credentials {
	root := testdb.Root(t)
	return fiscal.Credentials{CertPath: filepath.Join(root, "testdata/uy/219999830019.cer"), KeyPath: filepath.Join(root, "testdata/uy/219999830019.key"), Password: []byte("12345678a")}
}

// A Uruguayan invoice is sealed as a CFE that validates and verifies with xmlsec1, sent to
// the sandbox DGI over SOAP, acknowledged (the answer kept, valid and signed), and printed
// with its CAE, security code and QR; sending it again is acknowledged again.
func TestProfileSealsSendsAndPrints(t *testing.T) {
	testdb.Tool(t, "xmlsec1")
	p := sandboxProfile(t)

	inv := uyInvoice()
	doc, err := p.Seal(context.Background(), inv, credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<ns0:TipoCFE>111</ns0:TipoCFE>", "<ns0:Serie>A</ns0:Serie>", "<ns0:Nro>12</ns0:Nro>", "<ns0:FmaPago>2</ns0:FmaPago>",
		"<ns0:DescuentoMonto>20.00</ns0:DescuentoMonto>", "<ns0:MntNetoIVATasaBasica>180.00</ns0:MntNetoIVATasaBasica>",
		"<ns0:MntIVATasaBasica>39.60</ns0:MntIVATasaBasica>", "<ns0:MntTotal>256.95</ns0:MntTotal>", "<ns0:CAE_ID>90110002895</ns0:CAE_ID>"} {
		if !strings.Contains(doc.XML, want) {
			t.Errorf("CFE lacks %s", want)
		}
	}
	file := filepath.Join(t.TempDir(), "cfe.xml")
	if err := os.WriteFile(file, []byte(doc.XML), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(filepath.Join(testdb.Root(t), "testdata/dgi/verify-cfe-xmldsig.sh"), file,
		filepath.Join(testdb.Root(t), "testdata/uy/219999830019.pub.pem")).CombinedOutput(); err != nil {
		t.Errorf("xmlsec1: %v\n%s", err, out)
	}
	if code := cfe.SecurityCode(doc.XML); len(code) != 6 || doc.Signature == "" {
		t.Errorf("security code %q, signature %q", code, doc.Signature)
	}

	stamped, err := p.Stamp(context.Background(), doc, credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	if stamped.StampedAt == "" || !strings.Contains(stamped.AuthorityAck, "<Estado>AE</Estado>") || !strings.Contains(stamped.StampCertificate, "sandbox") {
		t.Fatalf("stamped %+v", stamped)
	}
	// Sent again (an answer lost), DGI holds that envelope already (S08): the CFE goes in an
	// envelope of another number, a new sending at DGI, and, received before with the same
	// content, is received again.
	again, err := p.Stamp(context.Background(), doc, credentials(t))
	if err != nil || !strings.Contains(again.AuthorityAck, "<Estado>AE</Estado>") || again.StampCertificate == stamped.StampCertificate {
		t.Errorf("sent again: %v, %q vs %q", err, again.StampCertificate, stamped.StampCertificate)
	}

	pdf, err := p.Print(stamped, inv)
	if err != nil {
		t.Fatal(err)
	}
	text := testdb.PDFText(t, pdf)
	for _, want := range []string{"e-Factura A 0000012", "90110002895", "A 1 al 100", "2027-12-31", cfe.SecurityCode(doc.XML), "IVA al día", "256,95", "sandbox"} {
		if !strings.Contains(text, want) {
			t.Errorf("printed CFE lacks %q:\n%s", want, text)
		}
	}
	if qr := testdb.QRText(t, pdf); !strings.HasPrefix(qr, "https://www.efactura.dgi.gub.uy/consultaQR/cfe?219999830019,111,A,12,256.95,30/11/2026,") {
		t.Errorf("QR %q", qr)
	}
}

// DGI's answers that refuse: a CFE whose signature does not verify (E05), and a number
// received before with other content (E03), each a refusal naming DGI's reason.
func TestProfileRefusals(t *testing.T) {
	p := sandboxProfile(t)
	inv := uyInvoice()
	doc, err := p.Seal(context.Background(), inv, credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	tampered := doc
	tampered.XML = strings.Replace(doc.XML, "<ns0:MntPagar>256.95</ns0:MntPagar>", "<ns0:MntPagar>25.95</ns0:MntPagar>", 1)
	if _, err := p.Stamp(context.Background(), tampered, credentials(t)); err == nil || !strings.Contains(err.Error(), "E05 Firma electrónica no es válida") {
		t.Errorf("tampered: %v", err)
	}
	if _, err := p.Stamp(context.Background(), doc, credentials(t)); err != nil {
		t.Fatal(err)
	}
	other := inv
	other.IssuedAt = inv.IssuedAt.Add(time.Minute) // the same number signed again: other content
	doc2, err := p.Seal(context.Background(), other, credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Stamp(context.Background(), doc2, credentials(t)); err == nil || !strings.Contains(err.Error(), "E03") {
		t.Errorf("same number, other content: %v", err)
	}
	if _, err := (cfe.Profile{}).Stamp(context.Background(), doc, credentials(t)); err == nil {
		t.Error("no receiver configured, yet stamped")
	}
	if _, err := p.Cancel(context.Background(), doc, "", "02", ""); err == nil || !strings.Contains(err.Error(), "credit note") {
		t.Errorf("cancel: %v", err)
	}
}

// What a CFE cannot carry is refused, naming the item or customer and why.
func TestFromInvoiceRefuses(t *testing.T) {
	d := decimal.RequireFromString
	if _, err := cfe.FromInvoice(uyInvoice()); err != nil {
		t.Fatalf("the unchanged invoice: %v", err)
	}
	for name, c := range map[string]struct {
		change func(*fiscal.Invoice)
		want   string
	}{
		"a VAT rate DGI does not know": {func(i *fiscal.Invoice) { i.Lines[0].VATRate = d("16") }, "item SOP has VAT at 16 %"},
		"an e-Factura to a cédula":     {func(i *fiscal.Invoice) { i.Customer.TaxIDKind, i.Customer.TaxID = "national_id", "12345672" }, "customer BINALOR has no RUT"},
		"no CAE":                       {func(i *fiscal.Invoice) { i.Authorization = nil }, "has no CAE"},
		"a quantity of 4 decimals":     {func(i *fiscal.Invoice) { i.Lines[1].Quantity = d("3.5001") }, "item PAN's quantity 3.5001"},
		"a rate of 4 decimals":         {func(i *fiscal.Invoice) { i.Rate = d("39.5121") }, "exchange rate 39.5121"},
		"a total that differs":         {func(i *fiscal.Invoice) { i.Total = d("256.96") }, "differs from the invoice's 256.96"},
		"an e-Factura with no address": {func(i *fiscal.Invoice) { i.Customer.Address = "" }, "customer BINALOR has no address"},
	} {
		inv := uyInvoice()
		inv.Lines = append([]fiscal.Line(nil), inv.Lines...)
		c.change(&inv)
		if _, err := cfe.FromInvoice(inv); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// e-Tickets to each kind of receiver a ticket series gets — a cédula, a consumer who gives
// no document, a foreigner's document — and an e-Factura in pesos are valid against DGI's
// schema once sealed (Seal validates what it stores).
func TestSealReceiverKinds(t *testing.T) {
	testdb.Tool(t, "xmllint")
	ticket := func(c fiscal.Customer) fiscal.Invoice {
		inv := uyInvoice()
		inv.Authorization.DocumentType = cfe.ETicket
		inv.Customer = c
		return inv
	}
	pesos := uyInvoice()
	pesos.Currency, pesos.Rate = "UYU", decimal.NewFromInt(1)
	for name, c := range map[string]struct {
		inv  fiscal.Invoice
		want string
	}{
		"cédula":   {ticket(fiscal.Customer{Code: "ANA", Name: "Ana", TaxID: "12345672", TaxIDKind: "national_id", Country: "UY"}), "<ns0:TipoDocRecep>3</ns0:TipoDocRecep>"},
		"consumer": {ticket(fiscal.Customer{Code: "MOSTRADOR", Name: "Consumidor final", TaxIDKind: "generic", Generic: true}), "<ns0:TipoCFE>101</ns0:TipoCFE>"},
		"foreign":  {ticket(fiscal.Customer{Code: "JOHN", Name: "John Smith", TaxID: "X1234567", TaxIDKind: "foreign", Country: "AR"}), "<ns0:DocRecepExt>X1234567</ns0:DocRecepExt>"},
		"pesos":    {pesos, "<ns0:TpoMoneda>UYU</ns0:TpoMoneda>"},
	} {
		doc, err := cfe.Profile{}.Seal(context.Background(), c.inv, credentials(t))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !strings.Contains(doc.XML, c.want) {
			t.Errorf("%s: the CFE lacks %s", name, c.want)
		}
		if name == "consumer" && strings.Contains(doc.XML, "<ns0:Receptor>") {
			t.Errorf("a consumer's e-Ticket carries a receiver")
		}
		if name == "pesos" && strings.Contains(doc.XML, "TpoCambio") {
			t.Errorf("a CFE in pesos carries an exchange rate")
		}
	}
}
