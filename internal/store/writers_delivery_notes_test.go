package store_test

import (
	"strings"
	"testing"
	"time"

	"billrun/internal/rules"
	"billrun/internal/store"
)

// A delivery note (migration 039) moves its goods out once and raises its order line's
// delivered quantity; the invoice completed after it marks it invoiced in its completion
// transaction (oldest note first, at most what it bills); the database refuses a note
// line of no quantity, a delivered quantity past the ordered, two notes of one number, a
// second movement of a note line and a movement of both an invoice line and a note line.
func TestDeliveryNotesMoveOnceAndAreMarkedInvoiced(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	date := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	w.mustTx(func(tx *store.Tx) error {
		o, lines, _, err := tx.LockOrderForDelivery(1002)
		if err != nil {
			return err
		}
		plan, probs := rules.PlanDelivery(1002, o.Status, o.Return, lines, []rules.DeliveryRequest{{Line: 1, Quantity: dec("4")}})
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		id, seq, err := tx.CreateNote(o.ID, date, "k1")
		if err != nil || seq != 1 {
			t.Fatalf("note %d: %v", seq, err)
		}
		return tx.AddNoteLine(id, 1, o.Warehouse, plan[0], dec("0"))
	})
	if got := w.row(`select s.on_hand::text || ' ' || l.qty_delivered::text from stock s, sales_order_lines l join sales_orders o on o.id = l.order_id
		where s.warehouse = 'CENTRAL' and s.item = 'A' and o.number = 1002 and l.line_no = 1`); got != "496.0000 4.0000" {
		t.Errorf("stock of A and line 1's delivered after the note: %s", got)
	}
	w.completed("ORD", 1002) // bills 6 of line 1
	if got := w.row(`select string_agg(d.quantity::text, ',') from delivery_note_invoices d where d.released_at is null`); got != "4.0000" {
		t.Errorf("what the invoice covers of the note: %s", got)
	}
	note := w.id(`select id from delivery_notes`)
	noteLine := w.id(`select id from delivery_note_lines`)
	invoiceLine := w.id(`select min(id) from invoice_lines`)
	for name, c := range map[string]struct{ sql, want string }{
		"a note line of no quantity": {`insert into delivery_note_lines (note_id, line_no, order_line_id, item, warehouse, quantity)
			select $1, 2, l.id, l.item, 'CENTRAL', 0 from sales_order_lines l
			where l.line_no = 2 and l.order_id = (select order_id from sales_order_lines where id = (select order_line_id from delivery_note_lines where id = $2))`, "delivery_note_lines_quantity_check"},
		"delivered past ordered":   {`update sales_order_lines set qty_delivered = qty_ordered + 1 where id = (select order_line_id from delivery_note_lines where note_id = $1 and id = $2)`, "sales_order_lines_delivered_le_ordered"},
		"a second note numbered 1": {`insert into delivery_notes (order_id, seq, note_date, request_key) select order_id, 1, note_date, 'k2' from delivery_notes where id = $1 and $2 > 0`, "delivery_notes_order_id_seq_key"},
		"a second movement of the note line": {`insert into stock_movements (delivery_note_line_id, attempt, direction, reason, warehouse, item, quantity)
			select $2, 2, 'out', 'delivery', warehouse, item, 1 from delivery_note_lines where id = $2 and $1 > 0`, "stock_movements_note_line"},
	} {
		if _, err := w.db.Exec(w.ctx, c.sql, note, noteLine); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want refused by %s", name, err, c.want)
		}
	}
	if _, err := w.db.Exec(w.ctx, `insert into stock_movements (invoice_line_id, delivery_note_line_id, attempt, direction, reason, warehouse, item, quantity)
		values ($1, $2, 9, 'out', 'sale', 'CENTRAL', 'A', 1)`, invoiceLine, noteLine); err == nil || !strings.Contains(err.Error(), "stock_movements_owner") {
		t.Errorf("a movement of an invoice line and a note line: %v", err)
	}
}
