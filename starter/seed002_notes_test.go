package main

import (
	"strings"
	"testing"

	"billrun/internal/store"
)

// Issue 27, seed 002 (Tango, remitos) and seed 004 (Forseti, remisiones): a delivery note
// is a document of its own. It takes the goods out of the order's warehouse when it is
// recorded, once; the invoice that bills its lines discharges only what no note delivered
// and marks the notes it covers invoiced ("dejando el estado de los remitos como
// 'Facturados'"); the invoice's cancellation releases the mark, and the note's movement
// stays (seed 004: it belongs to the remisión).
func TestDeliveryNotesMarkedInvoiced(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"orders": [
		{"number": 1701, "customer": "KEMPER", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 10}, {"item": "TEQ", "ordered": 30}, {"item": "MANT", "ordered": 1, "price": 100}]}]}`)
	stock := func(item string) string {
		return h.str(`select on_hand::numeric(18,0)::text from stock where warehouse = 'CENTRAL' and item = $1`, item)
	}
	b0 := stock("B")

	// Refused, naming the line, with nothing written (exit 2).
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--line", "1", "--qty", "11"}, "--line 1 --qty 11: more than the 10 left to deliver (10 ordered, 0 delivered)"},
		{[]string{"--line", "1", "--qty", "4", "--line", "2", "--qty", "25"},
			"--line 2: not enough stock of item TEQ in warehouse CENTRAL: 20 on hand, 0 of it committed to other orders, 25 to deliver"},
		{[]string{"--line", "3", "--qty", "1"}, "--line 3: item MANT is not stocked: there is nothing to deliver"},
		{[]string{"--line", "9", "--qty", "1"}, "--line 9: order 1701 has no line 9"},
		{[]string{"--line", "1", "--line", "2", "--qty", "1"}, "--line/--qty: 2 lines and 1 quantities"},
		{[]string{"--line", "1", "--qty", "x"}, `--line 1 --qty: "x" is not a number`},
		{[]string{"--line", "1", "--qty", "1", "--date", "2999-01-01"}, "--date: 2999-01-01 is after today where the issuer is"},
	} {
		out, err := h.run(append([]string{"order", "deliver", "1701", "--date", "2026-11-20"}, c.args...)...)
		if err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("order deliver %v: %v (exit %d), want %q\n%s", c.args, err, exitCode(err), c.want, out)
		}
	}
	if n := h.int(`select count(*) from delivery_notes`); n != 0 || stock("B") != b0 {
		t.Fatalf("refused deliveries wrote %d notes, B %s → %s", n, b0, stock("B"))
	}
	if _, err := h.run("order", "deliver", "1799", "--line", "1", "--qty", "1", "--date", "2026-11-20"); exitCode(err) != exitUsage {
		t.Errorf("an unknown order: %v", err)
	}

	// 4 of the 10 B delivered: out of stock now, once.
	deliver := []string{"order", "deliver", "1701", "--line", "1", "--qty", "4", "--date", "2026-11-20", "--key", "truck-1"}
	if out := h.mustRun(deliver...); !strings.Contains(out, "delivery note 1701-1 of order 1701") {
		t.Errorf("order deliver: %s", out)
	}
	if out := h.mustRun(deliver...); !strings.Contains(out, "delivery note 1701-1 was recorded already") {
		t.Errorf("the same delivery again: %s", out)
	}
	if msg := h.mustFail("order", "deliver", "1701", "--line", "1", "--qty", "5", "--date", "2026-11-20", "--key", "truck-1"); !strings.Contains(msg, "--key truck-1: already names delivery note 1701-1") {
		t.Errorf("the key of another delivery: %s", msg)
	}
	if got := subtract(t, b0, stock("B")); got != "4.00" {
		t.Errorf("B after the delivery note: %s out, want 4", got)
	}
	if got := h.str(`select m.reason || ' ' || m.quantity::numeric(18,0) || ' ' || l.qty_delivered::numeric(18,0)
		from stock_movements m join delivery_note_lines nl on nl.id = m.delivery_note_line_id join sales_order_lines l on l.id = nl.order_line_id`); got != "delivery 4 4" {
		t.Errorf("the note's movement and the line's delivered quantity: %s", got)
	}

	// The invoice discharges only the 6 not delivered and marks the note invoiced by it; the
	// rest of TEQ is delivered by a second note first.
	h.mustRun("order", "deliver", "1701", "--line", "2", "--qty", "20", "--date", "2026-11-21")
	h.importJSON(`{"stock": [{"warehouse": "CENTRAL", "item": "TEQ", "on_hand": 10, "count": true}]}`)

	// A line a bill run holds (here a draft's) is not delivered until its invoice is done.
	draft := h.batchID("DRAFT")
	h.mustRun("batch", "create", "--id", draft, "--orders", "1701-1701", "--series", "A", "--date", "2026-11-23", "--draft", "--wait")
	if msg := h.mustFail("order", "deliver", "1701", "--line", "1", "--qty", "1", "--date", "2026-11-22"); !strings.Contains(msg, "--line 1: 10 of it are in a bill run") {
		t.Errorf("delivering a line a draft holds: %s", msg)
	}
	h.mustRun("batch", "reject", draft, "--reason", "delivered first")
	before := stock("B")
	_, no := h.billed("1701")
	if got := subtract(t, before, stock("B")); got != "6.00" {
		t.Errorf("B: the invoice discharged %s, want the 6 not delivered", got)
	}
	if got := stock("TEQ"); got != "0" {
		t.Errorf("TEQ after the invoice of 30, 20 delivered by a note: %s on hand, want 0", got)
	}
	notes := h.notes("1701")
	if len(notes) != 2 || notes[0].Lines[0].Invoices[0] != no+": 4" || notes[1].Lines[0].Invoices[0] != no+": 20" {
		t.Errorf("the notes after %s: %+v", no, notes)
	}
	out := h.mustRun("order", "deliveries", "1701")
	if !strings.Contains(out, "invoiced by "+no) {
		t.Errorf("order deliveries:\n%s", out)
	}
	t.Logf("order deliveries 1701:\n%s", out)
	if got := h.str(`select status from sales_orders where number = 1701`); got != "fulfilled" {
		t.Errorf("order 1701, invoiced and delivered: %s", got)
	}
	if msg := h.mustFail("order", "deliver", "--cancel", "1701-1"); !strings.Contains(msg, "--cancel 1701-1: 4 of its goods are invoiced") {
		t.Errorf("cancelling an invoiced note: %s", msg)
	}

	// A note not invoiced is cancelled: its goods come back, once, and are to deliver again.
	h.importJSON(`{"orders": [{"number": 1704, "customer": "KEMPER", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 7}]}]}`)
	b1 := stock("B")
	h.mustRun("order", "deliver", "1704", "--line", "1", "--qty", "7", "--date", "2026-11-22")
	if got := h.str(`select status from sales_orders where number = 1704`); got != "approved" {
		t.Errorf("order 1704, delivered, not invoiced: %s", got)
	}
	if out := h.mustRun("order", "deliver", "--cancel", "1704-1"); !strings.Contains(out, "delivery note 1704-1 cancelled") {
		t.Errorf("order deliver --cancel: %s", out)
	}
	if out := h.mustRun("order", "deliver", "--cancel", "1704-1"); !strings.Contains(out, "cancelled already") {
		t.Errorf("the cancellation again: %s", out)
	}
	if got := stock("B"); got != b1 {
		t.Errorf("B after the note's cancellation: %s, want %s", got, b1)
	}
	if got := h.str(`select l.qty_delivered::numeric(18,0) || ' ' || n.status from sales_order_lines l
		join delivery_note_lines nl on nl.order_line_id = l.id join delivery_notes n on n.id = nl.note_id
		join sales_orders o on o.id = l.order_id where o.number = 1704`); got != "0 cancelled" {
		t.Errorf("order 1704's line after the cancellation: %s", got)
	}
	for _, args := range [][]string{{"--cancel", "1704-9"}, {"--cancel", "x"}, {"1704", "--cancel", "1704-1"}} {
		if _, err := h.run(append([]string{"order", "deliver"}, args...)...); exitCode(err) != exitUsage {
			t.Errorf("order deliver %v: %v", args, err)
		}
	}
	h.checkBooks()
}

// A series that does not discharge stock at invoicing (seed 002: "se actualizarán las
// cantidades pendientes de facturar de los remitos asociados"): the invoices cover the
// notes oldest first, in part; cancelling one releases what it covered, the goods stay out.
func TestDeliveryNotesOfASeriesThatDoesNotDischarge(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"series": [{"code": "A", "issuer": "EKU", "document_kind": "invoice", "closing_date": "2026-10-31", "max_lines": 10,
		"credit_note_series": "NC", "payment_receipt_series": "P", "discharge_stock": false}],
		"orders": [{"number": 1702, "customer": "KEMPER", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 8, "to_invoice": 5}]}]}`)
	stockB := func() string {
		return h.str(`select on_hand::numeric(18,0)::text from stock where warehouse = 'CENTRAL' and item = 'B'`)
	}
	b0 := stockB()
	h.mustRun("order", "deliver", "1702", "--line", "1", "--qty", "3", "--date", "2026-11-20")
	h.mustRun("order", "deliver", "1702", "--line", "1", "--qty", "5", "--date", "2026-11-21")
	if got := subtract(t, b0, stockB()); got != "8.00" {
		t.Fatalf("B after two notes: %s out, want 8", got)
	}
	_, first := h.billed("1702") // 5: note 1702-1's 3 and 2 of 1702-2's 5
	h.mustRun("order", "to-invoice", "1702", "--line", "1", "--qty", "3")
	secondID, second := h.billed("1702") // the other 3 of 1702-2
	if got := subtract(t, b0, stockB()); got != "8.00" {
		t.Errorf("B after the invoices: %s out, want the notes' 8", got)
	}
	notes := h.notes("1702")
	if len(notes) != 2 || strings.Join(notes[0].Lines[0].Invoices, ",") != first+": 3" ||
		strings.Join(notes[1].Lines[0].Invoices, ",") != first+": 2,"+second+": 3" {
		t.Errorf("the notes after %s and %s: %+v", first, second, notes)
	}
	if got := h.str(`select status from sales_orders where number = 1702`); got != "fulfilled" {
		t.Errorf("order 1702, invoiced and delivered: %s", got)
	}

	h.mustRun("invoice", "cancel", second, "--reason", "02", "--wait")
	if got := h.str(`select status from invoices where id = $1`, secondID); got != "cancelled" {
		t.Fatalf("%s after its cancellation: %s", second, got)
	}
	notes = h.notes("1702")
	if l := notes[1].Lines[0]; strings.Join(l.Invoices, ",") != first+": 2" || l.Invoiced.String() != "2" {
		t.Errorf("note 1702-2 after cancelling %s: %+v", second, l)
	}
	if got := subtract(t, b0, stockB()); got != "8.00" {
		t.Errorf("B after the cancellation: %s out, want the notes' 8 (their movements stay)", got)
	}
	if got := h.str(`select status from sales_orders where number = 1702`); got != "approved" {
		t.Errorf("order 1702 after the cancellation: %s", got)
	}

	// Invoiced before it is delivered: the note is invoiced by that invoice when it is made.
	h.importJSON(`{"orders": [{"number": 1703, "customer": "KEMPER", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-10",
		 "lines": [{"item": "B", "ordered": 6}]}]}`)
	_, third := h.billed("1703")
	h.mustRun("order", "deliver", "1703", "--line", "1", "--qty", "2", "--date", "2026-11-24")
	h.mustRun("order", "deliver", "1703", "--line", "1", "--qty", "4", "--date", "2026-11-24")
	notes = h.notes("1703")
	if len(notes) != 2 || strings.Join(notes[0].Lines[0].Invoices, ",") != third+": 2" || strings.Join(notes[1].Lines[0].Invoices, ",") != third+": 4" {
		t.Errorf("notes of goods %s invoiced before: %+v", third, notes)
	}
	if got := h.str(`select status from sales_orders where number = 1703`); got != "fulfilled" {
		t.Errorf("order 1703, invoiced, then delivered: %s", got)
	}
	h.checkBooks()
}

// notes are an order's delivery notes as `order deliveries --json` answers them.
func (h *harness) notes(order string) []store.DeliveryNoteView {
	h.t.Helper()
	var notes []store.DeliveryNoteView
	h.runJSON(&notes, "order", "deliveries", order)
	return notes
}
