package cfe

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/fiscal/cfdi"
	"billrun/schema/testdb"
)

func repo(t *testing.T, rel string) string { return filepath.Join(testdb.Root(t), rel) }

var uyt = time.FixedZone("UYT", -3*3600)

// The e-Ticket of DGI's test vector, as data.
func vectorTicket() Document {
	d := decimal.RequireFromString
	return Document{Tipo: ETicket, Serie: "A", Nro: 1, FchEmis: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), FmaPago: 1,
		TmstFirma: time.Date(2026, 11, 23, 9, 0, 0, 0, uyt),
		Emisor: Emisor{RUC: "219999830019", RznSoc: "EMISOR DE PRUEBA", CdgDGISucur: "1", DomFiscal: "CALLE FALSA 123",
			Ciudad: "MONTEVIDEO", Departamento: "MONTEVIDEO"},
		Receptor: Receptor{TipoDoc: DocCI, CodPais: "UY", Doc: "12345672", RznSoc: "CONSUMIDOR DE PRUEBA"},
		Moneda:   "UYU",
		Items: []Item{{IndFact: IndBasica, NomItem: "SERVICIO MENSUAL", Cantidad: d("1"), UniMed: "N/A",
			PrecioUnitario: d("1000"), MontoItem: d("1000"), IVA: d("220")}},
		CAE: CAE{ID: "90110002895", Desde: 1, Hasta: 100, Vence: time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
}

// Build writes DGI's unsigned test vector byte for byte from its data.
func TestBuildWritesTheTestVector(t *testing.T) {
	doc, err := Build(vectorTicket())
	if err != nil {
		t.Fatal(err)
	}
	got, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(repo(t, "testdata/dgi/test-vectors/eticket-101-unsigned.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != strings.TrimSpace(string(want)) {
		t.Errorf("built:\n%s\nvector:\n%s", got, want)
	}
}

// Signed, an e-Ticket and an e-Factura (exempt, minimum and basic lines, in dollars)
// validate against DGI's schema, verify with xmlsec1 against the pinned key, and with
// Verify; a changed amount does not.
func TestSignedCFEValidatesAndVerifies(t *testing.T) {
	xmllint := testdb.Tool(t, "xmllint")
	testdb.Tool(t, "xmlsec1") // the oracle script calls it
	csd, err := cfdi.LoadCSD(repo(t, "testdata/sat/csd/EKU9003173C9.cer"), repo(t, "testdata/sat/csd/EKU9003173C9.key"), []byte("12345678a"))
	if err != nil {
		t.Fatal(err)
	}
	certDER, err := os.ReadFile(repo(t, "testdata/sat/csd/EKU9003173C9.cer"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		t.Fatal(err)
	}
	d := decimal.RequireFromString
	factura := vectorTicket()
	factura.Tipo, factura.Nro, factura.Moneda, factura.TpoCambio = EFactura, 2, "USD", d("39.512")
	factura.TmstFirma = cert.NotBefore.Add(24 * time.Hour).In(uyt)
	factura.Receptor = Receptor{TipoDoc: DocRUT, CodPais: "UY", Doc: "215071660012", RznSoc: "BINALOR SOCIEDAD ANONIMA", Dir: "DE ARCO JUANA 3338", Ciudad: "MONTEVIDEO"}
	factura.Items = []Item{
		{IndFact: IndExento, NomItem: "LIBRO", Cantidad: d("2"), UniMed: "N/A", PrecioUnitario: d("15.5"), MontoItem: d("31")},
		{IndFact: IndMinima, NomItem: "PAN", Cantidad: d("3.5"), UniMed: "KG", PrecioUnitario: d("2.1"), MontoItem: d("7.35"), IVA: d("0.74")},
		{IndFact: IndBasica, NomItem: "SERVICIO", Cantidad: d("1"), UniMed: "N/A", PrecioUnitario: d("100.05"), MontoItem: d("100.05"), IVA: d("22.01")},
	}
	ticket := vectorTicket()
	ticket.TmstFirma = factura.TmstFirma
	dir := t.TempDir()
	for name, doc := range map[string]Document{"ticket": ticket, "factura": factura} {
		x, err := Build(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := Sign(x, csd.Key, certDER); err != nil {
			t.Fatal(err)
		}
		xml, err := x.WriteToString()
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name+".xml")
		if err := os.WriteFile(file, []byte(xml), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", repo(t, "internal/fiscal/cfe/xsd/CFEDGI.xsd"), file).CombinedOutput(); err != nil {
			t.Errorf("%s fails DGI's schema: %v\n%s\n%s", name, err, out, xml)
		}
		if out, err := exec.Command(repo(t, "testdata/dgi/verify-cfe-xmldsig.sh"), file, repo(t, "testdata/sat/csd/EKU9003173C9.pub.pem")).CombinedOutput(); err != nil {
			t.Errorf("%s fails xmlsec1: %v\n%s", name, err, out)
		}
		if err := Verify(xml, cert); err != nil {
			t.Errorf("%s fails Verify: %v", name, err)
		}
		if name == "factura" {
			for _, want := range []string{"<ns0:MntNoGrv>31.00</ns0:MntNoGrv>", "<ns0:MntIVATasaMin>0.74</ns0:MntIVATasaMin>",
				"<ns0:MntIVATasaBasica>22.01</ns0:MntIVATasaBasica>", "<ns0:MntTotal>161.15</ns0:MntTotal>", "<ns0:TpoCambio>39.512</ns0:TpoCambio>"} {
				if !strings.Contains(xml, want) {
					t.Errorf("e-Factura lacks %s", want)
				}
			}
			tampered := strings.Replace(xml, "<ns0:MntTotal>161.15</ns0:MntTotal>", "<ns0:MntTotal>16.15</ns0:MntTotal>", 1)
			if err := Verify(tampered, cert); err == nil {
				t.Error("a changed total verified")
			}
		}
	}
}

// Verify holds DGI's own signed sample (an e-Factura signed by DGI's test identity).
func TestVerifyDGISample(t *testing.T) {
	xml, err := os.ReadFile(repo(t, "testdata/dgi/samples/Sob_1-cfe1-111.xml"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(repo(t, "testdata/dgi/samples/dgi-ruc-prueba-cede-2016.cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(raw)
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(string(xml), cert); err != nil {
		t.Errorf("DGI's sample: %v", err)
	}
}
