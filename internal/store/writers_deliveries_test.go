package store_test

import (
	"testing"

	"billrun/internal/store"
)

// A delivery is one row per invoice and sequence (OpenDelivery, SkipDelivery), opened only
// for a printed invoice with an address to go to, its message
// goes out once (MarkSending answers false the second time), and its outcome, once
// recorded (FinishDelivery) or left uncertain (MarkUncertain), is never overwritten by
// another run.

func TestDeliveryStateMovesOnlyForward(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("DEL", 1001)
	open := func() (status, to string) {
		t.Helper()
		head, status, to, err := w.st.OpenDelivery(w.ctx, h.ID, 1, "<m1@billrun>")
		if err != nil || head.Status != "completed" {
			t.Fatalf("opening: %+v %v", head, err)
		}
		return status, to
	}
	if status, to := open(); status != "" || to != "" {
		t.Fatalf("opened before it was printed: %s to %s", status, to)
	}
	// Printed, but its PDF not read yet (a printing that committed while the opening waited
	// for the invoice's lock): not opened either.
	w.exec(`update invoices set fiscal_status = 'pdf' where id = $1`, h.ID)
	if status, to := open(); status != "" || to != "" {
		t.Fatalf("opened without its PDF: %s to %s", status, to)
	}
	w.print(h.ID)
	if status, to := open(); status != "pending" || to != "compras@forseti.example" {
		t.Fatalf("opened: %s to %s", status, to)
	}
	// A retry after the customer's address changed still sends to the first one.
	w.exec(`update customers set email = 'nuevo@forseti.example' where code = (select customer from invoices where id = $1)`, h.ID)
	if status, to := open(); status != "pending" || to != "compras@forseti.example" {
		t.Errorf("opened again: %s to %s, want pending to the first recipient", status, to)
	}
	sending := func() bool {
		t.Helper()
		ok, err := w.st.MarkSending(w.ctx, h.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	finish := func(status string) {
		t.Helper()
		if err := w.st.FinishDelivery(w.ctx, h.ID, 1, status, status+" by this run"); err != nil {
			t.Fatal(err)
		}
	}
	back := func() {
		t.Helper()
		if err := w.st.BackToPending(w.ctx, h.ID, 1); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		step     string
		do       func() bool
		answer   bool
		delivery string // the delivery's status, then the invoice's
		invoice  string
	}{
		{"marked sending", sending, true, "sending", "pending"},
		{"marked sending again", sending, false, "sending", "pending"},
		{"the server did not take it", func() bool { back(); return false }, false, "pending", "pending"},
		{"marked sending for the retry", sending, true, "sending", "pending"},
		{"sent", func() bool { finish("sent"); return false }, false, "sent", "sent"},
		{"failed by a late run", func() bool { finish("failed"); return false }, false, "sent", "sent"},
		{"marked sending after it was sent", sending, false, "sent", "sent"},
		{"back to pending after it was sent", func() bool { back(); return false }, false, "sent", "sent"},
	} {
		if got := c.do(); got != c.answer {
			t.Errorf("%s: answered %v", c.step, got)
		}
		got := w.row(`select d.status || ' ' || v.delivery_status from deliveries d join invoices v on v.id = d.invoice_id where d.invoice_id = $1`, h.ID)
		if want := c.delivery + " " + c.invoice; got != want {
			t.Errorf("%s: delivery, invoice %q, want %q", c.step, got, want)
		}
	}
	if got := w.row(`select attempts || ' ' || recipient from deliveries where invoice_id = $1`, h.ID); got != "2 compras@forseti.example" {
		t.Errorf("delivery %q, want two attempts to the first recipient", got)
	}
	if got := w.row(`select string_agg(outcome, ' ') from audit_events where invoice_id = $1 and step = 'delivery'`, h.ID); got != "sent" {
		t.Errorf("audit trail of the delivery %q, want only sent", got)
	}
}

func TestUncertainDeliveryWaitsForTheOperator(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.printed("DEL", 1001)
	if _, _, _, err := w.st.OpenDelivery(w.ctx, h.ID, 1, "<m1@billrun>"); err != nil {
		t.Fatal(err)
	}
	if ok, err := w.st.MarkSending(w.ctx, h.ID, 1); !ok || err != nil {
		t.Fatalf("sending: %v %v", ok, err)
	}
	// The worker died mid-DATA; the retry finds it sending and leaves it uncertain.
	if marked, err := w.st.MarkUncertain(w.ctx, h.ID, 1, "stopped while handing it over", "check the mailbox"); !marked || err != nil {
		t.Fatalf("marking uncertain: %v %v", marked, err)
	}
	if err := w.st.FinishDelivery(w.ctx, h.ID, 1, "sent", "the first run's late answer"); err != nil {
		t.Fatal(err)
	}
	if ok, err := w.st.MarkSending(w.ctx, h.ID, 1); ok || err != nil {
		t.Errorf("an uncertain delivery marked sending again: %v %v", ok, err)
	}
	got := w.row(`select d.status || ' ' || v.delivery_status from deliveries d join invoices v on v.id = d.invoice_id where d.invoice_id = $1`, h.ID)
	if got != "uncertain uncertain" {
		t.Errorf("delivery, invoice %q, want both uncertain", got)
	}
}

func TestDeliveryRecordedOncePerSequence(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("DEL", 1004) // KEMPER has no e-mail address
	other := w.printed("DEL-OTHER", 1001)
	for i := range 2 {
		w.mustTx(func(tx *store.Tx) error {
			skipped, err := tx.SkipDelivery(h.ID, 1, "<k1@billrun>", "the customer has no e-mail address")
			if skipped != (i == 0) {
				t.Errorf("skip %d answered skipped=%v", i+1, skipped)
			}
			return err
		})
	}
	if got := w.row(`select count(*) || ' ' || min(d.status) || ' ' || min(v.delivery_status) from deliveries d join invoices v on v.id = d.invoice_id
		where d.invoice_id = $1`, h.ID); got != "1 skipped skipped" {
		t.Errorf("skipped twice: %q, want one skipped delivery", got)
	}
	// A Message-ID is one delivery's: another invoice's delivery cannot take it.
	if _, _, _, err := w.st.OpenDelivery(w.ctx, other.ID, 1, "<k1@billrun>"); err == nil {
		t.Error("a second delivery took the first one's Message-ID")
	}
	if n := w.count(`select count(*) from deliveries where invoice_id = $1`, other.ID); n != 0 {
		t.Errorf("%d deliveries of the other invoice, want none", n)
	}
}

// A delivery's outcome is never overwritten: not by a run that finds the customer's
// address gone (a retry of the delivery after its answer was lost, the address removed
// meanwhile) and skips it, nor by one that found it sending and marks it uncertain.
func TestSkipNeverOverwritesADeliveryMade(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.printed("DEL", 1001)
	if _, _, _, err := w.st.OpenDelivery(w.ctx, h.ID, 1, "<m1@billrun>"); err != nil {
		t.Fatal(err)
	}
	if ok, err := w.st.MarkSending(w.ctx, h.ID, 1); !ok || err != nil {
		t.Fatalf("sending: %v %v", ok, err)
	}
	if err := w.st.FinishDelivery(w.ctx, h.ID, 1, "sent", "to compras@forseti.example"); err != nil {
		t.Fatal(err)
	}
	w.mustTx(func(tx *store.Tx) error {
		skipped, err := tx.SkipDelivery(h.ID, 1, "<m1@billrun>", "the customer has no e-mail address")
		if skipped {
			t.Error("a delivery sent was skipped")
		}
		return err
	})
	// Nor by a late run that found it sending, before it was sent, and marks it uncertain.
	if marked, err := w.st.MarkUncertain(w.ctx, h.ID, 1, "stopped while handing it over", "check the mailbox"); marked || err != nil {
		t.Fatalf("a delivery sent marked uncertain: %v %v", marked, err)
	}
	got := w.row(`select d.status || ' ' || v.delivery_status from deliveries d join invoices v on v.id = d.invoice_id where d.invoice_id = $1`, h.ID)
	if got != "sent sent" {
		t.Errorf("delivery, invoice %q after a skip and an uncertain mark of the delivery made, want both sent", got)
	}
}

// printed is a completed invoice taken as printed: what a delivery opens for.
func (w *world) printed(batchID string, order int64) store.InvoiceHead {
	w.t.Helper()
	h := w.completed(batchID, order)
	w.print(h.ID)
	return h
}

// print stores a document and its PDF for the invoice, and marks it printed.
func (w *world) print(id int64) {
	w.t.Helper()
	w.exec(`insert into fiscal_documents (invoice_id, xml, no_certificado, sello, pdf, status)
		values ($1, '<cfdi:Comprobante/>', '30001000000500003416', 'sello', '%PDF-1.4', 'sealed')
		on conflict (invoice_id) do update set pdf = excluded.pdf`, id)
	w.exec(`update invoices set fiscal_status = 'pdf' where id = $1`, id)
}
