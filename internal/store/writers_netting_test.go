package store_test

import (
	"testing"

	"billrun/internal/store"
)

// A batch's credit note of return orders (seed 001): its credit is opened once
// (OpenReturnCredit), settled against the customer's open invoices of the batch
// (BatchBalances, Settle), no longer open once settled (BatchOpenCredits), and withdrawn
// with its attempt (WithdrawCredit): the invoice owes it again. The database holds such
// a credit note to a batch, and credit_kind 'return' with no corrected invoice to credit
// notes.
func TestBatchReturnCreditSettlesOnceAndWithdraws(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("NET", 1001) // 3654.00, FORSETI
	insert := func(batch any, kind, creditKind string) error {
		_, err := w.db.Exec(w.ctx, `insert into invoices (batch_id, group_no, issuer, series, document_kind, customer, currency, payment_terms,
			invoice_date, status, credit_kind, total)
			select $1, 90 + (select count(*) from invoices where batch_id = 'NET'), issuer, 'NC', $2, customer, currency, payment_terms, invoice_date, 'processing', $3, 1000
			from invoices where id = $4`, batch, kind, creditKind, h.ID)
		return err
	}
	if err := insert(nil, "credit_note", "return"); !refusedBy(err, "invoices_credit_note") {
		t.Errorf("a credit note of returns outside a batch: %v", err)
	}
	if err := insert("NET", "invoice", "return"); !refusedBy(err, "invoices_credit_note") {
		t.Errorf("an invoice with credit_kind return: %v", err)
	}
	if err := insert("NET", "credit_note", "return"); err != nil {
		t.Fatal(err)
	}
	cn := w.id(`select id from invoices where batch_id = 'NET' and document_kind = 'credit_note'`)
	w.mustTx(func(tx *store.Tx) error {
		if err := tx.LockNetting("NET", h.Customer); err != nil {
			return err
		}
		for i, want := range []bool{true, false} { // opened once
			if opened, err := tx.OpenReturnCredit(cn, dec("1000")); err != nil || opened != want {
				t.Errorf("open #%d: %v %v", i+1, opened, err)
			}
		}
		open, err := tx.BatchOpenCredits("NET", h.Customer, h.Currency)
		if err != nil || len(open) != 1 || !open[0].Open.Equal(dec("1000")) {
			t.Errorf("open credits %+v %v", open, err)
		}
		balances, err := tx.BatchBalances("NET", h.Customer, h.Currency)
		if err != nil || len(balances) != 1 || balances[0].InvoiceID != h.ID || !balances[0].Balance.Equal(dec("3654")) {
			t.Fatalf("balances %+v %v", balances, err)
		}
		if err := tx.Settle(cn, h.ID, dec("1000")); err != nil {
			return err
		}
		open, err = tx.BatchOpenCredits("NET", h.Customer, h.Currency)
		if err != nil || len(open) != 0 {
			t.Errorf("open credits after settling: %+v %v", open, err)
		}
		return nil
	})
	if got := w.row(`select balance::numeric(18,2)::text from receivables where invoice_id = $1`, h.ID); got != "2654.00" {
		t.Errorf("balance after the credit: %s", got)
	}
	w.mustTx(func(tx *store.Tx) error { return tx.WithdrawCredit(cn) })
	if got := w.row(`select balance::numeric(18,2)::text || ' ' || status from receivables where invoice_id = $1`, h.ID); got != "3654.00 open" {
		t.Errorf("balance after the credit was withdrawn: %s", got)
	}
	if n := w.count(`select count(*) from credit_settlements where credit_note_id = $1`, cn) +
		w.count(`select count(*) from credit_applications where credit_note_id = $1`, cn); n != 0 {
		t.Errorf("%d settlements and credits left", n)
	}
}
