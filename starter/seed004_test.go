package main

import (
	"strings"
	"testing"
	"time"
)

// Issue 27, seed 004: a credit note is cancelled as SAT cancels any CFDI; then the goods
// its return brought in go out again, its credit is owed again on the invoice it
// corrected, its journal entry is reversed — and the invoice, with no live credit note
// left, may be cancelled in turn.
func TestCancellingACreditNote(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	id, no := h.billed("1001")
	balance := func() string {
		return h.str(`select balance::numeric(18,2)::text from receivables where invoice_id = $1`, id)
	}
	stockB := func() string { return h.str(`select on_hand::numeric(18,0)::text from stock where item = 'B'`) }
	before, stock := balance(), stockB()
	lineB := h.str(`select line_no::text from invoice_lines where invoice_id = $1 and item = 'B'`, id)
	h.mustRun("invoice", "return", no, "--line", lineB, "--qty", "10", "--date", "2026-11-24", "--wait")
	cn := h.str(`select series || '-' || number from invoices where credit_of = $1`, id)
	if balance() == before || stockB() == stock {
		t.Fatalf("the return moved nothing: balance %s, stock %s", balance(), stockB())
	}
	if msg := h.mustFail("invoice", "cancel", no, "--reason", "02"); !strings.Contains(msg, "credit notes "+cn+" relate to it") {
		t.Errorf("the invoice with its credit note standing: %s", msg)
	}
	h.mustRun("invoice", "cancel", cn, "--reason", "02", "--wait")
	if got := h.str(`select status from invoices where series || '-' || number = $1`, cn); got != "cancelled" {
		t.Fatalf("%s after its cancellation: %s", cn, got)
	}
	if balance() != before || stockB() != stock {
		t.Errorf("after cancelling %s: balance %s (was %s), stock of B %s (was %s)", cn, balance(), before, stockB(), stock)
	}
	if n := h.int(`select count(*) from journal_entries where kind = 'cancellation' and invoice_id = (select id from invoices where series || '-' || number = $1)`, cn); n != 1 {
		t.Errorf("%d reversing entries of %s, want 1", n, cn)
	}
	h.mustRun("invoice", "cancel", no, "--reason", "02", "--poll-every", "1s") // over 1,000 pesos: the receiver must accept
	h.waitFor(no+"'s cancellation asked of SAT", time.Minute, func() bool {
		return h.int(`select count(*) from cancellations where invoice_id = $1 and status = 'pending'`, id) == 1
	})
	h.sandboxAnswer(h.str(`select uuid from fiscal_documents where invoice_id = $1`, id), true)
	h.waitFor(no+" cancelled", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and status = 'cancelled'`, id) == 1
	})
	h.checkBooks()
}

// Seed 004 (devoluciones, rule 4): even when a delivery note, not the invoice, took the
// goods out (seed 002: the invoice of a series that does not discharge stock), their
// return brings them back into the warehouse (the order's); goods that never left
// (invoiced by such a series, never delivered) come back in on no return.
func TestReturnAfterADeliveryNoteBringsTheGoodsIn(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"series": [{"code": "A", "issuer": "EKU", "document_kind": "invoice", "closing_date": "2026-10-31", "max_lines": 10,
		"credit_note_series": "NC", "payment_receipt_series": "P", "discharge_stock": false}],
		"orders": [{"number": 1601, "customer": "KEMPER", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 5, "delivered": 5}]},
		 {"number": 1602, "customer": "KEMPER", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 3}]}]}`)
	stockB := func() string {
		return h.str(`select on_hand::numeric(18,0)::text from stock where warehouse = 'CENTRAL' and item = 'B'`)
	}
	before := stockB()
	id, no := h.billed("1601")
	if stockB() != before {
		t.Fatalf("an invoice of goods a delivery note delivered moved stock: %s → %s", before, stockB())
	}
	h.mustRun("invoice", "return", no, "--line", "1", "--qty", "2", "--date", "2026-11-24", "--wait")
	if got := subtract(t, stockB(), before); got != "2.00" {
		t.Errorf("B after returning 2 delivered by a delivery note: %s more, want 2", got)
	}
	if got := h.str(`select m.direction || ' ' || m.reason || ' ' || m.quantity::numeric(18,0)::text from stock_movements m
		join invoice_lines l on l.id = m.invoice_line_id join invoices v on v.id = l.invoice_id where v.credit_of = $1`, id); got != "in return 2" {
		t.Errorf("the return's movement: %s", got)
	}

	// Invoiced, never delivered: nothing left, nothing comes back.
	_, no2 := h.billed("1602")
	before = stockB()
	h.mustRun("invoice", "return", no2, "--line", "1", "--qty", "1", "--date", "2026-11-24", "--wait")
	if stockB() != before {
		t.Errorf("goods never delivered came back in: %s → %s", before, stockB())
	}
}
