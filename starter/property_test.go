package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
	"billrun/internal/importfmt"
	"billrun/internal/model"
)

// Issue 10's "done when": randomized invoices of every kind — discounts up to 100 %, amounts
// that round to nothing, hostile names and descriptions, foreign currencies with and without
// decimals, VAT, IEPS and withholdings — are XSD-valid, Sello-verified and TFD-verified
// by SAT's own schema and stylesheets, with every amount recomputed from the XML; and data
// no CFDI can carry is refused at import, naming the record and the field.
func TestRandomInvoicesAreValidStampedCFDI(t *testing.T) {
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("BILLRUN_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (BILLRUN_SEED=%d reproduces it)", seed, seed)
	rng := rand.New(rand.NewSource(seed))
	h := newHarness(t, true)
	date := fiscal.Today("MX", time.Now())

	// What no CFDI can carry is refused, whole file, each with its record and field.
	bad := randomDataset(rng, date, 0)
	bad.Customers = append(bad.Customers,
		importfmt.Customer{Code: "X1", Name: "Control\u0001Char", TaxIDKind: "national_id", PaymentTerms: "CASH"},
		importfmt.Customer{Code: "X2", Name: "Non-character\uFFFF", TaxIDKind: "national_id", PaymentTerms: "CASH"},
		importfmt.Customer{Code: "X3", Name: "Pipe | Name", TaxIDKind: "national_id", PaymentTerms: "CASH"},
		importfmt.Customer{Code: "X4", Name: strings.Repeat("N", 50<<20), TaxIDKind: "national_id", PaymentTerms: "CASH"},
		importfmt.Customer{Code: "X5", Name: "Bad RFC", TaxID: "URE181301TM6", TaxIDKind: "tax_registration", PaymentTerms: "CASH",
			FiscalRegime: "601", PostalCode: "65000", CFDIUse: "G03"},
		importfmt.Customer{Code: "X6", Name: "Bad data", TaxIDKind: "national_id", PaymentTerms: "CASH", PostalCode: "6500", Email: "a@b@c", CFDIUse: "G99"})
	out, err := h.run("import", writeTemp(t, mustJSON(t, bad)))
	if err == nil {
		t.Fatal("a dataset with hostile customers was imported")
	}
	out += err.Error()
	first := len(bad.Customers) - 6
	for _, w := range []struct {
		x    int
		says string
	}{{1, "name: has the character U+0001"}, {2, "name: has the character U+FFFF"}, {3, `name: has a "|"`},
		{4, "name: has 52428800 characters"}, {5, `tax_id: "URE181301TM6" is not an RFC`},
		{6, "postal_code: \"6500\" is not a postal code"}, {6, "email: \"a@b@c\" is not an e-mail address"}, {6, "cfdi_use: \"G99\" is not in SAT's catalog"}} {
		if want := fmt.Sprintf("customers[%d] (X%d): %s", first+w.x-1, w.x, w.says); !strings.Contains(out, want) {
			t.Errorf("the import does not say %q:\n%.2000s", want, out)
		}
	}
	if c := h.int(`select count(*) from customers`); c != 0 {
		t.Fatalf("a refused import wrote %d customers", c)
	}

	// Everything else goes through the whole pipeline.
	d := randomDataset(rng, date, 60)
	h.importJSON(mustJSON(t, d))
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--id", h.batchID("RANDOM"), "--orders", "1-1000", "--series", "A", "--date", date, "--wait")
	if sum.Failed != 0 || sum.Pending != 0 || sum.Unsealed != 0 || sum.Completed == 0 || sum.Stamped != sum.Completed || sum.Printed != sum.Completed {
		var rep model.Report
		h.runJSON(&rep, "batch", "report", sum.BatchID)
		t.Fatalf("summary %+v\nreport %+v", sum, rep)
	}
	if !strings.Contains(sum.RateSource, "exchange_rates") {
		t.Errorf("rate source %q", sum.RateSource)
	}
	h.checkBooks()
	h.checkFiscal(sum.BatchID)
	checked := h.recompute(sum.BatchID, d)
	t.Logf("%d random invoices (%d lines, %d zero-base concepts, %d in foreign currencies, %d exports; %d IEPS by quota, %d exempt VAT) valid, stamped and recomputed to the cent",
		sum.Completed, checked.lines, checked.zeroBase, checked.foreign, checked.exports, checked.cuota, checked.exento)

	// Credit notes on them (issue 11): a random return or rebate on a random line of up to
	// 12 invoices. Each is an egreso that passes SAT's schema and both oracles, related to its
	// invoice; a request the line cannot take (its amount rounds to nothing, a 100 % discount)
	// is refused with nothing written; no line is ever credited past what it billed.
	h.waitFor("the batch published", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and status = 'completed' and fiscal_status <> 'pdf'`, sum.BatchID) == 0
	})
	ids := []int64{}
	rows, err := h.db.Query(context.Background(), `select id from invoices where batch_id = $1 and status = 'completed' order by random() limit 12`, sum.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	issued, refused := 0, 0
	for _, id := range ids {
		line := h.int(`select line_no from invoice_lines where invoice_id = $1 order by random() limit 1`, id)
		qty := decimal.RequireFromString(h.str(`select quantity::text from invoice_lines where invoice_id = $1 and line_no = $2`, id, line))
		args := []string{"invoice", "rebate", fmt.Sprint(id), "--line", fmt.Sprint(line), "--percent", fmt.Sprint(1 + rng.Intn(100)), "--date", date, "--wait"}
		if rng.Intn(2) == 0 {
			part := qty.Mul(decimal.NewFromInt(int64(1 + rng.Intn(100)))).Div(decimal.NewFromInt(100)).Truncate(4)
			if !part.IsPositive() {
				part = qty
			}
			args = []string{"invoice", "return", fmt.Sprint(id), "--line", fmt.Sprint(line), "--qty", part.String(), "--date", date, "--wait"}
		}
		before := h.int(`select count(*) from invoices where credit_of is not null`)
		out, err := h.run(append(args, "--json")...)
		if err != nil {
			// Refused: nothing to credit, or a return of part of a unit of a line with IEPS by
			// quota (its CFDI Base, the quantity, holds the currency's decimals).
			if !strings.Contains(err.Error(), "credits nothing") && !strings.Contains(err.Error(), "rounds to 0") &&
				!strings.Contains(err.Error(), "has an excise by quota and quantity") {
				t.Errorf("%v: %v\n%s", args, err, out)
			}
			if n := h.int(`select count(*) from invoices where credit_of is not null`); n != before {
				t.Errorf("a refused credit note wrote %d rows", n-before)
			}
			refused++
			continue
		}
		var cn model.InvoiceView
		if err := json.Unmarshal([]byte(out), &cn); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if cn.Status != "completed" || cn.FiscalStatus != "pdf" || cn.UUID == "" {
			t.Errorf("%v: credit note %+v", args, cn)
			continue
		}
		relation := map[string]string{"return": "03", "rebate": "01"}[cn.CreditKind]
		h.checkCreditNoteCFDI(cn.ID, id, relation, "")
		issued++
	}
	if n := h.int(`select count(*) from invoice_lines l join (select cl.source_id, sum(cl.total) t from invoice_lines cl
		where cl.source_kind = 'invoice_line' group by cl.source_id) c on c.source_id = l.id where c.t > l.total`); n != 0 {
		t.Errorf("%d lines credited past what they billed", n)
	}
	h.checkBooks()
	t.Logf("%d random credit notes valid and stamped, %d requests refused (nothing to credit)", issued, refused)
}

type recomputed struct{ lines, zeroBase, foreign, cuota, exento, exports int }

// recompute checks every amount of every stored CFDI of the batch from the XML alone, the way
// SAT's validation does: each concept's Importe is Cantidad × ValorUnitario, each tax's Importe
// its Base × rate, the document's totals the sums of its concepts, its TipoCambio the imported
// rate; and the document's Total is the stored invoice's.
func (h *harness) recompute(batchID string, d *importfmt.Dataset) recomputed {
	t := h.t
	t.Helper()
	rates := map[string]string{}
	for _, r := range d.ExchangeRates {
		rates[r.Currency] = r.Rate.String()
	}
	decimals := map[string]int32{}
	for _, c := range d.Currencies {
		decimals[c.Code] = int32(c.Decimals)
	}
	rows, err := h.db.Query(context.Background(), `select v.series || '-' || v.number, v.total::text, f.xml
		from invoices v join fiscal_documents f on f.invoice_id = v.id where v.batch_id = $1 and v.status = 'completed'`, batchID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var res recomputed
	dec := func(e *etree.Element, name string) decimal.Decimal {
		v := e.SelectAttrValue(name, "0")
		x, err := decimal.NewFromString(v)
		if err != nil {
			t.Errorf("%s@%s = %q is not a number", e.Tag, name, v)
		}
		return x
	}
	for rows.Next() {
		var folio, stored, xml string
		if err := rows.Scan(&folio, &stored, &xml); err != nil {
			t.Fatal(err)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromString(xml); err != nil {
			t.Fatal(err)
		}
		r := doc.Root()
		cur := r.SelectAttrValue("Moneda", "")
		places := decimals[cur]
		if cur != "MXN" {
			res.foreign++
			if got := r.SelectAttrValue("TipoCambio", ""); !decimal.RequireFromString(got).Equal(decimal.RequireFromString(rates[cur])) {
				t.Errorf("%s: TipoCambio %s, the imported rate of %s is %s", folio, got, cur, rates[cur])
			}
		}
		if r.SelectAttrValue("Exportacion", "") == "02" {
			res.exports++
		}
		sub, disc, tras, ret := decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero
		for _, c := range r.FindElements("Conceptos/Concepto") {
			res.lines++
			importe := dec(c, "Importe")
			if want := dec(c, "Cantidad").Mul(dec(c, "ValorUnitario")).Round(places); !importe.Equal(want) {
				t.Errorf("%s: concept Importe %s, Cantidad × ValorUnitario = %s", folio, importe, want)
			}
			sub, disc = sub.Add(importe), disc.Add(dec(c, "Descuento"))
			if c.SelectAttrValue("ObjetoImp", "") == "01" {
				res.zeroBase++
				if !importe.Sub(dec(c, "Descuento")).IsZero() {
					t.Errorf("%s: a concept with a base of %s is not an object of tax", folio, importe.Sub(dec(c, "Descuento")))
				}
			}
			for _, x := range c.FindElements("Impuestos/Traslados/Traslado") {
				switch x.SelectAttrValue("TipoFactor", "") {
				case "Cuota":
					res.cuota++
				case "Exento":
					res.exento++
				}
				if want := dec(x, "Base").Mul(dec(x, "TasaOCuota")).Round(places); !dec(x, "Importe").Equal(want) {
					t.Errorf("%s: Traslado %s Importe %s, Base × rate = %s", folio, x.SelectAttrValue("Impuesto", ""), dec(x, "Importe"), want)
				}
				tras = tras.Add(dec(x, "Importe"))
			}
			for _, x := range c.FindElements("Impuestos/Retenciones/Retencion") {
				if want := dec(x, "Base").Mul(dec(x, "TasaOCuota")).Round(places); !dec(x, "Importe").Equal(want) {
					t.Errorf("%s: Retencion Importe %s, Base × rate = %s", folio, dec(x, "Importe"), want)
				}
				ret = ret.Add(dec(x, "Importe"))
			}
		}
		if !dec(r, "SubTotal").Equal(sub) || !dec(r, "Descuento").Equal(disc) {
			t.Errorf("%s: SubTotal %s Descuento %s, concepts sum to %s and %s", folio, dec(r, "SubTotal"), dec(r, "Descuento"), sub, disc)
		}
		if imp := r.SelectElement("Impuestos"); imp != nil {
			if !dec(imp, "TotalImpuestosTrasladados").Equal(tras) || !dec(imp, "TotalImpuestosRetenidos").Equal(ret) {
				t.Errorf("%s: document taxes %s/%s, concepts sum to %s/%s", folio, dec(imp, "TotalImpuestosTrasladados"), dec(imp, "TotalImpuestosRetenidos"), tras, ret)
			}
		}
		total := sub.Sub(disc).Add(tras).Sub(ret)
		if !dec(r, "Total").Equal(total) || !decimal.RequireFromString(stored).Equal(total) {
			t.Errorf("%s: Total %s, stored %s, recomputed %s", folio, dec(r, "Total"), stored, total)
		}
	}
	return res
}

// randomDataset makes a dataset of orders for random customers and items. Names and
// descriptions are hostile but valid: accents, ñ, &, <, quotes, runs of spaces, tabs and
// new lines, Greek, Cyrillic, CJK (which the PDF marks), and the longest SAT allows.
func randomDataset(rng *rand.Rand, date string, orders int) *importfmt.Dataset {
	pick := func(s ...string) string { return s[rng.Intn(len(s))] }
	names := []string{"Peña & Hijos, S.A. de C.V.", "  Ñandú   <Comercial>  ", "O'Brien \"Importaciones\"", "Αθήνα Εμπόριο", "Москва Торговля",
		"東京商事株式会社", "Tab\tand\nnew line", "ÁÉÍÓÚ üÜ ñÑ", strings.Repeat("Ñ", 300), "A"}
	descriptions := []string{"Servicio", "Tequila añejo 750 ml <edición & ñandú>", "Consultoría\ten\tsistemas", strings.Repeat("é", 1000),
		"Producto \"premium\" 'especial'", "Ελληνικό προϊόν", "中文描述"}
	letters := "ABCDEFGHIJKLMNOPQRSTUVWXYZ&Ñ"
	rfc := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			r := []rune(letters)
			b.WriteRune(r[rng.Intn(len(r))])
		}
		fmt.Fprintf(&b, "%02d%02d%02d", rng.Intn(100), 1+rng.Intn(12), 1+rng.Intn(28))
		b.WriteString(pick("A", "B", "1", "Z"))
		b.WriteString(pick("X", "0", "9"))
		b.WriteString(pick("1", "A", "7"))
		return b.String()
	}
	num := func(max int64, places int) decimal.Decimal {
		d := decimal.New(rng.Int63n(max*pow10(places)), -int32(places))
		if d.IsZero() {
			return decimal.New(1, -int32(places))
		}
		return d
	}
	csd := func(f string) string {
		p, _ := filepath.Abs(filepath.Join("..", "testdata", "sat", "csd", f))
		return p
	}
	d := &importfmt.Dataset{
		Currencies: []importfmt.Currency{{Code: "MXN", Decimals: 2}, {Code: "USD", Decimals: 2}, {Code: "JPY", Decimals: 0}},
		ExchangeRates: []importfmt.ExchangeRate{{Currency: "USD", Date: date, Rate: num(25, 6).Add(decimal.NewFromInt(15))},
			{Currency: "JPY", Date: date, Rate: num(1, 6)}},
		Issuers: []importfmt.Issuer{{Code: "EKU", RFC: "EKU9003173C9", Name: "ESCUELA KEMPER URGATE", FiscalRegime: "601", PostalCode: "42501",
			Currency: "MXN", CSDCertificate: csd("EKU9003173C9.cer"), CSDKey: csd("EKU9003173C9.key")}},
		PaymentTerms: []importfmt.PaymentTerm{{Code: "CASH", Kind: "cash", FormaPago: "01", MetodoPago: "PUE"},
			{Code: "NET30", Kind: "credit", Days: 30, FormaPago: "99", MetodoPago: "PPD"}},
		Warehouses: []importfmt.Warehouse{{Code: "W", Name: "Almacén"}},
		Series: []importfmt.Series{{Code: "A", Issuer: "EKU", DocumentKind: "invoice", CreditNoteSeries: "NC"},
			{Code: "T", Issuer: "EKU", DocumentKind: "ticket", CreditNoteSeries: "NC"}, {Code: "NC", Issuer: "EKU", DocumentKind: "credit_note"}},
		DocumentKinds: []importfmt.DocumentKind{{TaxIDKind: "national_id", DocumentKind: "ticket", Series: "T"}},
	}
	for i := 0; i < 20; i++ {
		c := importfmt.Customer{Code: fmt.Sprintf("C%02d", i), Name: pick(names...), PaymentTerms: pick("CASH", "NET30"),
			Email: pick("", "cliente@example.com", "compras+facturas@ejemplo.mx")}
		switch rng.Intn(4) {
		case 0:
			c.TaxIDKind, c.TaxID = "national_id", fmt.Sprintf("ID%08d", rng.Intn(1e8))
		case 1: // some with their residence, some of them exports (Exportacion 02)
			c.TaxIDKind, c.TaxID = "foreign", fmt.Sprintf("US%09d", rng.Intn(1e9))
			if rng.Intn(3) != 0 {
				c.FiscalResidence, c.Export = pick("USA", "CAN", "JPN"), rng.Intn(2) == 0
			}
		default:
			c.TaxIDKind, c.TaxID = "tax_registration", rfc(3+rng.Intn(2))
			c.FiscalRegime, c.PostalCode, c.CFDIUse = pick("601", "603", "612", "626"), fmt.Sprintf("%05d", rng.Intn(100000)), pick("G01", "G03", "I04")
		}
		d.Customers = append(d.Customers, c)
	}
	f := false
	quota := map[string]bool{}
	for i := 0; i < 12; i++ {
		vat := decimal.NewFromInt(int64([]int{0, 8, 16, 16}[rng.Intn(4)]))
		it := importfmt.Item{Code: fmt.Sprintf("IT-%02d", i), Description: pick(descriptions...), UnitPrice: num(100000, rng.Intn(7)), VATRate: &vat,
			ProductCode: fmt.Sprintf("%08d", 10000000+rng.Intn(89999999)), UnitCode: pick("H87", "E48", "KGM", "LTR", "ACT"),
			UnitName: pick("Pieza", "Servicio", "Kilo", ""), Stocked: &f}
		if rng.Intn(5) == 0 { // VAT-exempt (Exento): no rate
			it.VATRate, it.VATExempt = nil, true
		}
		switch rng.Intn(5) {
		case 0, 1:
			it.ExciseRate = decimal.RequireFromString(pick("8", "26.5", "53", "30.4"))
		case 2: // IEPS by quota (Cuota): an amount per unit
			it.ExciseQuota, quota[it.Code] = decimal.RequireFromString(pick("1.6451", "0.5911", "6.4555", "0.000001")), true
			it.UnitPrice = it.UnitPrice.Add(decimal.NewFromInt(1)) // never a line with nothing to charge
		}
		if rng.Intn(4) == 0 {
			it.VATWithholdingRate, it.ISRWithholdingRate = decimal.RequireFromString("10.6667"), decimal.NewFromInt(10)
		}
		d.Items = append(d.Items, it)
	}
	for i := 1; i <= orders; i++ {
		o := importfmt.Order{Number: int64(i), Customer: d.Customers[rng.Intn(len(d.Customers))].Code, Series: "A", Warehouse: "W",
			Currency: pick("MXN", "MXN", "MXN", "USD", "USD", "JPY"), Date: date}
		for j := 0; j < 1+rng.Intn(4); j++ {
			l := importfmt.OrderLine{Item: d.Items[rng.Intn(len(d.Items))].Code, Ordered: num(1000, rng.Intn(5))}
			kind := rng.Intn(6)
			if quota[l.Item] {
				// A quota's CFDI Base is the quantity, in the currency's decimals, and a line
				// with nothing to charge cannot carry it (both refused, tested in rules).
				l.Ordered = decimal.NewFromInt(1 + rng.Int63n(1000))
				if kind == 0 || kind == 3 {
					kind = 5
				}
			}
			switch kind {
			case 0:
				hundred := decimal.NewFromInt(100)
				l.Discount = &hundred
			case 1, 2:
				disc := num(100, rng.Intn(5))
				if quota[l.Item] {
					disc = num(50, rng.Intn(5)) // under half: something is always left to charge
				}
				l.Discount = &disc
			case 3:
				tiny := decimal.New(1, -6) // rounds to nothing
				l.Price = &tiny
			}
			o.Lines = append(o.Lines, l)
		}
		d.Orders = append(d.Orders, o)
	}
	return d
}

func pow10(n int) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
