package store_test

import (
	"testing"

	"billrun/internal/store"
)

// The audit trail (Audit) has one row per invoice, step, attempt and outcome: a re-run of
// an activity appends nothing, and what it first said stays.

func TestAuditOncePerInvoiceStepAttemptOutcome(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.invoice("AUD", 1001)
	for _, c := range []struct {
		name                 string
		batch, step, outcome string
		attempt              int
		rows                 int
	}{
		{"priced", "AUD", "pricing", "ok", 1, 1},
		{"priced again by a retried activity", "AUD", "pricing", "ok", 1, 1},
		{"its stock failed", "AUD", "stock discharge", "failed", 1, 2},
		{"its stock failed again", "AUD", "stock discharge", "failed", 1, 2},
		{"priced at the next attempt", "AUD", "pricing", "ok", 2, 3},
		{"a credit note on it (no batch)", "", "credit note", "ok", 1, 4},
	} {
		w.mustTx(func(tx *store.Tx) error { return tx.Audit(c.batch, id, c.step, c.attempt, c.outcome, c.name) })
		if n := w.count(`select count(*) from audit_events where invoice_id = $1`, id); n != c.rows {
			t.Errorf("%s: %d audit rows, want %d", c.name, n, c.rows)
		}
	}
	got := w.row(`select string_agg(coalesce(batch_id, '-') || ' ' || step || ' ' || attempt || ': ' || detail, '; ' order by id) from audit_events where invoice_id = $1`, id)
	want := "AUD pricing 1: priced; AUD stock discharge 1: its stock failed; AUD pricing 2: priced at the next attempt; - credit note 1: a credit note on it (no batch)"
	if got != want {
		t.Errorf("audit trail\n%s\nwant\n%s", got, want)
	}
}
