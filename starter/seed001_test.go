package main

import (
	"strings"
	"testing"

	"billrun/internal/model"
)

// Issue 27, seed 001: --numbering-series numbers every document of the batch in one series
// (the order series still selects), shown in the batch's details; a series that numbers
// credit notes or CFE, or an unknown one, is refused naming the flag.
func TestNumberingSeriesOverridesTheDocumentKindRule(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"series": [{"code": "A2", "issuer": "EKU", "document_kind": "invoice", "closing_date": "2026-10-31",
		"credit_note_series": "NC", "payment_receipt_series": "P"}]}`)
	for flag, why := range map[string]string{"NC": "numbers credit_note documents", "EF": "numbers CFE", "GHOST": "unknown series"} {
		msg := h.mustFail("batch", "create", "--orders", "1001-1009", "--series", "A", "--date", "2026-11-23", "--numbering-series", flag)
		if !strings.Contains(msg, "--numbering-series:") || !strings.Contains(msg, why) {
			t.Errorf("--numbering-series %s: %s", flag, msg)
		}
	}
	var sum model.Summary
	// 1002 (TANGO, a tax registration: series A by the rule) and 1009 (JUAN, a national id: a T ticket by the rule).
	h.runJSON(&sum, "batch", "create", "--orders", "1002-1009", "--customers", "TANGO,JUAN", "--series", "A", "--date", "2026-11-23",
		"--numbering-series", "A2", "--grouping", "none", "--wait")
	if sum.Completed == 0 || !strings.Contains(sum.Selection, "numbered in series A2") {
		t.Fatalf("batch: %+v", sum)
	}
	if got := h.str(`select string_agg(distinct series || ' ' || document_kind, ', ') from invoices where batch_id = $1`, sum.BatchID); got != "A2 invoice" {
		t.Errorf("documents numbered in %s, want A2 invoice only", got)
	}
	if got := h.str(`select string_agg(distinct customer, ',' order by customer) from invoices where batch_id = $1`, sum.BatchID); got != "JUAN,TANGO" {
		t.Errorf("customers billed: %s", got)
	}
}

// Issue 27, seed 001 (Infor LN's "Tipo de transacción de facturación": a default series
// per order class): an order of a class is numbered in its class's series, so orders of
// classes with different series never share an invoice, and the rest keep the document
// kind rule; a batch's --numbering-series still numbers everything in one. A class mapped
// to another issuer's series is refused at import, naming the record and field.
func TestOrderClassesNumberInTheirSeries(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"series": [
		{"code": "S", "issuer": "EKU", "document_kind": "invoice", "closing_date": "2026-10-31", "credit_note_series": "NC", "payment_receipt_series": "P"},
		{"code": "A2", "issuer": "EKU", "document_kind": "invoice", "closing_date": "2026-10-31", "credit_note_series": "NC", "payment_receipt_series": "P"},
		{"code": "UX", "issuer": "UYE", "document_kind": "invoice"}],
	  "order_classes": [{"code": "SRV", "series": "S"}, {"code": "VTA", "series": "A"}, {"code": "OTRO", "series": "UX"}],
	  "orders": [
		{"number": 1701, "customer": "FORSETI", "series": "A", "class": "SRV", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "MANT", "ordered": 1, "price": 850}]},
		{"number": 1702, "customer": "FORSETI", "series": "A", "class": "VTA", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 10, "price": 10}]},
		{"number": 1703, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 5, "price": 10}]},
		{"number": 1704, "customer": "FORSETI", "series": "A", "class": "SRV", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "MANT", "ordered": 2, "price": 850}]},
		{"number": 1705, "customer": "FORSETI", "series": "A", "class": "VTA", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 1, "price": 10}]}]}`)
	msg := h.mustFail("import", writeTemp(t, `{"orders": [{"number": 1799, "customer": "FORSETI", "series": "A", "class": "OTRO",
		"warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10", "lines": [{"item": "B", "ordered": 1}]}]}`))
	if !strings.Contains(msg, "orders[0] (number 1799): class: class OTRO numbers in series UX of issuer UYE, but the order's series A is issuer EKU's") {
		t.Errorf("a class of another issuer's series: %s", msg)
	}
	msg = h.mustFail("import", writeTemp(t, `{"order_classes": [{"code": "NOTAS", "series": "NC"}, {"code": "CFE", "series": "EF"}]}`))
	if !strings.Contains(msg, "order_classes[0] (NOTAS): series: series NC numbers credit_note documents") ||
		!strings.Contains(msg, "order_classes[1] (CFE): series: series EF numbers CFE") {
		t.Errorf("classes of series that cannot number orders: %s", msg)
	}

	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1701-1703", "--series", "A", "--date", "2026-11-23", "--wait")
	if sum.Completed != 2 || sum.Failed != 0 {
		t.Fatalf("batch: %+v", sum)
	}
	docs := func(batch string) string {
		return h.str(`select string_agg(v.series || ': ' || x.orders, '; ' order by v.series) from invoices v
			cross join lateral (select string_agg(distinct split_part(source_ref, ' line', 1), ', ') as orders from invoice_lines where invoice_id = v.id) x
			where v.batch_id = $1`, batch)
	}
	// 1701 (SRV) in S; 1702 (VTA → A) and 1703 (no class: the document kind rule → A) together.
	if got := docs(sum.BatchID); got != "A: order 1702, order 1703; S: order 1701" {
		t.Errorf("documents: %s", got)
	}
	if got := h.str(`select string_agg(number::text, ',') from invoices where batch_id = $1 and series = 'S'`, sum.BatchID); got != "1" {
		t.Errorf("series S numbered %s, want 1", got)
	}
	// The batch's numbering series overrides the classes.
	sum = model.Summary{}
	h.runJSON(&sum, "batch", "create", "--orders", "1704-1705", "--series", "A", "--date", "2026-11-23", "--numbering-series", "A2", "--wait")
	if got := docs(sum.BatchID); sum.Completed != 1 || got != "A2: order 1704, order 1705" {
		t.Errorf("with --numbering-series A2: %s (%+v)", got, sum)
	}
	h.checkBooks()
}
