package main

import (
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// Issue 27 (seed 004): an item with IEPS by quota (an amount per unit, TipoFactor Cuota), a
// VAT-exempt item (TipoFactor Exento) and an export customer (Exportacion 02, a foreign
// receiver with its residence and tax id) billed through the CLI: each line stores the
// factor it was priced by; the stamped CFDI, held to SAT's schema, stylesheet and openssl,
// writes the quota to 6 decimals on the quantity, the exemption as a base alone, the
// totals grouped by tax, factor and rate; and a payment of the invoice gets a receipt (CFDI
// P) with the exempt and quota taxes of the part paid that SAT's tools accept.
func TestQuotaExemptAndExportInvoices(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{
	  "customers": [{"code": "ACME", "name": "Acme Imports LLC", "tax_id": "123456789", "tax_id_kind": "foreign", "fiscal_residence": "USA",
	                 "export": true, "email": "ap@acme.example", "payment_terms": "NET30"}],
	  "items": [
	    {"code": "REFRESCO", "description": "Bebida saborizada", "unit_price": "18.50", "vat_rate": 16, "excise_quota": "1.6451",
	     "unit_code": "LTR", "unit_name": "Litro", "product_code": "50202300", "stocked": false},
	    {"code": "COLEGIATURA", "description": "Colegiatura mensual", "unit_price": 850, "vat_exempt": true,
	     "unit_code": "E48", "unit_name": "Servicio", "product_code": "86121700", "stocked": false},
	    {"code": "MUEBLE", "description": "Mueble de exportación", "unit_price": 4200, "vat_rate": 0,
	     "unit_code": "H87", "unit_name": "Pieza", "product_code": "56101500", "stocked": false}],
	  "orders": [
	    {"number": 9701, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-20",
	     "lines": [{"item": "REFRESCO", "ordered": 120}, {"item": "COLEGIATURA", "ordered": 1}, {"item": "CONS", "ordered": 1}]},
	    {"number": 9702, "customer": "ACME", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-20",
	     "lines": [{"item": "MUEBLE", "ordered": 3}]},
	    {"number": 9703, "customer": "JUAN", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-20",
	     "lines": [{"item": "REFRESCO", "ordered": 6}, {"item": "COLEGIATURA", "ordered": 1}]}],
	  "series": [
	    {"code": "G", "issuer": "EKU", "document_kind": "global_invoice", "closing_date": "2026-10-31"},
	    {"code": "T", "issuer": "EKU", "document_kind": "ticket", "closing_date": "2026-10-31", "credit_note_series": "NC", "global_invoice_series": "G"}]}`)
	if msg := h.mustFail("import", writeTemp(t, `{"items": [{"code": "BAD", "description": "x", "vat_rate": 16, "vat_exempt": true}]}`)); !strings.Contains(msg, "items[0] (BAD): vat_rate") {
		t.Errorf("an exempt item with a rate: %s", msg)
	}
	forseti, forsetiNo := h.billed("9701")
	acme, _ := h.billed("9702")

	// Priced: 120 l × 18.50 = 2220.00, IEPS 120 × 1.6451 = 197.41, VAT on both 386.79;
	// the tuition 850.00 exempt; consulting 1200.00, VAT 192.00, withheld 128.00 and 120.00.
	if got := h.str(`select string_agg(item || ' ' || vat_factor || ' ' || excise_factor || ' ' || excise_quota::numeric(18,4) || ' ' || excise || ' ' || vat_base || ' ' || vat, '; ' order by line_no)
		from invoice_lines where invoice_id = $1`, forseti); got != "REFRESCO Tasa Cuota 1.6451 197.4100 2417.4100 386.7900; COLEGIATURA Exento Tasa 0.0000 0.0000 850.0000 0.0000; CONS Tasa Tasa 0.0000 0.0000 1200.0000 192.0000" {
		t.Errorf("priced lines: %s", got)
	}
	if got := h.str(`select total::numeric(18,2)::text from invoices where id = $1`, forseti); got != "4798.20" {
		t.Errorf("total %s, want 2220 + 197.41 + 386.79 + 850 + 1200 + 192 − 128 − 120 = 4798.20", got)
	}
	xml := h.str(`select xml from fiscal_documents where invoice_id = $1`, forseti)
	checkStampedCFDI(t, xml, h.cfg.PACCert)
	doc := parseXML(t, xml)
	for path, want := range map[string]string{
		"//Concepto[@NoIdentificacion='REFRESCO']/Impuestos/Traslados/Traslado[@Impuesto='003']":    "Base=120.00 Impuesto=003 TipoFactor=Cuota TasaOCuota=1.645100 Importe=197.41",
		"//Concepto[@NoIdentificacion='COLEGIATURA']/Impuestos/Traslados/Traslado[@Impuesto='002']": "Base=850.00 Impuesto=002 TipoFactor=Exento",
		"/Comprobante/Impuestos/Traslados/Traslado[@TipoFactor='Exento']":                           "Base=850.00 Impuesto=002 TipoFactor=Exento",
		"/Comprobante/Impuestos/Traslados/Traslado[@TipoFactor='Cuota']":                            "Base=120.00 Impuesto=003 TipoFactor=Cuota TasaOCuota=1.645100 Importe=197.41",
	} {
		if got := attrs(doc.FindElement(path)); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	if c := doc.FindElement("//Concepto[@NoIdentificacion='COLEGIATURA']"); c.SelectAttrValue("ObjetoImp", "") != "02" {
		t.Errorf("the exempt concept is ObjetoImp %s, want 02", c.SelectAttrValue("ObjetoImp", ""))
	}
	// 197.41 + 386.79 + 192.00: the exempt base adds nothing.
	if got := doc.FindElement("/Comprobante/Impuestos").SelectAttrValue("TotalImpuestosTrasladados", ""); got != "776.20" {
		t.Errorf("TotalImpuestosTrasladados %s, want 776.20", got)
	}

	xml = h.str(`select xml from fiscal_documents where invoice_id = $1`, acme)
	checkStampedCFDI(t, xml, h.cfg.PACCert)
	doc = parseXML(t, xml)
	if got := doc.Root().SelectAttrValue("Exportacion", ""); got != "02" {
		t.Errorf("the export's Exportacion is %s", got)
	}
	if got := attrs(doc.FindElement("/Comprobante/Receptor")); got != "Rfc=XEXX010101000 Nombre=ACME IMPORTS LLC DomicilioFiscalReceptor=42501 ResidenciaFiscal=USA NumRegIdTrib=123456789 RegimenFiscalReceptor=616 UsoCFDI=S01" {
		t.Errorf("the export's Receptor: %s", got)
	}

	// A part payment of the invoice: its receipt relates the part paid's taxes, the exempt
	// one as a base alone, the quota on its share of the units.
	var paid struct {
		Receipt string `json:"receipt"`
	}
	h.runJSON(&paid, "payment", "record", forsetiNo, "2399.10", "--date", "2026-11-24", "--key", "acme-wire-1", "--wait")
	rid := h.int(`select receipt_id from payment_receipt_documents where invoice_id = $1`, forseti)
	rxml := h.str(`select xml from fiscal_documents where invoice_id = $1`, rid)
	checkStampedReceipt(t, rxml)
	rdoc := parseXML(t, rxml)
	for path, want := range map[string]string{
		"//DoctoRelacionado/ImpuestosDR/TrasladosDR/TrasladoDR[@TipoFactorDR='Exento']": "BaseDR=425.00 ImpuestoDR=002 TipoFactorDR=Exento",
		"//DoctoRelacionado/ImpuestosDR/TrasladosDR/TrasladoDR[@TipoFactorDR='Cuota']":  "BaseDR=60.00 ImpuestoDR=003 TipoFactorDR=Cuota TasaOCuotaDR=1.645100 ImporteDR=98.71",
		"//Pago/ImpuestosP/TrasladosP/TrasladoP[@TipoFactorP='Exento']":                 "BaseP=425.00 ImpuestoP=002 TipoFactorP=Exento",
	} {
		if got := attrs(rdoc.FindElement(path)); got != want {
			t.Errorf("receipt %s: %s, want %s", path, got, want)
		}
	}
	if got := rdoc.FindElement("//Totales").SelectAttrValue("TotalTrasladosBaseIVAExento", ""); got != "425.00" {
		t.Errorf("receipt TotalTrasladosBaseIVAExento %q, want 425.00", got)
	}
	if out := h.mustRun("invoice", "show", forsetiNo); !strings.Contains(out, "P-1") {
		t.Errorf("invoice show names no receipt:\n%s", out)
	}
	checkCreditsOfFactors(h, forseti, forsetiNo)
	checkGlobalOfFactors(h)
}

// checkCreditsOfFactors returns 20 l of the quota line (its IEPS back on the 20 units) and
// rebates the exempt line (an exempt base, no VAT): both egresos held to SAT's tools.
func checkCreditsOfFactors(h *harness, invoice int64, no string) {
	t := h.t
	t.Helper()
	var ret, reb struct {
		ID int64 `json:"id"`
	}
	h.runJSON(&ret, "invoice", "return", no, "--line", "1", "--qty", "20", "--date", "2026-11-24", "--wait")
	h.checkCreditNoteCFDI(ret.ID, invoice, "03", "")
	doc := parseXML(t, h.str(`select xml from fiscal_documents where invoice_id = $1`, ret.ID))
	if got := attrs(doc.FindElement("//Concepto/Impuestos/Traslados/Traslado[@Impuesto='003']")); got != "Base=20.00 Impuesto=003 TipoFactor=Cuota TasaOCuota=1.645100 Importe=32.90" {
		t.Errorf("the return's IEPS: %s", got)
	}
	h.runJSON(&reb, "invoice", "rebate", no, "--line", "2", "--amount", "50.00", "--date", "2026-11-24", "--wait")
	h.checkCreditNoteCFDI(reb.ID, invoice, "01", "")
	doc = parseXML(t, h.str(`select xml from fiscal_documents where invoice_id = $1`, reb.ID))
	if got := attrs(doc.FindElement("//Concepto/Impuestos/Traslados/Traslado")); got != "Base=50.00 Impuesto=002 TipoFactor=Exento" {
		t.Errorf("the rebate's VAT: %s", got)
	}
}

// checkGlobalOfFactors bills a ticket with the quota and the exempt item and issues the
// month's global invoice: its concept carries the ticket's IEPS by quota on the units and
// its exempt VAT base.
func checkGlobalOfFactors(h *harness) {
	t := h.t
	t.Helper()
	var sum struct {
		Completed int `json:"completed"`
	}
	h.runJSON(&sum, "batch", "create", "--orders", "9703-9703", "--series", "A", "--date", "2026-11-23", "--wait")
	if sum.Completed != 1 {
		t.Fatalf("the ticket's batch: %+v", sum)
	}
	h.mustRun("batch", "create", "--global", "--period", "2026-11", "--wait")
	xml := h.str(`select f.xml from fiscal_documents f join invoices v on v.id = f.invoice_id where v.document_kind = 'global_invoice'`)
	checkStampedCFDI(t, xml, h.cfg.PACCert)
	doc := parseXML(t, xml)
	for path, want := range map[string]string{
		"//Concepto/Impuestos/Traslados/Traslado[@TipoFactor='Cuota']":  "Base=6.00 Impuesto=003 TipoFactor=Cuota TasaOCuota=1.645100 Importe=9.87",
		"//Concepto/Impuestos/Traslados/Traslado[@TipoFactor='Exento']": "Base=850.00 Impuesto=002 TipoFactor=Exento",
	} {
		if got := attrs(doc.FindElement(path)); got != want {
			t.Errorf("global invoice %s: %s, want %s", path, got, want)
		}
	}
}

func parseXML(t *testing.T, xml string) *etree.Document {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	return doc
}

// attrs are an element's attributes as "Name=value …", in the document's order.
func attrs(e *etree.Element) string {
	if e == nil {
		return "<missing>"
	}
	var out []string
	for _, a := range e.Attr {
		out = append(out, a.Key+"="+a.Value)
	}
	return strings.Join(out, " ")
}
