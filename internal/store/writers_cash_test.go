package store_test

import (
	"testing"

	"billrun/internal/store"
)

// Seed 004's cash sale, each effect once whatever repeats it (a Temporal retry, a command
// asked again): the collection on the spot (CollectCash: one payment, one movement in,
// one payment entry debiting the box's account), a credit note's refund out of the box
// (RefundCash: one movement, one cash_refund entry), and the money given back by the
// credit note's and the sale's cancellations (GiveCashBack: one movement each, the
// collection's payment reversed once).
func TestCashSaleMovesOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("CASH", 1001) // 3654.00, FORSETI
	if _, err := w.db.Exec(w.ctx, `insert into cash_boxes (code, name, currency, account) values ('CAJA1', 'Caja general', 'MXN', '1101');
		insert into payment_terms (code, kind, forma_pago, metodo_pago, cash_box) values ('CONTADO', 'cash', '01', 'PUE', 'CAJA1')`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.Exec(w.ctx, `update invoices set payment_terms = 'CONTADO' where id = $1`, h.ID); err != nil {
		t.Fatal(err)
	}
	w.mustTx(func(tx *store.Tx) error {
		s, found, err := tx.CashSaleFacts(h.ID)
		if err != nil || !found || s.Box != "CAJA1" || !s.Balance.Equal(dec("3654")) || s.Form != "01" {
			t.Fatalf("cash sale facts %+v %v %v", s, found, err)
		}
		for i, want := range []bool{true, false} {
			if collected, err := tx.CollectCash(h.ID, s, s.Balance); err != nil || collected != want {
				t.Errorf("collection #%d: %v %v", i+1, collected, err)
			}
		}
		if _, found, err := tx.CashSaleFacts(h.ID); err != nil || found {
			t.Errorf("a collected sale is still to collect: %v %v", found, err)
		}
		return nil
	})
	if got := w.row(`select status || ' ' || balance::numeric(18,2)::text from receivables where invoice_id = $1`, h.ID); got != "paid 0.00" {
		t.Errorf("receivable after the collection: %s", got)
	}
	if got := w.row(`select string_agg(l.account || ' ' || l.debit::numeric(18,2)::text || ' ' || l.credit::numeric(18,2)::text, ', ' order by l.line_no)
		from journal_entries e join journal_lines l on l.entry_id = e.id where e.invoice_id = $1 and e.kind = 'payment'`, h.ID); got != "1101 3654.00 0.00, 1105 0.00 3654.00" {
		t.Errorf("the collection's entry: %s", got)
	}
	cn, _, _ := w.returned(h.ID, 1, "10")
	w.mustTx(func(tx *store.Tx) error {
		for range 2 {
			if err := tx.RefundCash(cn, h.ID, dec("133.40"), dec("133.40"), day(24)); err != nil {
				return err
			}
		}
		box, held, found, err := tx.CashHeld(h.ID)
		if err != nil || !found || box != "CAJA1" || !held.Left.Equal(dec("3520.60")) || !held.BoxLeft.Equal(dec("3520.60")) {
			t.Errorf("held after the refund: %s %+v %v %v", box, held, found, err)
		}
		for i, want := range []string{"133.4", "0"} { // the credit note cancelled: the refund back in, once
			if got, err := tx.GiveCashBack(cn); err != nil || got.String() != want {
				t.Errorf("credit note's cash back #%d: %s %v", i+1, got, err)
			}
		}
		for i, want := range []string{"3654", "0"} { // the sale cancelled: its money out, its collection reversed, once
			if got, err := tx.GiveCashBack(h.ID); err != nil || got.String() != want {
				t.Errorf("sale's cash back #%d: %s %v", i+1, got, err)
			}
		}
		return nil
	})
	if got := w.row(`select string_agg(direction || ' ' || reason || ' ' || amount::numeric(18,2)::text, ', ' order by id) from cash_movements where sale_id = $1`, h.ID); got != "in sale 3654.00, out refund 133.40, in cancel 133.40, out cancel 3654.00" {
		t.Errorf("the box's movements: %s", got)
	}
	if got := w.row(`select string_agg(kind, ', ' order by id) from journal_entries where invoice_id in ($1, $2)`, h.ID, cn); got != "payment, cash_refund, payment_reversal" {
		t.Errorf("the journal's entries: %s", got)
	}
	if got := w.row(`select status || ' ' || balance::numeric(18,2)::text from receivables where invoice_id = $1`, h.ID); got != "open 3654.00" {
		t.Errorf("receivable after the collection was reversed: %s", got)
	}
}
