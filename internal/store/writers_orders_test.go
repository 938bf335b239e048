package store_test

import (
	"errors"
	"testing"

	"billrun/internal/model"
)

// An order line's quantity to invoice (SetToInvoice) is at most what is pending — ordered
// less invoiced and less what a bill run holds — on an approved order only, and the
// database refuses any line that would bill more than was ordered.

func TestToInvoiceAtMostWhatIsPending(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.completed("ORD", 1002) // line 1: 6 of 10 invoiced
	w.create("HOLD", orders(1003, 1003))
	w.selectAll("HOLD") // line 1 of order 1003: its 3 held by a bill run
	for _, c := range []struct {
		name    string
		order   int64
		line    int
		qty     string
		refused bool
	}{
		{"the 4 left", 1002, 1, "4", false},
		{"the same again", 1002, 1, "4", false},
		{"more than the 4 left", 1002, 1, "4.0001", true},
		{"nothing", 1002, 1, "0", false},
		{"a negative quantity", 1002, 1, "-1", true},
		{"more than 4 decimals", 1002, 1, "0.00001", true},
		{"a line a bill run holds", 1003, 1, "1", true},
		{"another approved order's line", 1001, 1, "1", false},
	} {
		v, err := w.st.SetToInvoice(w.ctx, c.order, c.line, dec(c.qty))
		switch {
		case c.refused && !isInput(err):
			t.Errorf("%s: %v, want refused", c.name, err)
		case !c.refused && (err != nil || !v.ToInvoice.Equal(dec(c.qty))):
			t.Errorf("%s: %+v %v", c.name, v, err)
		}
	}
	got := w.row(`select string_agg(o.number || ':' || l.qty_to_invoice::text, ' ' order by o.number) from sales_order_lines l
		join sales_orders o on o.id = l.order_id where l.line_no = 1 and o.number in (1002, 1003)`)
	if got != "1002:0.0000 1003:0.0000" {
		t.Errorf("quantities to invoice %q", got)
	}
	if _, err := w.st.SetToInvoice(w.ctx, 1002, 9, dec("1")); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a line the order does not have: %v", err)
	}
}

func TestToInvoiceOnlyOnApprovedOrders(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.completed("ORD", 1001) // the whole order: fulfilled
	if _, err := w.st.SetToInvoice(w.ctx, 1001, 1, dec("0")); !isInput(err) {
		t.Errorf("a fulfilled order's line: %v", err)
	}
	// Behind the store's back, the database refuses a line that would bill past its order.
	_, err := w.db.Exec(w.ctx, `update sales_order_lines set qty_to_invoice = 1 where order_id = (select id from sales_orders where number = 1001) and line_no = 1`)
	if !refusedBy(err, "sales_order_lines_check") {
		t.Errorf("to invoice 1 more of a line invoiced whole: %v", err)
	}
}
