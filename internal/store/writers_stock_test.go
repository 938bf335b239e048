package store_test

import (
	"testing"

	"billrun/internal/store"
)

// Stock moves once per invoice line, direction and attempt (Move), committed stock is
// never released below nothing, and a warehouse has one stock row per item (CreateStock).

func TestStockMovesOncePerLineDirectionAttempt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.invoice("STK", 1001)
	lineID := w.id(`select id from invoice_lines where invoice_id = $1 and line_no = 1`, id) // 100 of A, its stock committed
	move := func(attempt int, direction, reason string) store.Movement {
		return store.Movement{Line: lineID, Attempt: attempt, Direction: direction, Reason: reason, Warehouse: "CENTRAL", Item: "A",
			Quantity: dec("100"), Released: dec("100")}
	}
	for _, c := range []struct {
		name  string
		m     store.Movement
		moved bool
		stock string // on hand, committed after
	}{
		{"the sale", move(1, "out", "sale"), true, "400 0"},
		{"the sale again", move(1, "out", "sale"), false, "400 0"},
		{"its undo", move(1, "in", "undo"), true, "500 100"},
		{"its undo again", move(1, "in", "undo"), false, "500 100"},
		{"the next attempt's sale", move(2, "out", "sale"), true, "400 0"},
	} {
		var moved bool
		w.mustTx(func(tx *store.Tx) (err error) {
			moved, err = tx.Move(c.m)
			return err
		})
		if moved != c.moved {
			t.Errorf("%s: moved %v, want %v", c.name, moved, c.moved)
		}
		if got := w.row(`select on_hand::int || ' ' || committed::int from stock where warehouse = 'CENTRAL' and item = 'A'`); got != c.stock {
			t.Errorf("%s: stock %q, want %q", c.name, got, c.stock)
		}
	}
	// Released again by a third attempt, committed stock would go below nothing.
	if err := w.tx(func(tx *store.Tx) error { _, err := tx.Move(move(3, "out", "sale")); return err }); !refusedBy(err, "stock_committed_check") {
		t.Errorf("releasing committed stock there is not: %v", err)
	}
	if n := w.count(`select count(*) from stock_movements`); n != 3 {
		t.Errorf("%d movements, want 3", n)
	}
}

func TestOneStockRowPerWarehouseItem(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mustTx(func(tx *store.Tx) error { return tx.CreateStock("CENTRAL", "CONS") })
	if got := w.row(`select on_hand::int || ' ' || committed::int from stock where warehouse = 'CENTRAL' and item = 'CONS'`); got != "0 0" {
		t.Errorf("new stock row %q, want empty", got)
	}
	for _, item := range []string{"CONS", "A"} { // the one just made, and one the import made
		if err := w.tx(func(tx *store.Tx) error { return tx.CreateStock("CENTRAL", item) }); !refusedBy(err, "stock_pkey") {
			t.Errorf("a second stock row of %s: %v", item, err)
		}
	}
	if got := w.row(`select on_hand::int::text from stock where warehouse = 'CENTRAL' and item = 'A'`); got != "500" {
		t.Errorf("stock of A %s, want it untouched", got)
	}
}
