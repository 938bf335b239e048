package store_test

import (
	"testing"
	"time"

	"billrun/internal/store"
)

// Issue 28's one-read, one-write steps: the locked reads answer what the step-by-step
// reads answered, and the writes happen once.

func TestLockForPricingReadsWhatPricingInputsRead(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.invoice("PRC", 1001)
	w.mustTx(func(tx *store.Tx) error {
		h, f, err := tx.LockForPricing(id)
		if err != nil {
			return err
		}
		head, err := tx.LockInvoice(id)
		if err != nil {
			return err
		}
		policy, decimals, lines, err := tx.PricingInputs(id)
		if err != nil {
			return err
		}
		if h.ID != head.ID || h.Status != head.Status || h.Attempt != head.Attempt || len(h.SourceKinds) != len(head.SourceKinds) {
			t.Errorf("head %+v, want %+v", h, head)
		}
		if f.Policy != policy || f.Decimals != decimals || len(f.Lines) != len(lines) || len(lines) == 0 {
			t.Fatalf("facts %+v, want %v %d %d lines", f, policy, decimals, len(lines))
		}
		for i, l := range lines {
			if g := f.Lines[i]; g.ID != l.ID || !g.Input.Quantity.Equal(l.Input.Quantity) || !g.Input.UnitPrice.Equal(l.Input.UnitPrice) {
				t.Errorf("line %d %+v, want %+v", i, g, l)
			}
		}
		return nil
	})
}

func TestDischargeReadsLockedStockAndMovesOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.invoice("DIS", 1001)
	w.price(id)
	lineID := w.id(`select id from invoice_lines where invoice_id = $1 and line_no = 1`, id) // 100 of A, its stock committed
	facts := func(attempt int) (f store.DischargeFacts) {
		w.mustTx(func(tx *store.Tx) (err error) { _, f, err = tx.LockForDischarge(id, attempt); return err })
		return f
	}
	f := facts(1)
	var line *store.DischargeLine
	for i := range f.Lines {
		if f.Lines[i].ID == lineID {
			line = &f.Lines[i]
		}
	}
	if !f.Discharge || line == nil || !line.Found || line.MovedOut || line.OnHand.String() != "500" || line.InStock.String() != "100" || !line.Committed {
		t.Fatalf("facts %+v, line %+v", f, line)
	}
	m := store.Movement{Line: lineID, Attempt: 1, Direction: "out", Reason: "sale", Warehouse: "CENTRAL", Item: "A",
		Quantity: dec("100"), Released: dec("100")}
	for range 2 { // a retried step moves nothing twice and audits once
		w.mustTx(func(tx *store.Tx) error {
			return tx.MoveStock([]store.Movement{m}, store.AuditRow{BatchID: "DIS", InvoiceID: id, Step: "stock discharge", Attempt: 1, Outcome: "ok", Detail: "1 movements"})
		})
	}
	if got := w.row(`select on_hand::int || ' ' || committed::int from stock where warehouse = 'CENTRAL' and item = 'A'`); got != "400 0" {
		t.Errorf("stock %q, want 400 0", got)
	}
	if n := w.count(`select count(*) from stock_movements where invoice_line_id = $1`, lineID); n != 1 {
		t.Errorf("%d movements, want 1", n)
	}
	if n := w.count(`select count(*) from audit_events where invoice_id = $1 and step = 'stock discharge'`, id); n != 1 {
		t.Errorf("%d audit rows, want 1", n)
	}
	for _, l := range facts(1).Lines {
		if l.ID == lineID && !l.MovedOut {
			t.Error("the line's movement is not read as made")
		}
	}
	if f := facts(2); len(f.Lines) != 0 { // not the invoice's attempt: no stock locked
		t.Errorf("another attempt read %d lines", len(f.Lines))
	}
}

// Two runs of the discharge step overlap (a reset while the first still runs): the second
// waits for the first's invoice lock and then reads the movements the first committed as
// made, never deciding on them again.
func TestDischargeAfterWaitingReadsTheOtherRunsMoves(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.invoice("DIS", 1001)
	w.price(id)
	lineID := w.id(`select id from invoice_lines where invoice_id = $1 and line_no = 1`, id)
	m := store.Movement{Line: lineID, Attempt: 1, Direction: "out", Reason: "sale", Warehouse: "CENTRAL", Item: "A",
		Quantity: dec("100"), Released: dec("100")}
	locked, second := make(chan struct{}), make(chan store.DischargeFacts, 1)
	go func() {
		<-locked
		var f store.DischargeFacts
		w.mustTx(func(tx *store.Tx) (err error) { _, f, err = tx.LockForDischarge(id, 1); return err })
		second <- f
	}()
	w.mustTx(func(tx *store.Tx) error { // the first run: its lock held while the second waits
		if _, _, err := tx.LockForDischarge(id, 1); err != nil {
			return err
		}
		close(locked)
		time.Sleep(300 * time.Millisecond)
		return tx.MoveStock([]store.Movement{m}, store.AuditRow{BatchID: "DIS", InvoiceID: id, Step: "stock discharge", Attempt: 1, Outcome: "ok", Detail: "1 movements"})
	})
	for _, l := range (<-second).Lines {
		if l.ID == lineID && (!l.MovedOut || l.OnHand.String() != "400") {
			t.Errorf("after waiting: %+v, want the first run's movement read as made, 400 on hand", l)
		}
	}
}
