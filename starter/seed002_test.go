package main

import (
	"strings"
	"testing"
)

// Issue 27, seed 002: an invoice refuses to discharge more than the available balance (on
// hand less what other orders committed; an order's own commitment is its own); a line a
// delivery note partly delivered discharges only the rest; an order is fulfilled only once
// nothing is left to invoice and to deliver.
func TestSeed002AvailableStockAndFulfilment(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	// Item A: 500 on hand, 100 committed by order 1001 (demo). Order 1501 wants 450: only
	// 400 are available to it. Order 1001 takes its own 100 whatever the others want.
	h.importJSON(`{"orders": [
		{"number": 1501, "customer": "KEMPER", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "A", "ordered": 450}]},
		{"number": 1502, "customer": "KEMPER", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 10, "delivered": 4}, {"item": "MANT", "ordered": 1, "price": 100}]}]}`)
	msg := h.mustFail("batch", "create", "--orders", "1501-1501", "--series", "A", "--date", "2026-11-23", "--wait")
	rep := h.mustRun("batch", "report", h.str(`select batch_id from invoices order by id desc limit 1`))
	if !strings.Contains(rep, "not enough stock of item A in warehouse CENTRAL: 500 on hand, 100 of it committed to other orders, 450 to discharge") {
		t.Errorf("order 1501 over the available balance:\n%s\n%s", msg, rep)
	}
	h.billed("1001") // its own 100 committed: taken
	if got := h.str(`select on_hand::numeric(18,0) || '/' || committed::numeric(18,0) from stock where item = 'A'`); got != "400/0" {
		t.Errorf("stock of A after order 1001: %s, want 400/0", got)
	}

	// Order 1502: 4 of its 10 B were delivered by a delivery note: the invoice discharges 6.
	before := h.str(`select on_hand::numeric(18,0)::text from stock where item = 'B'`)
	h.billed("1502")
	after := h.str(`select on_hand::numeric(18,0)::text from stock where item = 'B'`)
	if subtract(t, before, after) != "6.00" {
		t.Errorf("B went %s → %s: the invoice should discharge the 6 not delivered", before, after)
	}
	if got := h.str(`select status from sales_orders where number = 1502`); got != "fulfilled" {
		t.Errorf("order 1502, invoiced and delivered: %s", got)
	}

	// A series that does not discharge stock at invoicing: invoiced is not delivered, and
	// the order stays open until a delivery note delivers it.
	h.importJSON(`{"series": [{"code": "A", "issuer": "EKU", "document_kind": "invoice", "closing_date": "2026-10-31", "max_lines": 10,
		"credit_note_series": "NC", "payment_receipt_series": "P", "discharge_stock": false}],
		"orders": [{"number": 1503, "customer": "KEMPER", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 5}]}]}`)
	h.billed("1503")
	if got := h.str(`select o.status || ' ' || l.qty_invoiced::numeric(18,0) || '/' || l.qty_delivered::numeric(18,0)
		from sales_orders o join sales_order_lines l on l.order_id = o.id where o.number = 1503`); got != "approved 5/0" {
		t.Errorf("order 1503, invoiced, not delivered: %s", got)
	}
}
