package pacsandbox

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"

	"billrun/internal/certifier/pac"
	"billrun/internal/fiscal/cfdi"
	"billrun/schema/testdb"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// sealed is a CFDI sealed with SAT's test CSD, issued at fecha by rfc.
func sealed(t *testing.T, fecha time.Time, rfc string) string {
	t.Helper()
	return sealedWith(t, fecha, rfc, nil)
}

// sealedWith is sealed, the document changed by change before it is sealed.
func sealedWith(t *testing.T, fecha time.Time, rfc string, change func(*etree.Element)) string {
	t.Helper()
	csd, err := cfdi.LoadCSD(testdb.SAT(t, "csd/EKU9003173C9.cer"), testdb.SAT(t, "csd/EKU9003173C9.key"), []byte("12345678a"))
	if err != nil {
		t.Fatal(err)
	}
	doc := cfdi.Build(cfdi.Invoice{Serie: "A", Folio: 7, Fecha: fecha.In(mexicoCity), FormaPago: "01", MetodoPago: "PUE", Moneda: "MXN", Decimals: 2,
		TipoDeComprobante: "I", LugarExpedicion: "42501",
		Emisor:   cfdi.Emisor{Rfc: rfc, Nombre: "ESCUELA KEMPER URGATE", RegimenFiscal: "601"},
		Receptor: cfdi.Receptor{Rfc: "URE180429TM6", Nombre: "UNIVERSIDAD ROBOTICA ESPAÑOLA", DomicilioFiscal: "65000", RegimenFiscal: "601", UsoCFDI: "G03"},
		SubTotal: dec("100.00"), Total: dec("116.00"),
		Conceptos: []cfdi.Concepto{{ClaveProdServ: "50202203", Cantidad: dec("1"), ClaveUnidad: "H87", Descripcion: "Pieza", ValorUnitario: dec("100"), Importe: dec("100.00"),
			Traslados: []cfdi.Tax{{Impuesto: cfdi.IVA, Base: dec("100.00"), Rate: dec("0.16"), Importe: dec("16.00")}}}},
	})
	if change != nil {
		change(doc.Root())
	}
	if _, err := cfdi.Seal(doc, csd); err != nil {
		t.Fatal(err)
	}
	xml, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return xml
}

func start(t *testing.T, dir string) (*Server, *pac.Client) {
	t.Helper()
	s, err := New(dir, "billrun", "secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return s, &pac.Client{URL: hs.URL, User: "billrun", Password: "secret"}
}

func refusal(t *testing.T, err error, code string) {
	t.Helper()
	var r *cfdi.Refusal
	if !errors.As(err, &r) || !strings.HasPrefix(r.Message, code) {
		t.Fatalf("want a refusal %s, got %v", code, err)
	}
}

func TestSandboxStampsOnceAndTheOracleVerifiesIt(t *testing.T) {
	dir := t.TempDir()
	s, c := start(t, dir)
	xml := sealed(t, time.Now().Add(-time.Hour), "EKU9003173C9")
	st, err := c.Stamp(context.Background(), xml)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.UUID) != 36 || st.NoCertificadoSAT != CertificateNo {
		t.Fatalf("stamp %+v", st)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(st.CFDI); err != nil {
		t.Fatal(err)
	}
	if err := cfdi.VerifyStored(st.CFDI); err != nil {
		t.Fatal(err)
	}
	if err := cfdi.VerifyStamp(doc, s.Certificate()); err != nil {
		t.Fatal(err)
	}
	// The outside oracle: SAT's schema with the TFD's, SAT's stylesheets, openssl.
	p := filepath.Join(t.TempDir(), "stamped.xml")
	if err := os.WriteFile(p, []byte(st.CFDI), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(testdb.Tool(t, "xmllint"), "--noout", "--nonet", "--schema", testdb.SAT(t, "cfdi40/cfdi40-with-tfd.xsd"), p).CombinedOutput(); err != nil {
		t.Fatalf("XSD: %v\n%s", err, out)
	}
	testdb.Tool(t, "xsltproc")
	testdb.Tool(t, "openssl")
	if out, err := exec.Command(testdb.SAT(t, "tools/verify-tfd11.sh"), p, s.CertFile()).CombinedOutput(); err != nil {
		t.Fatalf("verify-tfd11.sh: %v\n%s", err, out)
	}
	if out, err := exec.Command(testdb.SAT(t, "tools/verify-cfdi40-sello.sh"), p).CombinedOutput(); err != nil {
		t.Fatalf("verify-cfdi40-sello.sh: %v\n%s", err, out)
	}

	// Again, and again after a restart: the same stamp.
	again, err := c.Stamp(context.Background(), xml)
	if err != nil || again.UUID != st.UUID {
		t.Fatalf("second stamp %s, %v; first %s", again.UUID, err, st.UUID)
	}
	s2, c2 := start(t, dir)
	third, err := c2.Stamp(context.Background(), xml)
	if err != nil || third.UUID != st.UUID || s2.Certificate().SerialNumber.Cmp(s.Certificate().SerialNumber) != 0 {
		t.Fatalf("after a restart: %s, %v", third.UUID, err)
	}
	// A stamped document is not stamped twice.
	_, err = c.Stamp(context.Background(), st.CFDI)
	refusal(t, err, "307")
}

func TestSandboxRefusesWhatAPACRefuses(t *testing.T) {
	s, c := start(t, t.TempDir())
	now := time.Now()
	good := sealed(t, now.Add(-time.Hour), "EKU9003173C9")
	tampered := strings.Replace(good, `Total="116.00"`, `Total="115.00"`, 1)
	_, err := c.Stamp(context.Background(), tampered)
	refusal(t, err, "302")
	_, err = c.Stamp(context.Background(), sealed(t, now.Add(-time.Hour), "URE180429TM6"))
	refusal(t, err, "303")
	_, err = c.Stamp(context.Background(), sealed(t, now.Add(-73*time.Hour), "EKU9003173C9"))
	refusal(t, err, "401")
	_, err = c.Stamp(context.Background(), "<not xml")
	refusal(t, err, "301")
	_, err = c.Stamp(context.Background(), strings.Replace(good, `UsoCFDI="G03"`, `UsoCFDI="ZZZ"`, 1))
	refusal(t, err, "30") // the schema (or the Sello, changed with it)
	// SAT's rules beyond the schema, sealed as they are: an exempt VAT with an amount, an
	// export to a Mexican receiver, a VAT by quota.
	for _, change := range []func(*etree.Element){
		func(r *etree.Element) {
			for _, tr := range r.FindElements("//Traslado") {
				tr.CreateAttr("TipoFactor", cfdi.Exento)
			}
		},
		func(r *etree.Element) { r.CreateAttr("Exportacion", "02") },
		func(r *etree.Element) {
			for _, tr := range r.FindElements("//Traslado") {
				tr.CreateAttr("TipoFactor", cfdi.Cuota)
			}
		},
	} {
		_, err = c.Stamp(context.Background(), sealedWith(t, now.Add(-time.Hour), "EKU9003173C9", change))
		refusal(t, err, "CFDI40")
	}
	// Outside the certificate's validity (SAT's test CSD ends 2027-05-18).
	s.Now = func() time.Time { return time.Date(2027, 6, 1, 12, 0, 0, 0, mexicoCity) }
	_, err = c.Stamp(context.Background(), sealed(t, time.Date(2027, 6, 1, 11, 0, 0, 0, mexicoCity), "EKU9003173C9"))
	refusal(t, err, "305")
}

func TestClientAuthenticationAndOutages(t *testing.T) {
	_, c := start(t, t.TempDir())
	c.Password = "wrong"
	_, err := c.Stamp(context.Background(), "<x/>")
	refusal(t, err, "the PAC refused billrun's user")
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("the error shows the password: %v", err)
	}
	// A PAC failing on its side, or unreachable, is transient: no Refusal.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"error","message":"mantenimiento"}`))
	}))
	defer down.Close()
	var r *cfdi.Refusal
	if _, err := (&pac.Client{URL: down.URL, User: "u", Password: "p"}).Stamp(context.Background(), "<x/>"); err == nil || errors.As(err, &r) {
		t.Fatalf("a PAC in maintenance: %v", err)
	}
	down.Close()
	if _, err := (&pac.Client{URL: down.URL, User: "u", Password: "p"}).Stamp(context.Background(), "<x/>"); err == nil || errors.As(err, &r) {
		t.Fatalf("an unreachable PAC: %v", err)
	}
}

func TestClientAsksForANewTokenWhenItExpires(t *testing.T) {
	s, c := start(t, t.TempDir())
	xml := sealed(t, time.Now().Add(-time.Hour), "EKU9003173C9")
	if _, err := c.Stamp(context.Background(), xml); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.tokens = map[string]bool{} // the PAC forgot every token
	s.mu.Unlock()
	if _, err := c.Stamp(context.Background(), xml); err != nil {
		t.Fatal(err)
	}
}
