package catalogs

import (
	"fmt"
	"testing"

	"github.com/beevik/etree"
)

// The catalogs kept here are SAT's catalog schema's, code for code: after SAT's schema is
// updated, `go generate ./internal/catalogs` writes them again.
func TestSATCatalogsAreTheSchemas(t *testing.T) {
	doc := etree.NewDocument()
	if err := doc.ReadFromFile("../fiscal/cfdi/sat/www.sat.gob.mx/sitio_internet/cfd/catalogos/catCFDI.xsd"); err != nil {
		t.Fatal(err)
	}
	for name, kept := range satCatalogs {
		el := doc.FindElement(fmt.Sprintf("//simpleType[@name='%s']", name))
		if el == nil {
			t.Fatalf("%s: not in SAT's schema", name)
		}
		codes := el.FindElements(".//enumeration")
		if len(codes) != len(kept) {
			t.Errorf("%s: %d codes kept, SAT's schema has %d: go generate ./internal/catalogs", name, len(kept), len(codes))
		}
		for _, c := range codes {
			if in, ok := SAT(name, c.SelectAttrValue("value", "")); !in || !ok {
				t.Errorf("%s: %q is SAT's, not kept here", name, c.SelectAttrValue("value", ""))
			}
		}
	}
	if in, ok := SAT("c_RegimenFiscal", " 601 "); !in || !ok {
		t.Error("a code is read with its spaces collapsed, as the schema's whitespace rule says")
	}
	if _, ok := SAT("c_ClaveProdServ", "01010101"); ok {
		t.Error("a catalog not kept answers ok")
	}
}
