package store_test

import (
	"errors"
	"testing"

	"billrun/internal/model"
)

// Giving up (AbandonInvoice, RejectBatch) gives an invoice's claims on its sources back
// once, so a later batch bills them, and refuses an invoice or batch in any other state.

// order1001 is order 1001's lines' quantities: to invoice/in billing/invoiced.
func order1001(w *world) string {
	w.t.Helper()
	return w.row(`select string_agg(qty_to_invoice::int || '/' || qty_in_billing::int || '/' || qty_invoiced::int, ' ' order by line_no)
		from sales_order_lines where order_id = (select id from sales_orders where number = 1001)`)
}

func TestAbandonGivesTheSourcesBackOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.invoice("GIVE", 1001)
	if _, err := w.st.AbandonInvoice(w.ctx, id, "not failed"); !isInput(err) {
		t.Errorf("abandoning a draft: %v", err)
	}
	w.price(id)
	w.fail(id, model.StepStock, "no stock")
	if got := order1001(w); got != "0/100/0 0/200/0" {
		t.Fatalf("claimed by the failed invoice: %q", got)
	}
	for i, wantAgain := range []bool{false, true} {
		if again, err := w.st.AbandonInvoice(w.ctx, id, "customer cancelled the order"); err != nil || again != wantAgain {
			t.Fatalf("abandon %d: again=%v %v", i+1, again, err)
		}
	}
	if got := order1001(w); got != "100/0/0 200/0/0" {
		t.Errorf("after abandoning twice: %q, want everything to invoice again, once", got)
	}
	if got := w.row(`select status || ' ' || coalesce(number::text, 'no number') from invoices where id = $1`, id); got != "abandoned no number" {
		t.Errorf("the abandoned invoice: %q", got)
	}
	if next := w.plan("NEXT", orders(1001, 1001)); len(next) != 1 {
		t.Errorf("a later batch made %d invoices of the order, want 1", len(next))
	}
	if _, err := w.st.AbandonInvoice(w.ctx, 999999, "nothing"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("abandoning an unknown invoice: %v", err)
	}
}

func TestAbandonRefusesACompletedInvoice(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("GIVE", 1001)
	if _, err := w.st.AbandonInvoice(w.ctx, h.ID, "too late"); !isInput(err) {
		t.Errorf("abandoning a completed invoice: %v", err)
	}
	if got := order1001(w); got != "0/0/100 0/0/200" {
		t.Errorf("order 1001 after the refusal: %q, want it invoiced", got)
	}
}

func TestRejectGivesTheDraftsSourcesBackOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := orders(1001, 1003)
	p.Draft = true
	drafts := w.plan("REJ", p)
	if _, err := w.st.RejectBatch(w.ctx, "REJ", "planned, not approved"); !isInput(err) {
		t.Errorf("rejecting a batch not awaiting approval: %v", err)
	}
	if err := w.st.SetBatchStatus(w.ctx, "REJ", "awaiting_approval"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := w.st.RejectBatch(w.ctx, "REJ", "wrong prices"); err != nil {
			t.Fatal(err)
		}
	}
	if got := order1001(w); got != "100/0/0 200/0/0" {
		t.Errorf("order 1001 after rejecting twice: %q, want everything to invoice again, once", got)
	}
	if n := w.count(`select count(*) from invoices where batch_id = 'REJ' and status = 'voided' and number is null`); n != len(drafts) {
		t.Errorf("%d of %d drafts voided", n, len(drafts))
	}
	if n := w.count(`select count(*) from audit_events where batch_id = 'REJ' and outcome = 'voided'`); n != len(drafts) {
		t.Errorf("%d voided drafts in the audit trail, want %d", n, len(drafts))
	}
}
