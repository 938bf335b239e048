package cfdi

import (
	"os"
	"testing"
	"time"

	"github.com/beevik/etree"

	"billrun/schema/testdb"
)

func shared(t testing.TB, rel string) string { return testdb.SAT(t, rel) }

func testCSD(t *testing.T) *CSD {
	t.Helper()
	csd, err := LoadCSD(shared(t, "csd/EKU9003173C9.cer"), shared(t, "csd/EKU9003173C9.key"), []byte("12345678a"))
	if err != nil {
		t.Fatal(err)
	}
	return csd
}

func readDoc(t *testing.T, p string) *etree.Document {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(p); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSealGivesSATVectorSello(t *testing.T) {
	doc := readDoc(t, shared(t, "test-vectors/cfdi40/cfdi40-valid.unsealed.xml"))
	cadena, err := Seal(doc, testCSD(t))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(shared(t, "test-vectors/cfdi40/cfdi40-valid.resealed.xml.cadena.txt"))
	if cadena != string(want) {
		t.Fatalf("cadena\n got %s\nwant %s", cadena, want)
	}
	sealed := readDoc(t, shared(t, "test-vectors/cfdi40/cfdi40-valid.resealed.xml"))
	if got, want := doc.Root().SelectAttrValue("Sello", ""), sealed.Root().SelectAttrValue("Sello", "x"); got != want {
		t.Fatalf("Sello differs from the vector:\n got %s\nwant %s", got, want)
	}
	if got := doc.Root().SelectAttrValue("NoCertificado", ""); got != "30001000000500003416" {
		t.Fatalf("NoCertificado %q", got)
	}
	if err := Verify(doc); err != nil {
		t.Fatal(err)
	}
}

func TestLoadCSDRefusesBadKeyMaterial(t *testing.T) {
	cer, key := shared(t, "csd/EKU9003173C9.cer"), shared(t, "csd/EKU9003173C9.key")
	if _, err := LoadCSD(cer, key, []byte("wrong")); err == nil {
		t.Error("wrong password accepted")
	}
	if _, err := LoadCSD(cer, key, nil); err == nil {
		t.Error("missing password accepted")
	}
	if _, err := LoadCSD(shared(t, "csd/tfd-certs/30001000000500003456.cer"), key, []byte("12345678a")); err == nil {
		t.Error("a key of another certificate accepted")
	}
	csd := testCSD(t)
	if err := csd.ValidAt(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("expired certificate accepted")
	}
	if err := csd.ValidAt(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("valid certificate refused: %v", err)
	}
}

func BenchmarkLoadCSD(b *testing.B) {
	t := &testing.T{}
	cer, key := shared(t, "csd/EKU9003173C9.cer"), shared(t, "csd/EKU9003173C9.key")
	for b.Loop() {
		if _, err := LoadCSD(cer, key, []byte("12345678a")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	csd, err := LoadCSD(shared(&testing.T{}, "csd/EKU9003173C9.cer"), shared(&testing.T{}, "csd/EKU9003173C9.key"), []byte("12345678a"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Seal(Build(hostileInvoice()), csd); err != nil {
			b.Fatal(err)
		}
	}
}
