package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"billrun/internal/model"
	"billrun/internal/store"
)

// A payment (RecordPayment) is recorded once per key, never past the receivable's balance,
// never on an invoice that may yet be cancelled, and each one is in the audit trail.

func TestPaymentKeyRecordsOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("PAY", 1001) // 3654.00 on credit: an open receivable

	r, again, err := w.pay(h.ID, "1000", "transfer-1")
	if err != nil || again || !r.Balance.Equal(dec("2654")) || r.Status != "open" {
		t.Fatalf("pay 1000 of 3654: %+v again=%v %v", r, again, err)
	}
	r, again, err = w.pay(h.ID, "1000", "transfer-1")
	if err != nil || !again || !r.Balance.Equal(dec("2654")) {
		t.Fatalf("the same payment again: %+v again=%v %v", r, again, err)
	}
	if _, _, err := w.pay(h.ID, "900", "transfer-1"); !isInput(err) || !strings.Contains(err.Error(), "given to another payment") {
		t.Errorf("the key with another amount: %v", err)
	}
	other := w.completed("PAY-OTHER", 1002)
	if _, _, err := w.pay(other.ID, "10", "transfer-1"); !isInput(err) || !strings.Contains(err.Error(), "given to another payment") {
		t.Errorf("the key on another invoice: %v", err)
	}
	if n := w.count(`select count(*) from receivable_payments`); n != 1 {
		t.Errorf("%d payments recorded, want 1", n)
	}
	if b := w.row(`select balance::text from receivables where invoice_id = $1`, h.ID); b != "2654.0000" {
		t.Errorf("balance %s, want 2654", b)
	}
}

func TestPaymentNeverPastTheBalance(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("PAY", 1001) // 3654.00

	if _, _, err := w.pay(h.ID, "3654.0001", "too-much"); !isInput(err) {
		t.Fatalf("a payment past the balance: %v", err)
	}
	// Two payments of 2000 at once: the receivable's row lock lets one in, and the other
	// finds the balance it left.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, key := range []string{"at-once-1", "at-once-2"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = w.pay(h.ID, "2000", key)
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !isInput(errors.Join(errs...)) {
		t.Fatalf("two payments of 2000 on 3654 at once: %v, %v; want exactly one refused", errs[0], errs[1])
	}
	r, _, err := w.pay(h.ID, "1654", "the-rest")
	if err != nil || !r.Balance.IsZero() || r.Status != "paid" {
		t.Fatalf("paying the rest: %+v %v", r, err)
	}
	if _, _, err := w.pay(h.ID, "0.01", "one-more-cent"); !isInput(err) {
		t.Errorf("a payment on a paid receivable: %v", err)
	}
	// Behind the store's back, the database refuses a balance below nothing.
	_, err = w.db.Exec(w.ctx, `update receivables set balance = balance - 1 where invoice_id = $1`, h.ID)
	if !refusedBy(err, "receivable_balance_within") {
		t.Errorf("a balance below 0 written directly: %v", err)
	}
	if n := w.count(`select count(*) from receivable_payments`); n != 2 {
		t.Errorf("%d payments recorded, want 2", n)
	}
}

func TestPaymentRefusedBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("PAY", 1001)
	draft := w.invoice("DRAFT", 1002)
	for _, c := range []struct {
		name    string
		payment store.Payment
	}{
		{"no key", store.Payment{InvoiceID: h.ID, Amount: dec("10"), PaidOn: day(24)}},
		{"nothing paid", store.Payment{InvoiceID: h.ID, Amount: dec("0"), PaidOn: day(24), Key: "zero"}},
		{"a negative amount", store.Payment{InvoiceID: h.ID, Amount: dec("-10"), PaidOn: day(24), Key: "negative"}},
		{"more than 4 decimals", store.Payment{InvoiceID: h.ID, Amount: dec("10.00001"), PaidOn: day(24), Key: "decimals"}},
		{"an invoice not completed", store.Payment{InvoiceID: draft, Amount: dec("10"), PaidOn: day(24), Key: "draft"}},
	} {
		if _, _, err := w.st.RecordPayment(w.ctx, c.payment); !isInput(err) {
			t.Errorf("%s: %v, want refused", c.name, err)
		}
	}
	if _, _, err := w.pay(999999, "10", "nowhere"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("an unknown invoice: %v", err)
	}
	if n := w.count(`select count(*) from receivable_payments`); n != 0 {
		t.Errorf("%d payments recorded, want none", n)
	}
}

// While SAT may cancel the invoice, no money is taken on it: it would be lost with the
// cancelled receivable.
func TestPaymentWaitsForTheCancellation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("PAY", 1001)
	w.stamped(h.ID, "6F1B0C2E-3D4A-4B5C-8D6E-7F8091A2B3C4")
	for _, c := range []struct {
		cancellation string // where the request then stands
		step         func(*store.Tx) error
		paid         bool
	}{
		{"requested", func(tx *store.Tx) error { return tx.RequestCancellation(h.ID, "02", "", "c1", "cancel 02") }, false},
		{"pending", func(tx *store.Tx) error { return tx.SetCancellation(h.ID, "pending", "the receiver must accept") }, false},
		{"rejected", func(tx *store.Tx) error { return tx.SetCancellation(h.ID, "rejected", "the receiver refused") }, true},
		{"requested again", func(tx *store.Tx) error { return tx.RequestCancellation(h.ID, "03", "", "c2", "cancel 03") }, false},
		{"refused", func(tx *store.Tx) error { return tx.RefuseCancellation(h.ID, "payments were recorded") }, false},
	} {
		w.mustTx(c.step)
		_, _, err := w.pay(h.ID, "1", "while-"+c.cancellation)
		if c.paid && err != nil {
			t.Errorf("cancellation %s: payment refused: %v", c.cancellation, err)
		}
		if !c.paid && (!isInput(err) || !strings.Contains(err.Error(), "cancellation")) {
			t.Errorf("cancellation %s: payment %v, want refused", c.cancellation, err)
		}
	}
	if b := w.row(`select balance::text from receivables where invoice_id = $1`, h.ID); b != "3653.0000" {
		t.Errorf("balance %s, want 3653 (one payment of 1)", b)
	}
}

// Each payment is a line of the invoice's audit trail (the bitácora accountants read).
func TestEveryPaymentIsInTheAuditTrail(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("PAY", 1001)
	for _, key := range []string{"transfer-1", "transfer-2", "transfer-2"} { // the last one again
		if _, _, err := w.pay(h.ID, "100", key); err != nil {
			t.Fatal(err)
		}
	}
	if n := w.count(`select count(*) from audit_events where invoice_id = $1 and step = 'payment'`, h.ID); n != 2 {
		t.Errorf("%d payments in the audit trail, want 2 (two payments, one of them recorded twice)", n)
	}
}
