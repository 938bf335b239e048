package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"billrun/schema/testdb"
)

// Issue 25: with the ticket series naming a global invoice series, a batch's tickets have
// no CFDI of their own (nothing sealed, printed or e-mailed; the batch ends); `batch create
// --global --period 2026-11` makes one CFDI to the general public with InformacionGlobal,
// one concept per ticket, that SAT's schema, stylesheet and openssl accept and the PAC
// stamps, whose amounts are the tickets' to the cent; asked again it makes no second one,
// a period with no tickets makes none, and batch flags are refused with --global.
func TestGlobalInvoiceOfAMonthsTickets(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	var orders []string
	for n := 1201; n <= 1206; n++ { // tickets of JUAN (a national id: series T), VAT and IEPS
		orders = append(orders, fmt.Sprintf(`{"number": %d, "customer": "JUAN", "series": "A", "warehouse": "CENTRAL", "currency": "MXN",
			"date": "2026-11-1%d", "lines": [{"item": "B", "ordered": %d}, {"item": "TEQ", "ordered": 1, "discount": %d}]}`, n, n%7, n-1199, n%3*5))
	}
	h.importJSON(`{"series": [
		{"code": "G", "issuer": "EKU", "document_kind": "global_invoice", "closing_date": "2026-10-31"},
		{"code": "T", "issuer": "EKU", "document_kind": "ticket", "closing_date": "2026-10-31", "credit_note_series": "NC", "global_invoice_series": "G"}],
		"orders": [` + strings.Join(orders, ",") + `]}`)
	var sum struct {
		BatchID   string `json:"batch_id"`
		Completed int    `json:"completed"`
	}
	h.runJSON(&sum, "batch", "create", "--orders", "1201-1206", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--wait")
	if sum.Completed != 6 {
		t.Fatalf("batch: %+v", sum)
	}
	if got := h.str(`select string_agg(distinct document_kind || ' ' || fiscal_status || ' ' || delivery_status, ', ') from invoices where batch_id = $1`, sum.BatchID); got != "ticket global skipped" {
		t.Fatalf("the batch's tickets: %s", got)
	}
	if n := h.int(`select count(*) from fiscal_documents f join invoices v on v.id = f.invoice_id where v.batch_id = $1`, sum.BatchID); n != 0 {
		t.Fatalf("%d tickets have a CFDI of their own", n)
	}

	if _, err := h.run("batch", "create", "--global", "--period", "2026-11", "--orders", "1-2"); err == nil {
		t.Error("--global with --orders was taken")
	}
	if _, err := h.run("batch", "create", "--global", "--period", "2026-12", "--periodicity", "05"); err == nil {
		t.Error("a bimester starting in December was taken")
	}
	if out := h.mustRun("batch", "create", "--global", "--period", "2026-10", "--wait"); !strings.Contains(out, "none made") {
		t.Errorf("October, with no tickets: %s", out)
	}
	out := h.mustRun("batch", "create", "--global", "--period", "2026-11", "--wait")
	if !strings.Contains(out, "G-1 carries 6 tickets") {
		t.Fatalf("global invoice: %s", out)
	}
	if again := h.mustRun("batch", "create", "--global", "--period", "2026-11", "--wait"); !strings.Contains(again, "no tickets left to declare: the period's global invoices are G-1") {
		t.Errorf("asked again: %s", again)
	}
	if n := h.int(`select count(*) from invoices where document_kind = 'global_invoice'`); n != 1 {
		t.Fatalf("%d global invoices, want 1", n)
	}
	id := h.int(`select id from invoices where document_kind = 'global_invoice'`)
	if got := h.str(`select status || ' ' || fiscal_status || ' ' || customer || ' ' || delivery_status from invoices where id = $1`, id); got != "completed pdf MOSTRADOR sent" {
		t.Errorf("global invoice: %s", got)
	}
	xml := h.str(`select xml from fiscal_documents where invoice_id = $1`, id)
	checkStampedCFDI(t, xml, h.cfg.PACCert)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	ig := doc.FindElement("//InformacionGlobal")
	if ig == nil || ig.SelectAttrValue("Periodicidad", "") != "04" || ig.SelectAttrValue("Meses", "") != "11" || ig.SelectAttrValue("Año", "") != "2026" {
		t.Fatalf("InformacionGlobal: %v", ig)
	}
	if r := doc.FindElement("//Receptor"); r.SelectAttrValue("Rfc", "") != "XAXX010101000" || r.SelectAttrValue("UsoCFDI", "") != "S01" {
		t.Errorf("Receptor: %v", r.Attr)
	}
	concepts := doc.FindElements("//Conceptos/Concepto")
	tickets := h.str(`select string_agg(series || '-' || number, ',' order by number) from invoices where batch_id = $1`, sum.BatchID)
	var ids []string
	for _, c := range concepts {
		ids = append(ids, c.SelectAttrValue("NoIdentificacion", ""))
	}
	if strings.Join(ids, ",") != tickets {
		t.Errorf("concepts %v, tickets %s", ids, tickets)
	}
	total := h.str(`select sum(total)::numeric(18,2)::text from invoices where batch_id = $1`, sum.BatchID)
	if got := doc.Root().SelectAttrValue("Total", ""); got != total {
		t.Errorf("Total %s, the tickets' %s", got, total)
	}
	if show := h.mustRun("invoice", "show", fmt.Sprint(id)); !strings.Contains(show, "tickets it carries: T-1") {
		t.Errorf("invoice show of the global invoice:\n%s", show)
	}
	ticket := h.int(`select id from invoices where batch_id = $1 order by number limit 1`, sum.BatchID)
	if show := h.mustRun("invoice", "show", fmt.Sprint(ticket)); !strings.Contains(show, "in the global invoice G-1") {
		t.Errorf("invoice show of a ticket:\n%s", show)
	}

	// Cancelled with motive 02 (issued with errors), its tickets are released and the
	// period's next global invoice carries them. A ticket it carries is not cancelled alone;
	// motive 04 is for global invoices only (TestGlobalInvoiceMotive04).
	if out, err := h.run("invoice", "cancel", "T-1", "--reason", "02"); err == nil || !strings.Contains(out+err.Error(), "no CFDI of its own") {
		t.Errorf("a ticket with no CFDI of its own, cancelled: %v %s", err, out)
	}
	_, invoice := h.billed("1002")
	if out, err := h.run("invoice", "cancel", invoice, "--reason", "04"); err == nil || !strings.Contains(out+err.Error(), "motive 04 cancels a global invoice") {
		t.Errorf("motive 04 for an invoice: %v %s", err, out)
	}
	h.mustRun("invoice", "cancel", "G-1", "--reason", "02", "--wait")
	if got := h.str(`select status from invoices where id = $1`, id); got != "cancelled" {
		t.Fatalf("G-1 after its cancellation: %s", got)
	}
	if n := h.int(`select count(*) from global_invoice_tickets where global_id = $1 and released_at is null`, id); n != 0 {
		t.Fatalf("%d tickets still in the cancelled G-1", n)
	}
	if out := h.mustRun("batch", "create", "--global", "--period", "2026-11", "--wait"); !strings.Contains(out, "G-2 carries 6 tickets") {
		t.Fatalf("the period's global invoice after G-1's cancellation: %s", out)
	}
}

// checkStampedCFDI checks a stored, stamped CFDI with SAT's schema and stylesheet, openssl,
// and the PAC's certificate.
func checkStampedCFDI(t *testing.T, xml, pacCert string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cfdi.xml")
	if err := os.WriteFile(p, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{testdb.Tool(t, "xmllint"), "--noout", "--nonet", "--schema", testdb.SAT(t, "cfdi40/cfdi40-with-tfd.xsd"), p},
		{testdb.SAT(t, "tools/verify-cfdi40-sello.sh"), p},
		{testdb.SAT(t, "tools/verify-tfd11.sh"), p, pacCert},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s\n%s", filepath.Base(c[0]), err, out, xml)
		}
	}
}
