package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
	"billrun/internal/printout"
	"billrun/schema/testdb"

	"go.temporal.io/api/workflowservice/v1"
	"go.uber.org/zap"
)

// checkCFE holds every completed invoice of a Uruguayan batch to DGI's schema (xmllint),
// the signature to the issuer's pinned key (xmlsec1), its stored total, DGI's (sandbox)
// acknowledgement, and its PDF to the CAE, security code, "IVA al día" and QR; and its
// e-mail to one sent delivery. It answers the CFE by customer.
func (h *harness) checkCFE(batchID string) map[string]string {
	return h.checkCFEs(`v.batch_id = $1`, batchID)
}

// checkCFEs is checkCFE for the completed documents where says.
func (h *harness) checkCFEs(where string, arg any) map[string]string {
	t := h.t
	t.Helper()
	root := testdb.Root(t)
	xmllint, xsd := testdb.Tool(t, "xmllint"), filepath.Join(root, "internal/fiscal/cfe/xsd/CFEDGI.xsd")
	verify, pub := filepath.Join(root, "testdata/dgi/verify-cfe-xmldsig.sh"), filepath.Join(root, "testdata/uy/219999830019.pub.pem")
	rows, err := h.db.Query(context.Background(), `
		select v.customer, v.series || '-' || v.number, round(v.total, 2)::text, f.xml, f.pdf, coalesce(f.authority_ack, ''), v.fiscal_status, v.delivery_status,
		       a.cae, a.first_number, a.last_number
		from invoices v join fiscal_documents f on f.invoice_id = v.id join caes a on a.id = v.cae
		where `+where+` and v.status = 'completed' order by v.id`, arg)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	dir := t.TempDir()
	out := map[string]string{}
	for rows.Next() {
		var customer, folio, total, xml, ack, fiscalStatus, delivery, cae string
		var from, to int64
		var pdf []byte
		if err := rows.Scan(&customer, &folio, &total, &xml, &pdf, &ack, &fiscalStatus, &delivery, &cae, &from, &to); err != nil {
			t.Fatal(err)
		}
		out[customer] = xml
		x := filepath.Join(dir, folio+".xml")
		if err := os.WriteFile(x, []byte(xml), 0o644); err != nil {
			t.Fatal(err)
		}
		if o, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, x).CombinedOutput(); err != nil {
			t.Errorf("%s fails DGI's XSD: %v\n%s", folio, err, o)
		}
		if o, err := exec.Command(verify, x, pub).CombinedOutput(); err != nil {
			t.Errorf("%s fails xmlsec1: %v\n%s", folio, err, o)
		}
		if !strings.Contains(xml, "<ns0:MntTotal>"+total+"</ns0:MntTotal>") || !strings.Contains(xml, "<ns0:CAE_ID>"+cae+"</ns0:CAE_ID>") {
			t.Errorf("%s: the CFE's total or CAE is not the stored %s, %s", folio, total, cae)
		}
		if !strings.Contains(ack, "<Estado>AE</Estado>") || fiscalStatus != "pdf" || delivery != "sent" {
			t.Errorf("%s: DGI's answer %q, fiscal status %s, delivery %s", folio, ack, fiscalStatus, delivery)
		}
		text := squeeze(testdb.PDFText(t, pdf))
		code := cfe.SecurityCode(xml)
		for _, want := range []string{cae, fmt.Sprintf("A %d al %d", from, to), "Código de seguridad " + code, "IVA al día", printout.MoneyUY(total)} {
			if len(code) != 6 || !strings.Contains(text, squeeze(want)) {
				t.Errorf("%s's PDF lacks %q:\n%s", folio, want, text)
			}
		}
		if qr := testdb.QRText(t, pdf); qr != cfe.VerificationURL(xml) || !strings.HasPrefix(qr, "https://www.efactura.dgi.gub.uy/consultaQR/cfe?219999830019,") {
			t.Errorf("%s's QR reads %q", folio, qr)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Seed 000 in Uruguay, as the demo runs it: the installment batch of the Uruguayan issuer
// stops at its drafts, is approved, and makes an e-Ticket for the cédula partner and an
// e-Factura for the RUT partner, both numbered in their CAEs.
func checkUruguayDemo(h *harness, draft, done model.Summary) {
	t := h.t
	t.Helper()
	if draft.Status != "awaiting_approval" || done.Invoices != 2 || done.Completed != 2 || done.Printed != 2 {
		t.Fatalf("Uruguay's batch: draft %+v, then %+v; fiscal errors: %s", draft, done,
			h.str(`select coalesce(string_agg(fiscal_error, '; '), '') from invoices where batch_id = $1`, done.BatchID))
	}
	cfes := h.checkCFE(done.BatchID)
	for customer, want := range map[string][]string{
		"ANA": {"<ns0:TipoCFE>101</ns0:TipoCFE>", "<ns0:TipoDocRecep>3</ns0:TipoDocRecep>", "<ns0:DocRecep>12345672</ns0:DocRecep>",
			"<ns0:MntIVATasaBasica>330.00</ns0:MntIVATasaBasica>", "<ns0:MntTotal>1830.00</ns0:MntTotal>", "<ns0:FmaPago>1</ns0:FmaPago>"},
		"BINALOR": {"<ns0:TipoCFE>111</ns0:TipoCFE>", "<ns0:TipoDocRecep>2</ns0:TipoDocRecep>", "<ns0:DocRecep>215071660012</ns0:DocRecep>",
			"<ns0:DescuentoMonto>1200.00</ns0:DescuentoMonto>", "<ns0:MntNoGrv>10000.00</ns0:MntNoGrv>",
			"<ns0:MntIVATasaBasica>2376.00</ns0:MntIVATasaBasica>", "<ns0:MntTotal>23176.00</ns0:MntTotal>", "<ns0:FmaPago>2</ns0:FmaPago>"},
	} {
		for _, w := range want {
			if !strings.Contains(cfes[customer], w) {
				t.Errorf("%s's CFE lacks %s", customer, w)
			}
		}
	}
	if got := h.str(`select string_agg(series || '-' || number, ' ' order by series) from invoices where batch_id = $1`, done.BatchID); got != "EF-1 ET-1" {
		t.Errorf("numbers %s", got)
	}
	h.checkBooks()
}

// An exhausted CAE fails only the invoices it would number, with a reason that says what
// to do; once a new CAE is imported, they are retried and numbered in it. A CAE that
// overlaps one imported before is refused.
func TestUruguayExhaustedCAEFailsOnlyItsInvoices(t *testing.T) {
	h := newHarness(t, true)
	uy := filepath.Join(testdb.Root(t), "testdata/uy/219999830019")
	h.importJSON(fmt.Sprintf(`{
  "currencies": [{"code": "UYU", "decimals": 2}],
  "payment_terms": [{"code": "CASH", "kind": "cash"}],
  "issuers": [{"code": "UYX", "country": "UY", "rut": "219999830019", "name": "EMISOR DE PRUEBA", "currency": "UYU",
    "branch": "1", "address": "CALLE FALSA 123", "city": "MONTEVIDEO", "department": "MONTEVIDEO",
    "csd_certificate": %q, "csd_key": %q}],
  "customers": [
    {"code": "LUIS", "name": "Luis Pérez", "tax_id": "12345672", "tax_id_kind": "national_id", "country": "UY", "payment_terms": "CASH",
     "email": "cliente@correo.example"},
    {"code": "MARIA", "name": "María Gómez", "tax_id": "34567894", "tax_id_kind": "national_id", "country": "UY", "payment_terms": "CASH",
     "email": "cliente@correo.example"},
    {"code": "EMPRESA", "name": "BINALOR SOCIEDAD ANONIMA", "tax_id": "215071660012", "tax_id_kind": "tax_registration", "country": "UY", "payment_terms": "CASH",
     "address": "DE ARCO JUANA 3338", "city": "MONTEVIDEO", "email": "compras@binalor.example"}],
  "items": [{"code": "SOP", "description": "Soporte", "unit_price": 100, "vat_rate": 22, "stocked": false}],
  "series": [
    {"code": "XF", "issuer": "UYX", "document_kind": "invoice", "cfe_type": 111, "credit_note_series": "XFNC"},
    {"code": "XFNC", "issuer": "UYX", "document_kind": "credit_note", "cfe_type": 112},
    {"code": "XT", "issuer": "UYX", "document_kind": "ticket", "cfe_type": 101}],
  "document_kinds": [
    {"source_series": "XF", "tax_id_kind": "tax_registration", "document_kind": "invoice", "series": "XF"},
    {"source_series": "XF", "tax_id_kind": "national_id", "document_kind": "ticket", "series": "XT"}],
  "caes": [
    {"series": "XF", "cae": "90110000211", "cfe_series": "A", "from": 1, "to": 10, "expires": "2027-12-31"},
    {"series": "XFNC", "cae": "90110000212", "cfe_series": "A", "from": 1, "to": 10, "expires": "2027-12-31"},
    {"series": "XT", "cae": "90110000201", "cfe_series": "A", "from": 1, "to": 1, "expires": "2027-12-31"}],
  "contracts": [
    {"number": "U-1", "partner": "LUIS", "payer": "LUIS", "series": "XF", "currency": "UYU", "payment_terms": "CASH", "lines": [
      {"item": "SOP", "quantity": 1, "price": 100, "installments": [{"due": "2026-11-15", "state": "complete"}]}]},
    {"number": "U-2", "partner": "MARIA", "payer": "MARIA", "series": "XF", "currency": "UYU", "payment_terms": "CASH", "lines": [
      {"item": "SOP", "quantity": 2, "price": 100, "installments": [{"due": "2026-11-15", "state": "complete"}]}]},
    {"number": "U-3", "partner": "EMPRESA", "payer": "EMPRESA", "series": "XF", "currency": "UYU", "payment_terms": "CASH", "lines": [
      {"item": "SOP", "quantity": 3, "price": 100, "installments": [{"due": "2026-11-15", "state": "complete"}]}]}]
}`, uy+".cer", uy+".key"))
	// Seed 000's draft → approve: the review says which draft its CAE cannot number.
	id := h.batchID("UYCAE")
	h.mustRun("batch", "create", "--installments", "--series", "XF", "--due-until", "2026-11-23", "--date", "2026-11-23", "--id", id, "--draft", "--wait")
	var rep model.Report
	h.runJSON(&rep, "batch", "report", id)
	var predicted []int64
	for _, d := range rep.Drafts {
		if d.Problem != "" {
			predicted = append(predicted, d.InvoiceID)
			if !strings.Contains(d.Problem, "fails at numbering: CAE: every number of series XT's CAEs is used") || d.Series != "XT" {
				t.Errorf("draft %d (%s): %s", d.InvoiceID, d.Series, d.Problem)
			}
		}
	}
	if len(rep.Drafts) != 3 || len(predicted) != 1 {
		t.Fatalf("drafts %+v: want 3, one of the two e-Tickets predicted to fail", rep.Drafts)
	}
	var sum model.Summary
	h.runJSON(&sum, "batch", "approve", id, "--wait")
	if sum.Invoices != 3 || sum.Completed != 2 || sum.Failed != 1 {
		t.Fatalf("summary %+v", sum)
	}
	failed := h.int(`select id from invoices where batch_id = $1 and status = 'failed'`, id)
	if step, reason := h.str(`select error_step from invoices where id = $1`, failed), h.str(`select error_reason from invoices where id = $1`, failed); step != model.StepComplete ||
		!strings.Contains(reason, "every number of series XT's CAEs is used") || !strings.Contains(reason, "import a new CAE, then retry") {
		t.Errorf("failed at %s: %s", step, reason)
	}
	if got := h.str(`select string_agg(series || '-' || number, ' ' order by series) from invoices where batch_id = $1 and status = 'completed'`, id); got != "XF-1 XT-1" {
		t.Errorf("completed %s", got)
	}
	if n := h.int(`select count(*) from installments where state = 'billed'`); n != 2 {
		t.Errorf("%d installments billed, want 2: the failed invoice's stays billable", n)
	}

	overlap := h.mustFail("import", writeTemp(t, `{"caes": [{"series": "XT", "cae": "90110000209", "cfe_series": "A", "from": 1, "to": 5, "expires": "2027-12-31"}]}`))
	if !strings.Contains(overlap, "overlap CAE 90110000201") {
		t.Errorf("an overlapping CAE: %s", overlap)
	}
	h.importJSON(`{"caes": [{"series": "XT", "cae": "90110000202", "cfe_series": "A", "from": 2, "to": 50, "expires": "2027-12-31"}]}`)
	h.mustRun("invoice", "retry", fmt.Sprint(failed), "--wait")
	if got := h.str(`select v.status || ' ' || v.series || '-' || v.number || ' ' || a.cae from invoices v join caes a on a.id = v.cae where v.id = $1`, failed); got != "completed XT-2 90110000202" {
		t.Fatalf("retried: %s", got)
	}
	h.waitFor("the retried invoice printed and e-mailed", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and fiscal_status = 'pdf' and delivery_status = 'sent'`, id) == 3
	})
	cfes := h.checkCFE(id)
	if len(cfes) != 3 {
		t.Errorf("%d CFE checked", len(cfes))
	}
	for c, xml := range cfes {
		if c != "EMPRESA" && strings.Contains(xml, "<ns0:Nro>2</ns0:Nro>") && !strings.Contains(xml, "<ns0:DNro>2</ns0:DNro><ns0:HNro>50</ns0:HNro>") {
			t.Errorf("%s's CFE 2 is not in the new CAE's range", c)
		}
	}

	// A CFE is corrected by a credit note (112, referring to the e-Factura), never cancelled.
	factura := h.int(`select id from invoices where batch_id = $1 and series = 'XF'`, id)
	var rb model.InvoiceView
	h.runJSON(&rb, "invoice", "rebate", fmt.Sprint(factura), "--line", "1", "--amount", "10.00", "--date", "2026-11-24", "--wait")
	if rb.Status != "completed" || rb.Series != "XFNC" || rb.Number == nil || *rb.Number != 1 || rb.Total.StringFixed(2) != "36.60" ||
		rb.FiscalStatus != "pdf" || rb.DeliveryStatus != "sent" || !strings.Contains(rb.AcknowledgedBy, "sandbox DGI") || rb.StampedAt == "" {
		t.Fatalf("rebate: %+v", rb)
	}
	nc := h.checkCFEs(`v.id = $1`, rb.ID)["EMPRESA"]
	for _, want := range []string{"<ns0:TipoCFE>112</ns0:TipoCFE>", "<ns0:MntTotal>36.60</ns0:MntTotal>", "<ns0:CAE_ID>90110000212</ns0:CAE_ID>",
		"<ns0:TpoDocRef>111</ns0:TpoDocRef><ns0:Serie>A</ns0:Serie><ns0:NroCFERef>1</ns0:NroCFERef><ns0:RazonRef>Bonificación</ns0:RazonRef><ns0:FechaCFEref>2026-11-23</ns0:FechaCFEref>"} {
		if !strings.Contains(nc, want) {
			t.Errorf("the credit note's CFE lacks %s:\n%s", want, nc)
		}
	}
	if msg := h.mustFail("invoice", "cancel", fmt.Sprint(factura), "--reason", "02"); !strings.Contains(msg, "correct it with a credit note") {
		t.Errorf("cancelling a CFE: %s", msg)
	}
	h.checkBooks()
}

// A Uruguayan CFE's mail speaks of the CFE as DGI numbers it (never of a CFDI), and every
// command that takes an invoice takes its CFE number; a series letter two CFE types share
// is refused without its type, naming both.
func TestUruguayanMailAndCFENumbers(t *testing.T) {
	h := newHarness(t, false)
	smtpAddr := testdb.FreeAddr(t)
	api, _ := testdb.Mailpit(t, smtpAddr)
	host, port, _ := net.SplitHostPort(smtpAddr)
	h.cfg.SMTPHost, h.cfg.SMTPPort = host, port
	h.startWorker()
	h.mustRun("import", "../examples/demo.json")
	id := h.batchID("UYMAIL")
	h.run("batch", "create", "--id", id, "--installments", "--series", "EF", "--due-until", "2026-11-23", "--date", "2026-11-23", "--wait")
	deadline := time.Now().Add(2 * time.Minute)
	for h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, id) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the CFEs were not mailed: %s", h.str(`select string_agg(series || ' ' || status || ' ' || fiscal_status || ' ' || delivery_status || ' ' || fiscal_error, '; ') from invoices where batch_id = $1`, id))
		}
		time.Sleep(200 * time.Millisecond)
	}
	var subjects []string
	for _, ms := range sinkMessages(t, api) {
		for _, m := range ms {
			subjects = append(subjects, m.Subject)
		}
	}
	sort.Strings(subjects)
	got := strings.Join(subjects, " | ")
	if !strings.Contains(got, "e-Factura A 0000001 de ") || !strings.Contains(got, "e-Ticket A 0000001 de ") || strings.Contains(got, "EF-1") || strings.Contains(got, "CFDI") {
		t.Errorf("subjects: %s", got)
	}

	var v model.InvoiceView
	h.runJSON(&v, "invoice", "show", "e-Factura A 0000001")
	if v.Series != "EF" || v.FiscalNumber != "e-Factura A 0000001" {
		t.Errorf("show by CFE number: %s-%v %q", v.Series, v.Number, v.FiscalNumber)
	}
	h.runJSON(&v, "invoice", "show", "101 A 1")
	if v.Series != "ET" {
		t.Errorf("show by type code: %s", v.Series)
	}
	if msg := h.mustFail("invoice", "show", "A 0000001"); !strings.Contains(msg, "e-Ticket A 0000001 (invoice ET-1)") || !strings.Contains(msg, "e-Factura A 0000001 (invoice EF-1)") {
		t.Errorf("a letter two types share: %s", msg)
	}
	// The Web UI finds the invoice's workflow by the CFE's number.
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	h.waitFor("the Web UI to find e-Factura A 0000001", time.Minute, func() bool {
		resp, err := tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf(`BillrunFiscalNumber = "e-Factura A 0000001" AND BillrunBatchId = %q`, id)})
		return err == nil && len(resp.Executions) == 1
	})
	var rows []model.InvoiceRow
	h.runJSON(&rows, "invoice", "list", "--batch", id)
	var numbers []string
	for _, r := range rows {
		numbers = append(numbers, r.FiscalNumber)
	}
	sort.Strings(numbers)
	if strings.Join(numbers, ",") != "e-Factura A 0000001,e-Ticket A 0000001" {
		t.Errorf("list's fiscal numbers: %v", numbers)
	}
}
