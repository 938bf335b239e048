package store_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// An invoice has one cancellation request at a time (RequestCancellation), a rejected one
// may be made again, a cancelled one never moves (SetCancellation, MarkCancelled), and
// undoing its books (CancelReceivable, ReleaseSources) gives back what it billed, never
// more — and of a plan event shared among entities, only its own share.

func TestCancellationRequestedOnceAtATime(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("CAN", 1001)
	w.stamped(h.ID, "6F1B0C2E-3D4A-4B5C-8D6E-7F8091A2B3C4")
	request := func(motive, replacement, key string) error {
		return w.tx(func(tx *store.Tx) error {
			return tx.RequestCancellation(h.ID, motive, replacement, key, "cancel "+motive)
		})
	}
	set := func(status string) {
		w.mustTx(func(tx *store.Tx) error { return tx.SetCancellation(h.ID, status, "SAT says "+status) })
	}
	state := func() string {
		return w.row(`select status || ' ' || motive || ' ' || request_key from cancellations where invoice_id = $1`, h.ID)
	}
	if err := request("01", "", "k0"); !refusedBy(err, "cancellations_check") {
		t.Errorf("motive 01 without the replacing CFDI: %v", err)
	}
	if err := request("07", "", "k0"); !refusedBy(err, "cancellations_motive_check") {
		t.Errorf("a motive SAT does not have: %v", err)
	}
	for _, c := range []struct {
		step string
		do   func() error
		want string
	}{
		{"requested", func() error { return request("02", "", "k1") }, "requested 02 k1"},
		{"requested again, otherwise", func() error { return request("03", "", "k2") }, "requested 02 k1"},
		{"pending", func() error { set("pending"); return nil }, "pending 02 k1"},
		{"requested while pending", func() error { return request("03", "", "k2") }, "pending 02 k1"},
		{"rejected", func() error { set("rejected"); return nil }, "rejected 02 k1"},
		{"requested after the rejection", func() error { return request("03", "", "k2") }, "requested 03 k2"},
		{"cancelled", func() error { set("cancelled"); return nil }, "cancelled 03 k2"},
		{"told pending after", func() error { set("pending"); return nil }, "cancelled 03 k2"},
		{"requested after", func() error { return request("02", "", "k3") }, "cancelled 03 k2"},
	} {
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.step, err)
		}
		if got := state(); got != c.want {
			t.Errorf("%s: cancellation %q, want %q", c.step, got, c.want)
		}
	}
}

func TestCancelledInvoiceKeepsItsNumber(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("CAN", 1001)
	w.stamped(h.ID, "6F1B0C2E-3D4A-4B5C-8D6E-7F8091A2B3C4")
	w.mustTx(func(tx *store.Tx) error { return tx.RequestCancellation(h.ID, "02", "", "k1", "cancel 02") })
	w.mustTx(func(tx *store.Tx) error { return tx.MarkCancelled(h.ID) })
	first := w.row(`select cancelled_at::text from cancellations where invoice_id = $1`, h.ID)
	w.mustTx(func(tx *store.Tx) error { return tx.MarkCancelled(h.ID) })
	got := w.row(`select v.status || ' ' || v.fiscal_status || ' ' || v.number || ' ' || d.status || ' ' || c.status || ' ' || c.cancelled_at::text
		from invoices v join fiscal_documents d on d.invoice_id = v.id join cancellations c on c.invoice_id = v.id where v.id = $1`, h.ID)
	if want := "cancelled cancelled " + strconv.FormatInt(*h.Number, 10) + " cancelled cancelled " + first; got != want {
		t.Errorf("cancelled twice: %q, want %q", got, want)
	}
}

func TestCancellationUndoesTheBooksOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("CAN", 1001) // the whole order: fulfilled
	lines := func() string {
		return w.row(`select o.status || ': ' || string_agg(l.qty_to_invoice::int || '/' || l.qty_in_billing::int || '/' || l.qty_invoiced::int, ' ' order by l.line_no)
			from sales_orders o join sales_order_lines l on l.order_id = o.id where o.number = 1001 group by o.status`)
	}
	if got := lines(); got != "fulfilled: 0/0/100 0/0/200" {
		t.Fatalf("order 1001 billed: %q (to invoice/in billing/invoiced)", got)
	}
	for range 2 {
		w.mustTx(func(tx *store.Tx) error { return tx.CancelReceivable(h.ID) })
	}
	if got := w.row(`select string_agg(status, ' ') from receivables where invoice_id = $1`, h.ID); got != "cancelled" {
		t.Errorf("receivables %q, want one cancelled", got)
	}
	w.mustTx(func(tx *store.Tx) error { return tx.ReleaseSources(h.ID) })
	if got := lines(); got != "approved: 100/0/0 200/0/0" {
		t.Errorf("order 1001 released: %q, want approved, all to invoice again", got)
	}
	// Released again, more would come back than was invoiced: the database refuses.
	if err := w.tx(func(tx *store.Tx) error { return tx.ReleaseSources(h.ID) }); !refusedBy(err, "sales_order_lines_qty_invoiced_check") {
		t.Errorf("released twice: %v", err)
	}
	if got := lines(); got != "approved: 100/0/0 200/0/0" {
		t.Errorf("order 1001 after a second release: %q", got)
	}
}

// A plan event split between two entities' invoices: cancelling one gives back only its
// share, billable again alone; the event is planned again once neither stands.
func TestCancellingAShareReleasesOnlyThatShare(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ids := w.plan("PLAN", model.BatchParams{SourceKind: model.SourcePlans, PeriodFrom: "2026-11-01", PeriodTo: "2026-11-30",
		Series: "A", InvoiceDate: "2026-11-23", Rate: decimal.NewFromInt(1), Grouping: rules.GroupNone})
	if len(ids) != 2 {
		t.Fatalf("the November event made %d invoices, want 2 (FORSETI 60%%, SOCIO 40%%)", len(ids))
	}
	for _, id := range ids {
		w.complete(id)
	}
	event := w.row(`select source_id::text from invoice_lines where invoice_id = $1`, ids[0])
	state := func() string {
		return w.row(`select e.state || coalesce(' ' || (select string_agg(customer || ' ' || state, ', ' order by customer) from billing_event_shares where event_id = e.id), '')
			from billing_events e where e.id = $1`, event)
	}
	if got := state(); got != "executed" {
		t.Fatalf("event after both invoices: %q", got)
	}
	cancel := func(id int64) {
		w.mustTx(func(tx *store.Tx) error {
			if err := tx.CancelReceivable(id); err != nil {
				return err
			}
			if err := tx.ReleaseSources(id); err != nil {
				return err
			}
			return tx.MarkCancelled(id)
		})
	}
	customer := func(id int64) string { return w.row(`select customer from invoices where id = $1`, id) }
	cancel(ids[0])
	if got, want := state(), "executed "+customer(ids[0])+" released"; got != want {
		t.Errorf("one share cancelled: %q, want %q", got, want)
	}
	cancel(ids[1])
	if got := state(); !strings.HasPrefix(got, "planned") {
		t.Errorf("both shares cancelled: %q, want the event planned again", got)
	}
}
