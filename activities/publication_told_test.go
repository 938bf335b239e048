package activities_test

import (
	"context"
	"testing"

	"billrun/activities"
)

// An invoice sealed now tells its batch's publication only while that waits to be told:
// the first seal, none while it was told under a minute ago, the next once a stamping pass
// has counted what is left (and found the sealed invoice ready), and one after a mark that
// lapsed (a run that ended or stopped meanwhile). A step that finds the invoice sealed by
// an earlier run, or is asked to, wakes it whatever the mark says: the earlier run's
// wake-up may have failed after it set the mark.
func TestSealTellsAPublicationThatWaits(t *testing.T) {
	a, inv := completedInvoice(t, "2026-11-23")
	ctx := context.Background()
	w := &wakes{}
	a.Activities.SetWorkflows(w)
	batch := row(t, a, `select batch_id from invoices where id = $1`, inv)
	exec := func(sql string) {
		t.Helper()
		if _, err := a.DB.Exec(ctx, sql, inv); err != nil {
			t.Fatal(err)
		}
	}
	seal := func(in activities.Document, want int, when string) {
		t.Helper()
		if _, err := a.Publication.SealInvoice(ctx, in); err != nil {
			t.Fatal(err)
		}
		if w.n != want {
			t.Fatalf("%s: %d wake-ups, want %d", when, w.n, want)
		}
	}
	// sealAnew takes the invoice back to unsealed and seals it: a seal made now.
	sealAnew := func(want int, when string) {
		t.Helper()
		exec(`delete from fiscal_documents where invoice_id = $1`)
		exec(`update invoices set fiscal_status = 'unsealed' where id = $1`)
		seal(activities.Document{InvoiceID: inv}, want, when)
	}
	seal(activities.Document{InvoiceID: inv}, 1, "the first seal")
	sealAnew(1, "a seal while told")
	seal(activities.Document{InvoiceID: inv}, 2, "a step that finds it sealed by an earlier run")
	remaining, ready, stamped, err := a.Store.StampRemaining(ctx, batch)
	if err != nil || remaining != 1 || ready != 1 || stamped != 0 {
		t.Fatalf("stamping's count: %d remaining, %d ready, %d stamped, %v", remaining, ready, stamped, err)
	}
	sealAnew(3, "after a stamping pass counted")
	sealAnew(3, "told again at once")
	exec(`update batches set publication_told = now() - interval '2 minutes' where id = (select batch_id from invoices where id = $1)`)
	sealAnew(4, "a mark that lapsed")
	exec(`delete from fiscal_documents where invoice_id = $1`)
	exec(`update invoices set fiscal_status = 'unsealed' where id = $1`)
	seal(activities.Document{InvoiceID: inv, Wake: true}, 5, "a seal asked to wake it")

	// An invoice being cancelled is not one a pass stamps: not listed, not ready (else a
	// stage would look for it again and again).
	exec(`update invoices set cancelling = true where id = $1`)
	ids, err := a.Store.ToStamp(ctx, batch, 50)
	if err != nil || len(ids) != 0 {
		t.Fatalf("to stamp while being cancelled: %v %v", ids, err)
	}
	if _, ready, _, err := a.Store.StampRemaining(ctx, batch); err != nil || ready != 0 {
		t.Fatalf("ready while being cancelled: %d %v", ready, err)
	}
}
