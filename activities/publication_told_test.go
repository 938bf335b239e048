package activities_test

import (
	"context"
	"testing"

	"billrun/activities"
)

// A seal tells its batch's publication only while that waits to be told: the first seal,
// none while it was told under a minute ago, the next once a stamping pass has counted
// what is left (and found the sealed invoice ready), and one after a mark that lapsed (a
// run that ended or stopped meanwhile).
func TestSealTellsAPublicationThatWaits(t *testing.T) {
	a, inv := completedInvoice(t, "2026-11-23")
	ctx := context.Background()
	w := &wakes{}
	a.Activities.SetWorkflows(w)
	batch := row(t, a, `select batch_id from invoices where id = $1`, inv)
	seal := func(want int, when string) {
		t.Helper()
		if _, err := a.Publication.SealInvoice(ctx, activities.Document{InvoiceID: inv}); err != nil {
			t.Fatal(err)
		}
		if w.n != want {
			t.Fatalf("%s: %d wake-ups, want %d", when, w.n, want)
		}
	}
	seal(1, "the first seal")
	seal(1, "sealed again while told")
	remaining, ready, stamped, err := a.Store.StampRemaining(ctx, batch)
	if err != nil || remaining != 1 || ready != 1 || stamped != 0 {
		t.Fatalf("stamping's count: %d remaining, %d ready, %d stamped, %v", remaining, ready, stamped, err)
	}
	seal(2, "after a stamping pass counted")
	seal(2, "told again at once")
	if _, err := a.DB.Exec(ctx, `update batches set publication_told = now() - interval '2 minutes' where id = $1`, batch); err != nil {
		t.Fatal(err)
	}
	seal(3, "a mark that lapsed")
}
