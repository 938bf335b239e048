package cfdi

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
	"billrun/internal/printout"
	"billrun/internal/rules"
)

// randomFactorInvoice is an invoice of 1–5 lines priced by billrun's own pricing: VAT
// 16/8/0 % or exempt, IEPS at 26.5 % or by quota (an amount per unit), some withholdings
// and discounts; to a Mexican receiver, or to a foreign one as an export.
func randomFactorInvoice(r *rand.Rand, n int) fiscal.Invoice {
	inv := fiscal.Invoice{Series: "A", Number: int64(n), DocumentKind: "invoice", Currency: "MXN", Rate: decimal.NewFromInt(1), Decimals: 2,
		Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), IssuedAt: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC),
		Terms:    fiscal.Terms{Kind: "credit", Days: 30, FormaPago: "99", MetodoPago: "PPD"},
		Issuer:   fiscal.Issuer{TaxID: "EKU9003173C9", Name: "ESCUELA KEMPER URGATE", Regime: "601", PostalCode: "42501"},
		Customer: fiscal.Customer{Code: "URE", Name: "UNIVERSIDAD ROBOTICA ESPAÑOLA", TaxID: "URE180429TM6", TaxIDKind: "tax_registration", Regime: "601", PostalCode: "86991", Use: "G03"}}
	if r.IntN(3) == 0 {
		inv.Customer = fiscal.Customer{Code: "ACME", Name: "Acme Imports LLC", TaxID: fmt.Sprintf("%09d", 100000000+r.IntN(899999999)), TaxIDKind: "foreign",
			FiscalResidence: []string{"USA", "CAN", "DEU"}[r.IntN(3)], Export: r.IntN(4) != 0}
	}
	policy := rules.PricingPolicy{VATOnExcise: r.IntN(2) == 0}
	var priced []rules.LineAmounts
	for i := range 1 + r.IntN(5) {
		tax := rules.TaxProfile{}
		switch r.IntN(4) {
		case 0, 1:
			v := []decimal.Decimal{dec("16"), dec("8"), dec("0")}[r.IntN(3)]
			tax.VATRate = &v
		default:
			tax.VATExempt = true
		}
		switch r.IntN(3) {
		case 0:
			tax.ExciseQuota = []decimal.Decimal{dec("1.6451"), dec("0.5911"), dec("6.4555"), dec("0.000001")}[r.IntN(4)]
		case 1:
			tax.ExciseRate = dec("26.5")
		}
		if r.IntN(5) == 0 {
			tax.VATWithholdingRate, tax.ISRWithholdingRate = dec("10.6667"), dec("10")
		}
		qty := decimal.New(int64(1+r.IntN(50_000)), -int32(r.IntN(3)))
		in := rules.LineInput{Item: fmt.Sprintf("IT%d", i), Quantity: qty, UnitPrice: decimal.New(int64(1+r.IntN(1_000_000)), -3), Tax: tax}
		if r.IntN(3) == 0 {
			in.DiscountPct = decimal.New(int64(r.IntN(9000)), -2)
		}
		a, err := rules.PriceLine(in, 2, policy)
		if err != nil {
			panic(fmt.Sprintf("%+v: %v", in, err))
		}
		priced = append(priced, a)
		inv.Lines = append(inv.Lines, fiscal.Line{Item: in.Item, Description: "Artículo " + in.Item, ProductCode: "50202300", UnitCode: "LTR", UnitName: "Litro",
			Quantity: qty, UnitPrice: in.UnitPrice, Amount: a.Amount, Discount: a.Discount, Subtotal: a.Subtotal,
			VATRate: a.VATRate, VATExempt: a.VATExempt, VATBase: a.VATBase, VAT: a.VAT, ExciseRate: a.ExciseRate, ExciseQuota: a.ExciseQuota, Excise: a.Excise,
			VATWithholdingRate: a.VATWithholdingRate, VATWithheld: a.VATWithheld, ISRWithholdingRate: a.ISRWithholdingRate, ISRWithheld: a.ISRWithheld})
	}
	tot := rules.SumLines(priced)
	inv.Amount, inv.Discount, inv.Subtotal, inv.VAT, inv.Excise, inv.VATWithheld, inv.ISRWithheld, inv.Total =
		tot.Amount, tot.Discount, tot.Subtotal, tot.VAT, tot.Excise, tot.VATWithheld, tot.ISRWithheld, tot.Total
	return inv
}

// Randomized invoices with IEPS by quota, VAT-exempt items and exports give CFDI that SAT's
// schema accepts, whose cadena is SAT's stylesheet's and whose Sello verifies with
// openssl; each concept states its factor as SAT says (Cuota: the quota to 6 decimals on
// the quantity; Exento: a base, no rate, no amount, still ObjetoImp 02), the totals are
// grouped by tax, factor and rate, and TotalImpuestosTrasladados is the invoice's VAT and
// IEPS — absent when everything is exempt.
func TestInvoicesWithQuotaExemptAndExport(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 27))
	csd := testCSD(t)
	for round := range 16 {
		inv := randomFactorInvoice(r, round+1)
		in, err := FromInvoice(inv)
		if err != nil {
			t.Fatal(err)
		}
		doc := Build(in)
		if probs := CheckRules(doc.Root()); len(probs) > 0 {
			t.Fatalf("round %d: %v", round, probs)
		}
		cadena, err := Seal(doc, csd)
		if err != nil {
			t.Fatal(err)
		}
		xml, err := doc.WriteToString()
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyStored(xml); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, xml)
		}
		checkFactorsAsPriced(t, round, doc, inv)
		if !testing.Short() {
			oracle(t, fmt.Sprint("round ", round), doc, cadena)
		}
	}
}

// checkFactorsAsPriced reads the document back against the priced lines.
func checkFactorsAsPriced(t *testing.T, round int, doc *etree.Document, inv fiscal.Invoice) {
	t.Helper()
	root := doc.Root()
	wantExp := "01"
	if inv.Customer.Export {
		wantExp = "02"
	}
	re := root.SelectElement("Receptor")
	if root.SelectAttrValue("Exportacion", "") != wantExp {
		t.Fatalf("round %d: Exportacion %s, want %s", round, root.SelectAttrValue("Exportacion", ""), wantExp)
	}
	if inv.Customer.TaxIDKind == "foreign" && (re.SelectAttrValue("Rfc", "") != RFCForeign || re.SelectAttrValue("ResidenciaFiscal", "") != inv.Customer.FiscalResidence ||
		re.SelectAttrValue("NumRegIdTrib", "") != inv.Customer.TaxID || re.SelectAttrValue("UsoCFDI", "") != "S01" || re.SelectAttrValue("RegimenFiscalReceptor", "") != "616" ||
		re.SelectAttrValue("DomicilioFiscalReceptor", "") != "42501") {
		t.Fatalf("round %d: foreign receiver written as %v", round, re.Attr)
	}
	charged := inv.VAT.Add(inv.Excise)
	anyCharged := false
	for i, c := range root.FindElements("Conceptos/Concepto") {
		l := inv.Lines[i]
		if c.SelectAttrValue("ObjetoImp", "") != "02" {
			t.Fatalf("round %d concept %d: ObjetoImp %s", round, i, c.SelectAttrValue("ObjetoImp", ""))
		}
		for _, tr := range c.FindElements("Impuestos/Traslados/Traslado") {
			f, imp := tr.SelectAttrValue("TipoFactor", ""), tr.SelectAttrValue("Impuesto", "")
			switch {
			case imp == IVA && l.VATExempt:
				if f != Exento || tr.SelectAttr("TasaOCuota") != nil || tr.SelectAttr("Importe") != nil || tr.SelectAttrValue("Base", "") != l.VATBase.StringFixed(2) {
					t.Fatalf("round %d concept %d: exempt VAT written as %v", round, i, tr.Attr)
				}
			case imp == IEPS && l.ExciseQuota.IsPositive():
				anyCharged = true
				if f != Cuota || tr.SelectAttrValue("TasaOCuota", "") != l.ExciseQuota.StringFixed(6) || tr.SelectAttrValue("Base", "") != l.Quantity.StringFixed(2) ||
					tr.SelectAttrValue("Importe", "") != l.Excise.StringFixed(2) {
					t.Fatalf("round %d concept %d: IEPS by quota %s on %s written as %v", round, i, l.ExciseQuota, l.Quantity, tr.Attr)
				}
			default:
				anyCharged = true
				if f != Tasa {
					t.Fatalf("round %d concept %d: %s written as %s", round, i, imp, f)
				}
			}
		}
	}
	tot := root.SelectElement("Impuestos")
	switch {
	case anyCharged && (tot == nil || tot.SelectAttrValue("TotalImpuestosTrasladados", "") != charged.StringFixed(2)):
		t.Fatalf("round %d: TotalImpuestosTrasladados is not the invoice's VAT and IEPS %s", round, charged)
	case !anyCharged && tot != nil && tot.SelectAttr("TotalImpuestosTrasladados") != nil:
		t.Fatalf("round %d: TotalImpuestosTrasladados with every tax exempt", round)
	}
}

// oracle holds a sealed document to SAT's own tools: its stylesheet, its schema, openssl.
func oracle(t *testing.T, what string, doc *etree.Document, cadena string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.xml")
	if err := doc.WriteToFile(p); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool(t, "xsltproc"), "--nonet", shared(t, "cfdi40/www.sat.gob.mx/sitio_internet/cfd/4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt"), p).Output()
	if err != nil || string(out) != cadena {
		t.Fatalf("%s: cadena differs from SAT's stylesheet (%v):\n  go  %q\n  sat %q", what, err, cadena, out)
	}
	if out, err := exec.Command(tool(t, "xmllint"), "--noout", "--nonet", "--schema", shared(t, "cfdi40/cfdi40-with-tfd.xsd"), p).CombinedOutput(); err != nil {
		t.Fatalf("%s: SAT's XSD: %v\n%s", what, err, out)
	}
	if out, err := exec.Command(shared(t, "tools/verify-cfdi40-sello.sh"), p).CombinedOutput(); err != nil {
		t.Fatalf("%s: the oracle refuses the Sello: %v\n%s", what, err, out)
	}
}

// A document whose taxes are all exempt has no TotalImpuestosTrasladados and its concept
// is still a tax object (02); SAT's rules the schema cannot check are named when broken.
func TestCheckRulesNamesBrokenFactorsAndExports(t *testing.T) {
	inv := fiscal.Invoice{Series: "A", Number: 1, Currency: "MXN", Decimals: 2, IssuedAt: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC),
		Terms:    fiscal.Terms{FormaPago: "03", MetodoPago: "PUE"},
		Issuer:   fiscal.Issuer{TaxID: "EKU9003173C9", Name: "ESCUELA KEMPER URGATE", Regime: "601", PostalCode: "42501"},
		Customer: fiscal.Customer{Code: "ACME", Name: "Acme Imports LLC", TaxID: "123456789", TaxIDKind: "foreign", FiscalResidence: "USA", Export: true},
		Amount:   dec("850"), Subtotal: dec("850"), Total: dec("850"),
		Lines: []fiscal.Line{{Item: "CONSULTA", Description: "Consulta", ProductCode: "85121800", UnitCode: "E48", Quantity: dec("1"), UnitPrice: dec("850"),
			Amount: dec("850"), Subtotal: dec("850"), VATExempt: true, VATBase: dec("850")}}}
	in, err := FromInvoice(inv)
	if err != nil {
		t.Fatal(err)
	}
	doc := Build(in)
	if probs := CheckRules(doc.Root()); len(probs) > 0 {
		t.Fatalf("a right document: %v", probs)
	}
	root := doc.Root()
	if c := root.FindElement("Conceptos/Concepto"); c.SelectAttrValue("ObjetoImp", "") != "02" {
		t.Fatal("an exempt concept is not ObjetoImp 02")
	}
	if root.FindElement("Impuestos").SelectAttr("TotalImpuestosTrasladados") != nil || root.FindElement("Impuestos/Traslados/Traslado").SelectAttr("Importe") != nil {
		t.Fatalf("all exempt, yet totals state an amount")
	}
	for _, c := range []struct {
		name   string
		break_ func(r *etree.Element)
		want   string
	}{
		{"exempt with an amount", func(r *etree.Element) {
			r.FindElement("Conceptos/Concepto/Impuestos/Traslados/Traslado").CreateAttr("Importe", "0.00")
		}, "is Exento and states"},
		{"total stated", func(r *etree.Element) { r.FindElement("Impuestos").CreateAttr("TotalImpuestosTrasladados", "0.00") }, "with no Tasa or Cuota"},
		{"export without tax id", func(r *etree.Element) { r.FindElement("Receptor").RemoveAttr("NumRegIdTrib") }, "Exportacion 02"},
		{"VAT by quota", func(r *etree.Element) {
			for _, tr := range r.FindElements("//Traslado") {
				tr.CreateAttr("TipoFactor", Cuota)
				tr.CreateAttr("TasaOCuota", "1.000000")
				tr.CreateAttr("Importe", "850.00")
			}
		}, "only IEPS is"},
		{"base off the concepts'", func(r *etree.Element) { r.FindElement("Impuestos/Traslados/Traslado").CreateAttr("Base", "851.00") }, "its concepts' sum"},
		{"foreign receiver elsewhere", func(r *etree.Element) { r.FindElement("Receptor").CreateAttr("DomicilioFiscalReceptor", "06000") }, "is the LugarExpedicion"},
	} {
		d := Build(in)
		c.break_(d.Root())
		probs := CheckRules(d.Root())
		if !strings.Contains(strings.Join(probs, "; "), c.want) {
			t.Errorf("%s: %v, want one saying %q", c.name, probs, c.want)
		}
	}
}

// The printout names each tax's factor: a quota as the amount per unit, an exemption by its
// base (not as VAT at 0 %), and an export's receiver with its residence and tax id.
func TestPrintoutNamesTheFactors(t *testing.T) {
	inv := fiscal.Invoice{Series: "A", Number: 9, Currency: "MXN", Decimals: 2, IssuedAt: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC),
		Terms:    fiscal.Terms{FormaPago: "03", MetodoPago: "PUE"},
		Issuer:   fiscal.Issuer{TaxID: "EKU9003173C9", Name: "ESCUELA KEMPER URGATE", Regime: "601", PostalCode: "42501"},
		Customer: fiscal.Customer{Code: "ACME", Name: "Acme Imports LLC", TaxID: "123456789", TaxIDKind: "foreign", FiscalResidence: "USA", Export: true},
		Amount:   dec("3070"), Subtotal: dec("3070"), Total: dec("3267.41"),
		Lines: []fiscal.Line{
			{Item: "REFRESCO", Description: "Refresco", ProductCode: "50202300", UnitCode: "LTR", Quantity: dec("120"), UnitPrice: dec("18.50"),
				Amount: dec("2220"), Subtotal: dec("2220"), VATRate: dec("0"), VATBase: dec("2417.41"), ExciseQuota: dec("1.6451"), Excise: dec("197.41")},
			{Item: "CONSULTA", Description: "Consulta", ProductCode: "85121800", UnitCode: "E48", Quantity: dec("1"), UnitPrice: dec("850"),
				Amount: dec("850"), Subtotal: dec("850"), VATExempt: true, VATBase: dec("850")}}}
	in, err := FromInvoice(inv)
	if err != nil {
		t.Fatal(err)
	}
	v := printView(Build(in), inv)
	if _, err := printout.Render(v); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(v.Totals, v.Customer.Details, v.Header)
	for _, want := range []string{"[IEPS cuota 1.6451 por unidad 197.41]", "[IVA exento base 850.00]", "[IVA 0 % 0.00]",
		"Residencia fiscal USA, registro tributario 123456789", "Definitiva con clave A1"} {
		if !strings.Contains(got, want) {
			t.Errorf("the printout lacks %q: %s", want, got)
		}
	}
}
