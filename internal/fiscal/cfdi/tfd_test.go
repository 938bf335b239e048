package cfdi

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A real stamped sample: its TimbreFiscalDigital verifies with the PAC certificate, its
// cadena is what SAT's TFD stylesheet makes, and a tampered stamp does not verify.
func TestVerifyStampOfAStampedSample(t *testing.T) {
	doc := readDoc(t, shared(t, "samples/cfdiutils-cfdi40-valid.xml"))
	der, err := os.ReadFile(shared(t, "csd/tfd-certs/30001000000500003456.cer"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyStamp(doc, cert); err != nil {
		t.Fatal(err)
	}
	if UUIDOf(doc) == "" {
		t.Fatal("no UUID")
	}
	if err := Verify(doc); err != nil {
		t.Fatalf("the Sello of a stamped document: %v", err)
	}
	tfd := FindStamp(doc)
	// SAT's stylesheet reads the TFD alone, as the oracle does.
	xsltproc := tool(t, "xsltproc")
	extracted, err := exec.Command(xsltproc, "--nonet", shared(t, "tools/extract-tfd.xslt"), shared(t, "samples/cfdiutils-cfdi40-valid.xml")).Output()
	if err != nil {
		t.Fatalf("xsltproc: %v", err)
	}
	p := filepath.Join(t.TempDir(), "tfd.xml")
	if err := os.WriteFile(p, extracted, 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := exec.Command(xsltproc, "--nonet", shared(t, "cfdi40/entry-cadenaoriginal_TFD_1_1.xslt"), p).Output()
	if err != nil {
		t.Fatalf("xsltproc: %v", err)
	}
	if got := CadenaTFD(tfd); got != string(want) {
		t.Fatalf("cadena TFD\n got %q\nwant %q", got, want)
	}
	tfd.CreateAttr("FechaTimbrado", "2025-02-19T08:32:30")
	if VerifyStamp(doc, cert) == nil {
		t.Fatal("a changed stamp verified")
	}
}
