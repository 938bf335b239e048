package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// globalMonth imports the demo with its tickets going in G, bills n tickets of JUAN dated
// in November 2026 and makes their global invoice G-1; it answers G-1's id.
func globalMonth(t *testing.T, h *harness, first, n int) int {
	t.Helper()
	h.mustRun("import", "../examples/demo.json")
	var orders []string
	for o := first; o < first+n; o++ {
		orders = append(orders, fmt.Sprintf(`{"number": %d, "customer": "JUAN", "series": "A", "warehouse": "CENTRAL", "currency": "MXN",
			"date": "2026-11-1%d", "lines": [{"item": "B", "ordered": %d}]}`, o, o%7, o%5+1))
	}
	h.importJSON(`{"series": [
		{"code": "G", "issuer": "EKU", "document_kind": "global_invoice", "closing_date": "2026-10-31"},
		{"code": "T", "issuer": "EKU", "document_kind": "ticket", "closing_date": "2026-10-31", "credit_note_series": "NC", "global_invoice_series": "G"}],
		"orders": [` + strings.Join(orders, ",") + `]}`)
	h.mustRun("batch", "create", "--orders", fmt.Sprintf("%d-%d", first, first+n-1), "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--wait")
	if out := h.mustRun("batch", "create", "--global", "--period", "2026-11", "--wait"); !strings.Contains(out, fmt.Sprintf("G-1 carries %d tickets", n)) {
		t.Fatalf("global invoice: %s", out)
	}
	return h.int(`select id from invoices where series = 'G' and number = 1`)
}

// Motive 04 (SAT: a sale in a global invoice is invoiced nominatively): the operator names
// the sales and their customers; bad ones are refused with nothing written (exit 2, naming
// them); once SAT has cancelled the global invoice, each named sale becomes an invoice of
// its own to its customer (sealed, stamped, printed, e-mailed) and the others go in a new
// global invoice of the period relating the cancelled one with TipoRelacion 04. Asked
// again, nothing is made twice.
func TestGlobalInvoiceMotive04(t *testing.T) {
	h := newHarness(t, true)
	g1 := globalMonth(t, h, 1401, 4)
	uuid1 := h.str(`select uuid from fiscal_documents where invoice_id = $1`, g1)
	if _, err := h.db.Exec(t.Context(), `update customers set postal_code = '' where code = 'SOCIO'`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ args, says string }{
		{"", "--nominative T-12=CUSTOMER"},
		{"--nominative T-99=TANGO", "no ticket or invoice is numbered T-99"},
		{"--nominative T-1=NOBODY", "no customer NOBODY"},
		{"--nominative T-1=JUAN", "customer JUAN has no tax registration"},
		{"--nominative T-1=SOCIO", "customer SOCIO has no postal code"},
		{"--nominative T-1=TANGO,T-1=FORSETI", "T-1: named twice"},
		{"--nominative T-1", "not SALE=CUSTOMER"},
	} {
		args := append([]string{"invoice", "cancel", "G-1", "--reason", "04"}, strings.Fields(c.args)...)
		out, err := h.run(args...)
		if exitCode(err) != exitUsage || !strings.Contains(out+fmt.Sprint(err), c.says) {
			t.Errorf("%s: %v, want exit 2 saying %q\n%s", c.args, err, c.says, out)
		}
	}
	if out, err := h.run("invoice", "cancel", "G-1", "--reason", "02", "--nominative", "T-1=TANGO"); exitCode(err) != exitUsage || !strings.Contains(out+fmt.Sprint(err), "only motive 04") {
		t.Errorf("motive 02 naming sales: %v %s", err, out)
	}
	if out, err := h.run("invoice", "cancel", "T-1", "--reason", "02"); exitCode(err) != exitUsage || !strings.Contains(out+fmt.Sprint(err), "declared in the global invoice G-1") {
		t.Errorf("a ticket in G-1, cancelled alone: %v %s", err, out)
	}
	if n := h.int(`select count(*) from cancellations`) + h.int(`select count(*) from global_nominatives`); n != 0 {
		t.Fatalf("refused requests wrote %d rows", n)
	}

	h.mustRun("invoice", "cancel", "G-1", "--reason", "04", "--nominative", "T-1=TANGO,T-3=FORSETI", "--wait")
	again := h.mustRun("invoice", "cancel", "G-1", "--reason", "04", "--nominative", "T-1=TANGO,T-3=FORSETI", "--wait")
	if !strings.Contains(again, "asked before") {
		t.Errorf("asked again: %s", again)
	}
	if got := h.str(`select status from invoices where id = $1`, g1); got != "cancelled" {
		t.Fatalf("G-1: %s", got)
	}
	if got := h.str(`select string_agg(series || '-' || number || ' ' || status || ' ' || fiscal_status || ' ' || delivery_status, ', ' order by number) from invoices where series = 'G'`); got != "G-1 cancelled cancelled sent, G-2 completed pdf sent" &&
		got != "G-1 cancelled pdf sent, G-2 completed pdf sent" {
		t.Errorf("global invoices: %s", got)
	}
	g2 := h.int(`select id from invoices where series = 'G' and number = 2`)
	if got := h.str(`select string_agg(v.series || '-' || v.number, ',' order by v.number) from global_invoice_tickets g join invoices v on v.id = g.ticket_id
		where g.global_id = $1 and g.released_at is null`, g2); got != "T-2,T-4" {
		t.Errorf("G-2 carries %s, want T-2,T-4", got)
	}
	xml := h.str(`select xml from fiscal_documents where invoice_id = $1`, g2)
	checkStampedCFDI(t, xml, h.cfg.PACCert)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	rel := doc.FindElement("//CfdiRelacionados")
	if rel == nil || rel.SelectAttrValue("TipoRelacion", "") != "04" || doc.FindElement("//CfdiRelacionado").SelectAttrValue("UUID", "") != uuid1 {
		t.Errorf("G-2 relates %v, want TipoRelacion 04 to G-1's %s", rel, uuid1)
	}
	if ig := doc.FindElement("//InformacionGlobal"); ig == nil || ig.SelectAttrValue("Meses", "") != "11" {
		t.Errorf("G-2's InformacionGlobal: %v", ig)
	}
	for ticket, rfc := range map[string]string{"T-1": "MASO451221PM4", "T-3": "URE180429TM6"} {
		id := h.int(`select id from invoices where series || '-' || number = $1`, ticket)
		h.waitFor(ticket+" stamped, printed and e-mailed", time.Minute, func() bool {
			return h.str(`select fiscal_status || ' ' || delivery_status from invoices where id = $1`, id) == "pdf sent"
		})
		x := h.str(`select xml from fiscal_documents where invoice_id = $1`, id)
		checkStampedCFDI(t, x, h.cfg.PACCert)
		d := etree.NewDocument()
		if err := d.ReadFromString(x); err != nil {
			t.Fatal(err)
		}
		if got := d.FindElement("//Receptor").SelectAttrValue("Rfc", ""); got != rfc || d.FindElement("//InformacionGlobal") != nil {
			t.Errorf("%s's CFDI goes to %s, want %s, with no InformacionGlobal", ticket, got, rfc)
		}
		if got := h.str(`select r.customer from receivables r where r.invoice_id = $1 and r.status not in ('reversed', 'cancelled')`, id); got == "JUAN" {
			t.Errorf("%s's receivable is still JUAN's", ticket)
		}
	}
	if n := h.int(`select count(*) from invoices where document_kind = 'global_invoice'`); n != 2 {
		t.Errorf("%d global invoices, want 2", n)
	}
	// The period's global invoice asked again makes nothing: every sale is declared once.
	if out := h.mustRun("batch", "create", "--global", "--period", "2026-11", "--wait"); !strings.Contains(out, "no tickets left to declare: the period's global invoices are G-2") {
		t.Errorf("the period asked again: %s", out)
	}
}

// A sale a global invoice declares takes a return: its credit note is an egreso to the
// general public relating the global invoice's CFDI (TipoRelacion 03), in its period, and
// the global invoice is then not cancelled before it. A sale no global invoice declares
// yet takes no credit note (there is no CFDI to relate) but is cancelled alone: nothing at
// SAT, its effects undone, and no global invoice carries it.
func TestGlobalInvoiceReturnsAndUndeclaredTickets(t *testing.T) {
	h := newHarness(t, true)
	g1 := globalMonth(t, h, 1501, 3)
	uuid1 := h.str(`select uuid from fiscal_documents where invoice_id = $1`, g1)
	h.importJSON(`{"orders": [
		{"number": 1504, "customer": "JUAN", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-25", "lines": [{"item": "B", "ordered": 4}]},
		{"number": 1505, "customer": "JUAN", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-25", "lines": [{"item": "B", "ordered": 5}]}]}`)
	h.mustRun("batch", "create", "--orders", "1504-1505", "--series", "A", "--date", "2026-11-25", "--grouping", "none", "--wait")
	ofOrder := func(order int) (int, string) { // batch invoices are numbered in whatever order they complete
		sql := `select %s from invoices v where v.id = (select l.invoice_id from invoice_lines l join sales_order_lines ol on ol.id = l.source_id
			join sales_orders o on o.id = ol.order_id where o.number = $1 limit 1)`
		return h.int(fmt.Sprintf(sql, "v.id"), order), h.str(fmt.Sprintf(sql, "v.series || '-' || v.number"), order)
	}
	t4, n4 := ofOrder(1504)
	_, n5 := ofOrder(1505)

	// Not declared yet: no credit note, but cancelled alone.
	if out, err := h.run("invoice", "return", n5, "--line", "1", "--qty", "1"); exitCode(err) != exitUsage || !strings.Contains(out+fmt.Sprint(err), "no global invoice declares it yet") {
		t.Errorf("a return of an undeclared ticket: %v %s", err, out)
	}
	stock := h.str(`select on_hand::text from stock where warehouse = 'CENTRAL' and item = 'B'`)
	h.mustRun("invoice", "cancel", n4, "--reason", "02", "--wait")
	if got := h.str(`select status from invoices where id = $1`, t4); got != "cancelled" {
		t.Fatalf("%s after its cancellation: %s", n4, got)
	}
	if got := h.str(`select on_hand::text from stock where warehouse = 'CENTRAL' and item = 'B'`); got == stock {
		t.Errorf("%s's stock did not come back (%s)", n4, got)
	}
	out := h.mustRun("batch", "create", "--global", "--period", "2026-11", "--wait")
	if !strings.Contains(out, "G-2 carries 1 tickets") {
		t.Errorf("the period's leftovers (%s only): %s", n5, out)
	}
	if n := h.int(`select count(*) from global_invoice_tickets where ticket_id = $1`, t4); n != 0 {
		t.Errorf("the cancelled %s is in a global invoice", n4)
	}

	// Declared in G-1: a return relates G-1's CFDI.
	h.mustRun("invoice", "return", "T-1", "--line", "1", "--qty", "1", "--wait")
	nc := h.int(`select id from invoices where credit_of = (select id from invoices where series = 'T' and number = 1)`)
	h.waitFor("the credit note stamped", time.Minute, func() bool {
		return h.int(`select count(*) from fiscal_documents where invoice_id = $1 and uuid is not null`, nc) == 1
	})
	xml := h.str(`select xml from fiscal_documents where invoice_id = $1`, nc)
	checkStampedCFDI(t, xml, h.cfg.PACCert)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	rel, ig := doc.FindElement("//CfdiRelacionados"), doc.FindElement("//InformacionGlobal")
	switch {
	case doc.Root().SelectAttrValue("TipoDeComprobante", "") != "E":
		t.Errorf("the credit note is not an egreso")
	case rel == nil || rel.SelectAttrValue("TipoRelacion", "") != "03" || doc.FindElement("//CfdiRelacionado").SelectAttrValue("UUID", "") != uuid1:
		t.Errorf("the credit note relates %v, want 03 to G-1's %s", rel, uuid1)
	case doc.FindElement("//Receptor").SelectAttrValue("Rfc", "") != "XAXX010101000":
		t.Errorf("the credit note's receiver is not the general public")
	case ig == nil || ig.SelectAttrValue("Periodicidad", "") != "04" || ig.SelectAttrValue("Meses", "") != "11" || ig.SelectAttrValue("Año", "") != "2026":
		t.Errorf("the credit note's InformacionGlobal: %v", ig)
	}
	if out, err := h.run("invoice", "cancel", "G-1", "--reason", "02"); exitCode(err) != exitUsage || !strings.Contains(out+fmt.Sprint(err), "credit notes NC-") {
		t.Errorf("G-1 cancelled with a credit note relating it: %v %s", err, out)
	}
}
