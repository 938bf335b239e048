package cfdi

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

func TestSATSamplesPassTheEmbeddedSchemaAndVerify(t *testing.T) {
	for _, f := range []string{"samples/cfdiutils-cfdi40-valid.xml", "samples/derived-cfdi40-valid-unstamped.xml", "test-vectors/cfdi40/cfdi40-valid.resealed.xml"} {
		raw, err := os.ReadFile(shared(t, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyStored(string(raw)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestSchemaNamesWhatIsWrong(t *testing.T) {
	sealed := func() *etree.Document {
		doc := Build(hostileInvoice())
		if _, err := Seal(doc, testCSD(t)); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	if probs := cfdiSchema.Validate(sealed().Root()); len(probs) > 0 {
		t.Fatalf("a good document: %v", probs)
	}
	for _, c := range []struct {
		name   string
		change func(*etree.Element)
		want   string
	}{
		{"zero base", func(r *etree.Element) {
			r.FindElement("Conceptos/Concepto/Impuestos/Traslados/Traslado").CreateAttr("Base", "0.00")
		}, "@Base: \"0.00\" is less than 0.000001"},
		{"RFC", func(r *etree.Element) { r.SelectElement("Receptor").CreateAttr("Rfc", "ure180429tm6") }, "Receptor@Rfc"},
		{"regime", func(r *etree.Element) { r.SelectElement("Receptor").CreateAttr("RegimenFiscalReceptor", "999") }, "catalog"},
		{"pipe", func(r *etree.Element) { r.SelectElement("Receptor").CreateAttr("Nombre", "A|B") }, "pattern"},
		{"long name", func(r *etree.Element) { r.SelectElement("Receptor").CreateAttr("Nombre", strings.Repeat("x", 301)) }, "Receptor@Nombre"},
		{"postal code", func(r *etree.Element) { r.SelectElement("Receptor").CreateAttr("DomicilioFiscalReceptor", "6500") }, "DomicilioFiscalReceptor"},
		{"decimals", func(r *etree.Element) { r.CreateAttr("Total", "1299.7100001") }, "@Total"},
		{"unknown attribute", func(r *etree.Element) { r.CreateAttr("Color", "red") }, "@Color: not an attribute"},
		{"missing attribute", func(r *etree.Element) { r.RemoveAttr("Moneda") }, "@Moneda: required"},
		{"missing element", func(r *etree.Element) { r.RemoveChild(r.SelectElement("Receptor")) }, "/Receptor: required"},
		{"order", func(r *etree.Element) { e := r.SelectElement("Emisor"); r.RemoveChild(e); r.AddChild(e) }, "/Emisor: out of the schema's order"},
	} {
		doc := sealed()
		c.change(doc.Root())
		probs := strings.Join(cfdiSchema.Validate(doc.Root()), "; ")
		if !strings.Contains(probs, c.want) {
			t.Errorf("%s: problems %q do not say %q", c.name, probs, c.want)
		}
	}
}

// The embedded schema reader must agree with xmllint reading SAT's XSD: random mutations of
// a good document, each judged by both.
func TestSchemaAgreesWithXmllint(t *testing.T) {
	xmllint := tool(t, "xmllint")
	values := []string{"", "0", "0.00", "0.000001", "-1", "1.5", "12.345678", "1e3", " 12 ", "abc", "A|B", "601", "616", "999", "G03", "S01",
		"PPD", "PUE", "99", "01", "02", "Tasa", "Exento", "Cuota", "0.160000", "0.16", "002", "004", "MXN", "USD", "XXX", "65000", "6500", "A1234",
		"URE180429TM6", "XAXX010101000", "EKU9003173C9", "ure180429tm6", "AAA01013AAA1", "2026-11-23T12:30:00", "2026-13-01T00:00:00", "2026-11-23",
		"I", "E", "T", "X", "4.0", "3.3", "H87", "E48", "ZZZ", strings.Repeat("ñ", 300), strings.Repeat("ñ", 301), "50202203", "5020220", "1.0000", "01/02"}
	rng := rand.New(rand.NewSource(7))
	dir := t.TempDir()
	var files []string
	want := map[string][]string{}
	for i := 0; i < 300; i++ {
		doc := Build(hostileInvoice())
		if _, err := Seal(doc, testCSD(t)); err != nil {
			t.Fatal(err)
		}
		var all []*etree.Element
		var walk func(*etree.Element)
		walk = func(e *etree.Element) {
			all = append(all, e)
			for _, c := range e.ChildElements() {
				walk(c)
			}
		}
		walk(doc.Root())
		for n := 1 + rng.Intn(2); n > 0; n-- {
			e := all[rng.Intn(len(all))]
			switch k := rng.Intn(10); {
			case k < 7 && len(e.Attr) > 0:
				a := e.Attr[rng.Intn(len(e.Attr))]
				if a.Space == "xmlns" || a.Space == "xsi" {
					continue
				}
				e.CreateAttr(a.Key, values[rng.Intn(len(values))])
			case k == 7 && len(e.Attr) > 0:
				if a := e.Attr[rng.Intn(len(e.Attr))]; a.Space == "" {
					e.RemoveAttr(a.Key)
				}
			case k == 8 && e != doc.Root():
				e.Parent().RemoveChild(e)
			default:
				e.CreateAttr([]string{"Exportacion", "Descuento", "Unidad", "Base", "Foo"}[rng.Intn(5)], values[rng.Intn(len(values))])
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("m%03d.xml", i))
		if err := doc.WriteToFile(p); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
		want[p] = cfdiSchema.Validate(doc.Root())
	}
	out, _ := exec.Command(xmllint, append([]string{"--noout", "--nonet", "--schema", shared(t, "cfdi40/entry-cfdv40.xsd")}, files...)...).CombinedOutput()
	verdict := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if f, ok := strings.CutSuffix(line, " validates"); ok {
			verdict[f] = true
		} else if f, ok := strings.CutSuffix(line, " fails to validate"); ok {
			verdict[f] = false
		}
	}
	valid := 0
	for _, p := range files {
		v, ok := verdict[p]
		if !ok {
			t.Fatalf("xmllint said nothing about %s:\n%s", p, out)
		}
		if v {
			valid++
		}
		if v != (len(want[p]) == 0) {
			raw, _ := os.ReadFile(p)
			t.Errorf("%s: xmllint valid=%v, ours %q\n%s", p, v, want[p], grep(string(out), p))
			_ = raw
		}
	}
	if valid == 0 || valid == len(files) {
		t.Fatalf("%d of %d mutations valid: the mutations do not exercise both verdicts", valid, len(files))
	}
	t.Logf("%d of %d mutated documents valid; both validators agree", valid, len(files))
}

func grep(out, file string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, file) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
