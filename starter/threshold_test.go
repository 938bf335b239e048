package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"billrun/internal/model"
	"billrun/schema/testdb"
)

// thresholdDay is the day the threshold test's e-Tickets are dated and reported.
const thresholdDay = "2026-11-24"

// Issue 26's e-Ticket threshold, end to end: with the UI at 6.45 pesos and the threshold at
// 5,000 UI (32,250.00 UYU), an e-Ticket to an unidentified consumer for 40,000.00 UYU
// without VAT is named by the draft review and fails at completion naming the rule, the
// amounts and the fix, taking no number, while one for 1,000.00 completes; once the consumer
// is identified (its cédula imported) the invoice is retried and completes, DGI (the
// sandbox) receives it with its receiver, and the day's report counts it above the
// threshold (CantDocsMay_topeUI 1), held to DGI's schema.
func TestUruguayETicketThreshold(t *testing.T) {
	h := newHarness(t, true)
	uy := filepath.Join(testdb.Root(t), "testdata/uy/219999830019")
	consumer := func(code, name string) string {
		return fmt.Sprintf(`{"code": %q, "name": %q, "tax_id_kind": "generic", "country": "UY", "payment_terms": "CASH", "email": "consumidor@correo.example"}`, code, name)
	}
	contract := func(n int, payer string, price int) string {
		return fmt.Sprintf(`{"number": "TH-%d", "partner": %q, "payer": %q, "series": "TF", "currency": "UYU", "payment_terms": "CASH", "lines": [
			{"item": "SOP", "quantity": 1, "price": %d, "installments": [{"due": %q, "state": "complete"}]}]}`, n, payer, payer, price, thresholdDay)
	}
	h.importJSON(fmt.Sprintf(`{
  "currencies": [{"code": "UYU", "decimals": 2}],
  "payment_terms": [{"code": "CASH", "kind": "cash"}],
  "uy_ui_values": [{"date": "2026-10-01", "value": "6.40"}, {"date": "2026-11-01", "value": "6.4500"}, {"date": "2026-12-01", "value": "9"}],
  "uy_eticket_thresholds": [{"from": "2026-01-01", "ui": 5000}, {"from": "2027-01-01", "ui": 10000}],
  "issuers": [{"code": "UYT", "country": "UY", "rut": "219999830019", "name": "EMISOR DE PRUEBA", "currency": "UYU",
    "branch": "1", "address": "CALLE FALSA 123", "city": "MONTEVIDEO", "department": "MONTEVIDEO", "csd_certificate": %q, "csd_key": %q}],
  "customers": [%s, %s],
  "items": [{"code": "SOP", "description": "Soporte", "unit_price": 100, "vat_rate": 22, "stocked": false}],
  "series": [
    {"code": "TF", "issuer": "UYT", "document_kind": "invoice", "cfe_type": 111},
    {"code": "TT", "issuer": "UYT", "document_kind": "ticket", "cfe_type": 101}],
  "document_kinds": [
    {"source_series": "TF", "tax_id_kind": "generic", "document_kind": "ticket", "series": "TT"},
    {"source_series": "TF", "tax_id_kind": "national_id", "document_kind": "ticket", "series": "TT"}],
  "caes": [
    {"series": "TF", "cae": "90110000411", "cfe_series": "A", "from": 1, "to": 100, "expires": "2027-12-31"},
    {"series": "TT", "cae": "90110000401", "cfe_series": "A", "from": 1, "to": 100, "expires": "2027-12-31"}],
  "contracts": [%s, %s]
}`, uy+".cer", uy+".key", consumer("CONS", "Consumidor final"), consumer("CONS2", "Otro consumidor"),
		contract(1, "CONS", 40000), contract(2, "CONS2", 1000)))

	// The draft review names the rule for the e-Ticket above the threshold only.
	id := h.batchID("UYTOPE")
	h.mustRun("batch", "create", "--installments", "--series", "TF", "--due-until", thresholdDay, "--date", thresholdDay, "--id", id, "--draft", "--wait")
	var rep model.Report
	h.runJSON(&rep, "batch", "report", id)
	if len(rep.Drafts) != 2 {
		t.Fatalf("drafts %+v", rep.Drafts)
	}
	rule := "e-Ticket threshold: an e-Ticket to an unidentified consumer (customer CONS) above the threshold must identify its receiver: " +
		"40000.00 UYU without VAT is above 5000 UI (in force since 2026-01-01) × 6.45 UYU per UI of 2026-11-01 = 32250.00 UYU; identify the consumer"
	for _, d := range rep.Drafts {
		switch d.Customer {
		case "CONS":
			if !strings.Contains(d.Problem, "fails at completion: "+rule) {
				t.Errorf("the draft above the threshold: %q", d.Problem)
			}
		default:
			if d.Problem != "" {
				t.Errorf("the draft below the threshold: %q", d.Problem)
			}
		}
	}
	if out := h.mustRun("batch", "report", id); !strings.Contains(out, "e-Ticket threshold") {
		t.Errorf("the printed report does not name the rule:\n%s", out)
	}

	// Approved, it fails at completion with the rule, the amounts and the fix; no number taken.
	var sum model.Summary
	h.runJSON(&sum, "batch", "approve", id, "--wait")
	if sum.Invoices != 2 || sum.Completed != 1 || sum.Failed != 1 {
		t.Fatalf("summary %+v", sum)
	}
	failed := h.int(`select id from invoices where batch_id = $1 and customer = 'CONS'`, id)
	if step, reason := h.str(`select error_step from invoices where id = $1`, failed), h.str(`select error_reason from invoices where id = $1`, failed); step != model.StepComplete ||
		!strings.Contains(reason, rule) || !strings.Contains(reason, "import customer CONS with its document") || !strings.Contains(reason, "retry") {
		t.Errorf("failed at %s: %s", step, reason)
	}
	if got := h.str(`select status || ' ' || coalesce(number::text, 'unnumbered') from invoices where id = $1`, failed); got != "failed unnumbered" {
		t.Errorf("the refused e-Ticket is %s", got)
	}
	if n := h.int(`select next_number from caes where series = 'TT'`); n != 2 {
		t.Errorf("the e-Ticket CAE's next number is %d: the refused one took none", n)
	}
	if n := h.int(`select count(*) from installments where state = 'billed'`); n != 1 {
		t.Errorf("%d installments billed, want 1: the refused invoice's stays billable", n)
	}

	// The consumer is identified: the retry completes and DGI receives it with its receiver.
	h.importJSON(`{"customers": [{"code": "CONS", "name": "Consumidor final", "tax_id": "12345672", "tax_id_kind": "national_id", "country": "UY",
		"payment_terms": "CASH", "email": "consumidor@correo.example"}]}`)
	h.mustRun("invoice", "retry", fmt.Sprint(failed), "--date", thresholdDay, "--wait")
	if got := h.str(`select status || ' ' || series || '-' || number from invoices where id = $1`, failed); got != "completed TT-2" {
		t.Fatalf("retried: %s", got)
	}
	h.waitFor("both e-Tickets published", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and fiscal_status = 'pdf' and delivery_status = 'sent'`, id) == 2
	})
	cfes := h.checkCFE(id)
	if x := cfes["CONS"]; !strings.Contains(x, "<ns0:TipoDocRecep>3</ns0:TipoDocRecep>") || !strings.Contains(x, "12345672") {
		t.Errorf("the identified consumer's e-Ticket carries no receiver:\n%s", x)
	}
	if x := cfes["CONS2"]; strings.Contains(x, "Receptor>") && strings.Contains(x, "TipoDocRecep") {
		t.Errorf("the anonymous e-Ticket below the threshold carries a receiver:\n%s", x)
	}

	// The day's report counts the e-Ticket above the threshold apart.
	var v dailyView
	h.runJSON(&v, "report", "daily", "--date", thresholdDay, "--issuer", "UYT", "--send", "--wait")
	if len(v.Types) != 1 || v.Types[0].Type != 101 || v.Types[0].Issued != 2 || v.Types[0].AboveThreshold != 1 || v.NotReady != "" {
		t.Fatalf("the day's report: %+v", v)
	}
	if n := len(v.Sendings); n == 0 || v.Sendings[n-1].State != "received" {
		t.Fatalf("sendings: %+v", v.Sendings)
	}
	xml := h.str(`select xml from daily_reports where issuer = 'UYT' and day = $1 order by sequence desc limit 1`, thresholdDay)
	checkReportXSD(t, xml)
	if !strings.Contains(xml, "<ns0:CantDocsMay_topeUI>1</ns0:CantDocsMay_topeUI>") {
		t.Errorf("the report does not count the e-Ticket above the threshold:\n%s", xml)
	}
	if out := h.mustRun("report", "daily", "--date", thresholdDay, "--issuer", "UYT"); !strings.Contains(out, "above the UI threshold 1") {
		t.Errorf("report daily:\n%s", out)
	}
}
