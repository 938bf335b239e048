package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"billrun/internal/model"
	"billrun/schema/testdb"
)

// envelopeDay is the day the envelope test's CFE are dated; their series letters (EV) are
// the test's own on the shared sandbox DGI, so its refusal reaches no other test.
const envelopeDay = "2026-11-25"

// Issue 26: a batch's CFE go to DGI in envelopes of up to 250, one per issuer and CFE type —
// four e-Tickets in one, two e-Facturas in another, the e-Ticket above the UI threshold
// alone (DGI takes those one by one), each recorded as sent, valid against
// EnvioCFE.xsd, received (AS) and answered CFE by CFE. The e-Ticket the sandbox DGI refuses
// (BE) fails only its invoice's fiscal step, with DGI's code and text; the others are
// stamped, printed and mailed. Restamped after the fix, it goes in an envelope of its own
// and is received; the day's report counts every CFE by its own answer.
func TestUruguayCFEInEnvelopes(t *testing.T) {
	h := newHarness(t, true)
	uy := filepath.Join(testdb.Root(t), "testdata/uy/219999830019")
	customer := func(code, name, id, kind string) string {
		return fmt.Sprintf(`{"code": %q, "name": %q, "tax_id": %q, "tax_id_kind": %q, "country": "UY", "payment_terms": "CASH",
			"address": "DE ARCO JUANA 3338", "city": "MONTEVIDEO", "email": "cliente@correo.example"}`, code, name, id, kind)
	}
	var contracts []string
	for i, payer := range []string{"LUIS", "MARIA", "PEDRO", "ANA", "EMPRESA", "PRUEBA"} {
		contracts = append(contracts, fmt.Sprintf(`{"number": "EV-%d", "partner": %q, "payer": %q, "series": "VF", "currency": "UYU", "payment_terms": "CASH", "lines": [
			{"item": "SOP", "quantity": %d, "price": 100, "installments": [{"due": %q, "state": "complete"}]}]}`, i+1, payer, payer, i+1, envelopeDay))
	}
	// JOSE's e-Ticket, 40,000.00 UYU without VAT, is above the UI threshold (5,000 × 6.45):
	// DGI takes it alone.
	contracts = append(contracts, fmt.Sprintf(`{"number": "EV-7", "partner": "JOSE", "payer": "JOSE", "series": "VF", "currency": "UYU", "payment_terms": "CASH", "lines": [
		{"item": "SOP", "quantity": 400, "price": 100, "installments": [{"due": %q, "state": "complete"}]}]}`, envelopeDay))
	h.importJSON(fmt.Sprintf(`{
  "currencies": [{"code": "UYU", "decimals": 2}],
  "payment_terms": [{"code": "CASH", "kind": "cash"}],
  "uy_ui_values": [{"date": "2026-11-01", "value": "6.4500"}],
  "issuers": [{"code": "UYV", "country": "UY", "rut": "219999830019", "name": "EMISOR DE PRUEBA", "currency": "UYU",
    "branch": "1", "address": "CALLE FALSA 123", "city": "MONTEVIDEO", "department": "MONTEVIDEO", "csd_certificate": %q, "csd_key": %q}],
  "customers": [%s, %s, %s, %s, %s, %s, %s],
  "items": [{"code": "SOP", "description": "Soporte", "unit_price": 100, "vat_rate": 22, "stocked": false}],
  "series": [
    {"code": "VF", "issuer": "UYV", "document_kind": "invoice", "cfe_type": 111},
    {"code": "VT", "issuer": "UYV", "document_kind": "ticket", "cfe_type": 101}],
  "document_kinds": [
    {"source_series": "VF", "tax_id_kind": "tax_registration", "document_kind": "invoice", "series": "VF"},
    {"source_series": "VF", "tax_id_kind": "national_id", "document_kind": "ticket", "series": "VT"}],
  "caes": [
    {"series": "VF", "cae": "90110000511", "cfe_series": "EV", "from": 1, "to": 100, "expires": "2027-12-31"},
    {"series": "VT", "cae": "90110000501", "cfe_series": "EV", "from": 1, "to": 100, "expires": "2027-12-31"}],
  "contracts": [%s]
}`, uy+".cer", uy+".key",
		customer("LUIS", "Luis Pérez", "12345672", "national_id"), customer("MARIA", "María Gómez", "34567894", "national_id"),
		customer("PEDRO", "Pedro Ruiz", "45678905", "national_id"), customer("ANA", "Ana Rodríguez", "11111111", "national_id"),
		customer("EMPRESA", "BINALOR SOCIEDAD ANONIMA", "215071660012", "tax_registration"),
		customer("PRUEBA", "EMPRESA DE PRUEBA", "219999830019", "tax_registration"), customer("JOSE", "José Díaz", "22222222", "national_id"),
		strings.Join(contracts, ",\n")))
	dgiControl(t, "219999830019-101-EV-2", "E04") // the second e-Ticket
	t.Cleanup(func() { dgiControl(t, "219999830019-101-EV-2", "") })

	id := h.batchID("UYENV")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--installments", "--series", "VF", "--due-until", envelopeDay, "--date", envelopeDay, "--id", id, "--wait")
	if sum.Invoices != 7 || sum.Completed != 7 {
		t.Fatalf("summary %+v", sum)
	}
	h.waitFor("six CFE published and one refused by DGI", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and fiscal_status = 'pdf' and delivery_status = 'sent'`, id) == 6 &&
			h.int(`select count(*) from invoices where batch_id = $1 and fiscal_error <> ''`, id) == 1
	})
	if got := h.str(`select string_agg(cfe_type || ':' || cfe_count || ':' || state, ' ' order by cfe_type, cfe_count) from cfe_envelopes where issuer = 'UYV'`); got != "101:1:answered 101:4:answered 111:2:answered" {
		t.Fatalf("envelopes %s, want one of the four small e-Tickets, one of the e-Ticket above the threshold alone and one of the two e-Facturas, all answered", got)
	}
	if n := h.int(`select count(*) from cfe_envelopes where issuer = 'UYV' and ack like '%<Estado>AS</Estado>%' and answer like '%<CantCFERechazados>%'`); n != 3 {
		t.Errorf("%d envelopes with DGI's ACKSobre (AS) and ACKCFE kept", n)
	}
	xmllint, xsd := testdb.Tool(t, "xmllint"), filepath.Join(testdb.Root(t), "internal/fiscal/cfe/xsd/EnvioCFE.xsd")
	for _, tipo := range []int{101, 111} {
		x := filepath.Join(t.TempDir(), fmt.Sprintf("envelope-%d.xml", tipo))
		if err := os.WriteFile(x, []byte(h.str(`select xml from cfe_envelopes where issuer = 'UYV' and cfe_type = $1`, tipo)), 0o644); err != nil {
			t.Fatal(err)
		}
		if o, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, x).CombinedOutput(); err != nil {
			t.Errorf("the envelope of %d fails EnvioCFE.xsd: %v\n%s", tipo, err, o)
		}
	}
	refused := h.int(`select v.id from invoices v join caes a on a.id = v.cae where v.batch_id = $1 and v.series = 'VT' and v.number = 2`, id)
	if reason := h.str(`select fiscal_error from invoices where id = $1`, refused); !strings.Contains(reason, "stamping: DGI rejected the CFE (BE): E04") {
		t.Errorf("the refused e-Ticket's fiscal error: %q", reason)
	}
	if got := h.str(`select v.status || ' ' || v.fiscal_status || ' ' || (d.envelope_id is null)::text || ' ' || (d.authority_ack like '%<Estado>BE</Estado>%')::text
		from invoices v join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, refused); got != "completed sealed true true" {
		t.Errorf("the refused e-Ticket: %s (want completed, sealed, out of its envelope, DGI's answer kept)", got)
	}
	if got := h.str(`select string_agg(distinct v.series || ':' || (v.customer = 'JOSE')::text || ':' || e.cfe_count, ' ')
		from invoices v join fiscal_documents d on d.invoice_id = v.id join cfe_envelopes e on e.id = d.envelope_id
		where v.batch_id = $1 and v.fiscal_status = 'pdf' and d.authority_ack like '%<Estado>AE</Estado>%'`, id); got != "VF:false:2 VT:false:4 VT:true:1" &&
		got != "VF:false:2 VT:false:4" { // JOSE's may be the one refused
		t.Errorf("the stamped CFE by series, above the threshold, envelope size: %s", got)
	}

	// After the fix, the restamp sends it again, in an envelope of its own.
	dgiControl(t, "219999830019-101-EV-2", "")
	h.mustRun("invoice", "restamp", fmt.Sprint(refused), "--wait")
	h.waitFor("the restamped e-Ticket published", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and fiscal_status = 'pdf' and fiscal_error = ''`, refused) == 1
	})
	if got := h.str(`select e.cfe_count || ':' || e.state from fiscal_documents d join cfe_envelopes e on e.id = d.envelope_id where d.invoice_id = $1`, refused); got != "1:answered" {
		t.Errorf("the restamped e-Ticket's envelope: %s", got)
	}
	var v dailyView
	h.runJSON(&v, "report", "daily", "--date", envelopeDay, "--issuer", "UYV")
	if len(v.Types) != 2 || v.Types[0].Issued != 5 || v.Types[0].Annulled != 0 || v.Types[0].AboveThreshold != 1 || v.Types[1].Issued != 2 || v.NotReady != "" {
		t.Errorf("the day as reported: %+v", v)
	}
}
