package cfdi

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/schema/testdb"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// hostileInvoice has the values that break naive cadenas: accents, ñ, &, quotes, <, runs of
// spaces, tabs and newlines.
func hostileInvoice() Invoice {
	return Invoice{
		Serie: "A", Folio: 42, Fecha: time.Date(2026, 11, 23, 12, 30, 0, 0, time.UTC),
		FormaPago: "99", MetodoPago: "PPD", CondicionesDePago: "Crédito  30\tdías",
		Moneda: "USD", TipoCambio: dec("17.2345"), Decimals: 2, TipoDeComprobante: "I", LugarExpedicion: "42501",
		Emisor:   Emisor{Rfc: "EKU9003173C9", Nombre: "ESCUELA KEMPER URGATE", RegimenFiscal: "601"},
		Receptor: Receptor{Rfc: "URE180429TM6", Nombre: "  Niño & Peña \"Hermanos\" <S.A.>\n\tde   C.V. ", DomicilioFiscal: "65000", RegimenFiscal: "601", UsoCFDI: "G03"},
		SubTotal: dec("1306.00"), Descuento: dec("30.60"), Total: dec("1299.71"),
		Conceptos: []Concepto{
			{ClaveProdServ: "50202203", NoIdentificacion: "TEQ", Cantidad: dec("12"), ClaveUnidad: "H87", Unidad: "Pieza",
				Descripcion: "Tequila   añejo\t'750 ml'\n  <edición & ñandú>", ValorUnitario: dec("25.5"), Importe: dec("306.00"), Descuento: dec("30.60"),
				Traslados: []Tax{{IVA, "", dec("275.40"), dec("0.16"), dec("44.06")}, {IEPS, "", dec("275.40"), dec("0.265"), dec("72.98")}}},
			{ClaveProdServ: "80101500", Cantidad: dec("1"), ClaveUnidad: "E48", Descripcion: "Consultoría", ValorUnitario: dec("1000"), Importe: dec("1000.00"),
				Traslados:   []Tax{{IVA, "", dec("1000.00"), dec("0.16"), dec("160.00")}},
				Retenciones: []Tax{{IVA, "", dec("1000.00"), dec("0.106667"), dec("106.67")}, {ISR, "", dec("1000.00"), dec("0.10"), dec("100.00")}}},
		},
	}
}

func tool(t *testing.T, name string) string { return testdb.Tool(t, name) }

func TestCadenaEqualsSATStylesheetForHostileValues(t *testing.T) {
	doc := Build(hostileInvoice())
	csd := testCSD(t)
	cadena, err := Seal(doc, csd)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "hostile.xml")
	if err := doc.WriteToFile(p); err != nil {
		t.Fatal(err)
	}
	xslt := shared(t, "cfdi40/www.sat.gob.mx/sitio_internet/cfd/4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt")
	out, err := exec.Command(tool(t, "xsltproc"), "--nonet", xslt, p).Output()
	if err != nil {
		t.Fatalf("xsltproc: %v", err)
	}
	if string(out) != cadena {
		t.Fatalf("cadena differs from SAT's stylesheet:\n  go  %q\n  sat %q", cadena, out)
	}
	if out, err := exec.Command(tool(t, "xmllint"), "--noout", "--nonet", "--schema", shared(t, "cfdi40/entry-cfdv40.xsd"), p).CombinedOutput(); err != nil {
		t.Fatalf("XSD: %v\n%s", err, out)
	}
	if out, err := exec.Command(shared(t, "tools/verify-cfdi40-sello.sh"), p).CombinedOutput(); err != nil {
		t.Fatalf("oracle refuses the Sello: %v\n%s", err, out)
	}
	// And the oracle can fail: a changed amount after sealing breaks the Sello.
	doc.Root().CreateAttr("Total", "1299.72")
	if err := doc.WriteToFile(p); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(shared(t, "tools/verify-cfdi40-sello.sh"), p).Run(); err == nil {
		t.Fatal("the oracle accepted a tampered document")
	}
	if Verify(doc) == nil {
		t.Fatal("Verify accepted a tampered document")
	}
	_ = os.Remove(p)
}

func TestNormalizeSpace(t *testing.T) {
	for in, want := range map[string]string{
		"  a  b ": "a b", "a\t\tb\n\rc": "a b c", "": "", "ñ\u00a0x": "ñ\u00a0x", // NBSP is not XPath white space
	} {
		if got := NormalizeSpace(in); got != want {
			t.Errorf("NormalizeSpace(%q) = %q, want %q", in, got, want)
		}
	}
}
