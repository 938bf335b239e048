package store_test

import (
	"slices"
	"testing"

	"billrun/internal/model"
)

// A retry (PrepareRetries, PrepareRetry) turns a batch's failed invoices — all, or those
// named, never another batch's — into drafts of their next attempt once, dated no earlier
// than the series' last number, and clears a completed invoice's fiscal failure once, as a
// new publish attempt.

// retryWorld has batch RET of orders 1001..1003: the first completed and its printing
// failed, the other two failed; and batch OTHER with a failed invoice of order 1004.
func retryWorld(t *testing.T) (w *world, printing, failed1, failed2, other int64) {
	w = newWorld(t)
	ids := w.plan("RET", orders(1001, 1003))
	w.complete(ids[0])
	w.stamped(ids[0], uuid1)
	if err := w.st.RecordFiscalError(w.ctx, ids[0], model.StepPDF, "no font"); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[1:] {
		w.price(id)
		w.fail(id, model.StepStock, "not enough stock")
	}
	other = w.invoice("OTHER", 1004)
	w.price(other)
	w.fail(other, model.StepStock, "not enough stock")
	return w, ids[0], ids[1], ids[2], other
}

func TestRetriesPreparedOnce(t *testing.T) {
	t.Parallel()
	w, printing, failed1, failed2, other := retryWorld(t)
	state := func(id int64) string {
		return w.row(`select status || ' ' || attempt || ' ' || publish_attempt || ' ' || invoice_date::text || ' [' || fiscal_error || ']'
			from invoices where id = $1`, id)
	}
	for _, c := range []struct {
		name     string
		ids      []int64
		lastDate string // the series' last numbered date by then
		turns    int
	}{
		{"another batch's invoice", []int64{other}, "2026-11-23", 0},
		{"the one named", []int64{failed1}, "2026-11-23", 1},
		{"all of them, after a number dated the 28th", nil, "2026-11-28", 2}, // the other failed one, and the one whose printing failed
		{"all of them again", nil, "2026-11-28", 0},
	} {
		w.exec(`update series set last_date = $1 where code = 'A'`, c.lastDate)
		n, err := w.st.PrepareRetries(w.ctx, "RET", c.ids, "2026-11-26")
		if err != nil || n != c.turns {
			t.Errorf("%s: turned %d %v, want %d", c.name, n, err, c.turns)
		}
	}
	for id, want := range map[int64]string{
		printing: "completed 1 2 2026-11-23 []",
		failed1:  "draft 2 1 2026-11-26 []",
		failed2:  "draft 2 1 2026-11-28 []", // numbers never run backwards in time
		other:    "failed 1 1 2026-11-23 []",
	} {
		if got := state(id); got != want {
			t.Errorf("invoice %d: %q, want %q", id, got, want)
		}
	}
	if n := w.count(`select count(*) from audit_events where batch_id = 'RET' and step = 'retry'`); n != 2 {
		t.Errorf("%d retries in the audit trail, want 2", n)
	}
}

func TestRetryTurnsEachFailedInvoiceOnce(t *testing.T) {
	t.Parallel()
	w, printing, failed1, failed2, other := retryWorld(t)
	ids := func(refs []model.InvoiceRef) []int64 {
		var out []int64
		for _, r := range refs {
			out = append(out, r.ID)
		}
		return out
	}
	first, err := w.st.PrepareRetry(w.ctx, "RET", []int64{failed1, failed2, printing, other})
	if err != nil || !slices.Equal(ids(first), []int64{printing, failed1, failed2}) {
		t.Fatalf("retry: %v %v, want the batch's three in group order", ids(first), err)
	}
	// Again, only the completed one whose printing failed runs again (as it is).
	again, err := w.st.PrepareRetry(w.ctx, "RET", nil)
	if err != nil || !slices.Equal(ids(again), []int64{printing}) {
		t.Errorf("retry again: %v %v", ids(again), err)
	}
	got := w.row(`select string_agg(status || ' ' || attempt, ', ' order by group_no) from invoices where batch_id = 'RET'`)
	if got != "completed 1, draft 2, draft 2" {
		t.Errorf("after two retries: %q", got)
	}
}
