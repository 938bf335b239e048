package store_test

import (
	"testing"

	"billrun/internal/store"
)

// An invoice has one live receivable (PostReceivable), a reversal (ReverseReceivable)
// gives back the credit settled on it, one with payments is never reversed or cancelled,
// and a credit note's credit is settled (Settle) never past what it owes back nor past
// what the invoice owes.

func TestReceivablePostedOncePerAttempt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("REC", 1001) // posted its receivable
	post := func() bool {
		t.Helper()
		var posted bool
		w.mustTx(func(tx *store.Tx) (err error) {
			posted, err = tx.PostReceivable(h, "open", day(23).AddDate(0, 0, 30))
			return err
		})
		return posted
	}
	if post() {
		t.Error("posted a second receivable for the invoice")
	}
	w.mustTx(func(tx *store.Tx) error { return tx.ReverseReceivable(h.ID) }) // the undo of a failed attempt
	w.mustTx(func(tx *store.Tx) error { return tx.ReverseReceivable(h.ID) }) // run again: a no-op
	if !post() {
		t.Error("the next attempt posted no receivable after the reversal")
	}
	if post() {
		t.Error("the next attempt posted twice")
	}
	got := w.row(`select string_agg(status || ' ' || balance::text, ', ' order by id) from receivables where invoice_id = $1`, h.ID)
	if want := "reversed 3654.0000, open 3654.0000"; got != want {
		t.Errorf("receivables %q, want %q", got, want)
	}
}

func TestReceivableWithPaymentsIsNeverUndone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("REC", 1001)
	if _, _, err := w.pay(h.ID, "5", "cash-5"); err != nil {
		t.Fatal(err)
	}
	for name, undo := range map[string]func(*store.Tx) error{
		"reversed":  func(tx *store.Tx) error { return tx.ReverseReceivable(h.ID) },
		"cancelled": func(tx *store.Tx) error { return tx.CancelReceivable(h.ID) },
	} {
		if err := w.tx(undo); !refusedBy(err, "has payments") {
			t.Errorf("a receivable with a payment %s: %v", name, err)
		}
	}
	if got := w.row(`select status || ' ' || balance::text from receivables where invoice_id = $1`, h.ID); got != "open 3649.0000" {
		t.Errorf("receivable %q, want it open with the payment", got)
	}
}

func TestCreditSettledWithinWhatItOwesAndWhatIsOwed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	paid := w.completed("PAID", 1001)
	if _, _, err := w.pay(paid.ID, "3654", "all-of-it"); err != nil {
		t.Fatal(err)
	}
	// 10 of its 100 units of A come back: 133.40, all owed back to the customer.
	note, applied, refund := w.returned(paid.ID, 1, "10")
	if !applied.IsZero() || !refund.Equal(dec("133.40")) {
		t.Fatalf("return on a paid invoice: applied %s, refund due %s", applied, refund)
	}
	big := w.completed("BIG", 1004) // owes thousands
	mid := w.completed("MID", 1002) // owes hundreds
	small := w.completed("SMALL", 1003)
	if _, _, err := w.pay(small.ID, small.Total.Sub(dec("20")).String(), "down-to-20"); err != nil {
		t.Fatal(err)
	}
	settle := func(invoice int64, amount string) error {
		return w.tx(func(tx *store.Tx) error { return tx.Settle(note, invoice, dec(amount)) })
	}
	for _, c := range []struct {
		name      string
		invoice   int64
		amount    string
		refusedBy string
	}{
		{"a part of the credit", big.ID, "100", ""},
		{"the credit on the same invoice again", big.ID, "10", "credit_settlements_pkey"},
		{"more than the credit has left (33.40)", mid.ID, "40", "credit_settled_within"},
		{"more than the invoice owes (20)", small.ID, "33.40", "receivable_balance_within"},
	} {
		err := settle(c.invoice, c.amount)
		if c.refusedBy == "" && err != nil || c.refusedBy != "" && !refusedBy(err, c.refusedBy) {
			t.Errorf("%s: %v, want refused by %q", c.name, err, c.refusedBy)
		}
	}
	if got := w.row(`select settled::text from credit_applications where credit_note_id = $1`, note); got != "100.0000" {
		t.Errorf("credit settled %s, want 100", got)
	}
	want := big.Total.Sub(dec("100")).StringFixed(4)
	if got := w.row(`select balance::text from receivables where invoice_id = $1`, big.ID); got != want {
		t.Errorf("balance of the invoice it settled %s, want %s", got, want)
	}
	// Undoing the invoice's attempt gives the credit back, once.
	for range 2 {
		w.mustTx(func(tx *store.Tx) error { return tx.ReverseReceivable(big.ID) })
	}
	if n := w.count(`select count(*) from credit_settlements where credit_note_id = $1`, note); n != 0 {
		t.Errorf("%d settlements left after the reversal", n)
	}
	if got := w.row(`select settled::text from credit_applications where credit_note_id = $1`, note); got != "0.0000" {
		t.Errorf("credit settled %s after the reversal, want 0", got)
	}
	if err := settle(small.ID, "20"); err != nil {
		t.Fatalf("the credit given back, settled on another invoice: %v", err)
	}
	if got := w.row(`select status || ' ' || balance::text from receivables where invoice_id = $1`, small.ID); got != "paid 0.0000" {
		t.Errorf("the invoice the credit settled whole: %q, want paid 0", got)
	}
}
