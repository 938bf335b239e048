package store_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"billrun/internal/batching"
	"billrun/internal/importfmt"
	"billrun/internal/model"
	"billrun/internal/store"
	"billrun/schema/testdb"
)

// The store's own tests, on a test database of their own with the demo's data: each
// writer run twice writes once, and what must never be is refused.

func demoStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.New(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	f, err := os.Open("../../examples/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := importfmt.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	d.BaseDir = "../../examples" // the certificates' paths are the file's
	if _, err := st.Import(ctx, d); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestImportTwiceKeepsWhatExists(t *testing.T) {
	st := demoStore(t)
	ctx := context.Background()
	f, _ := os.Open("../../examples/demo.json")
	defer f.Close()
	d, err := importfmt.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	d.BaseDir = "../../examples" // the certificates' paths are the file's
	before, _ := st.ListPlanEvents(ctx, "PLAN-MANT")
	if _, err := st.Import(ctx, d); err != nil {
		t.Fatalf("the same file again: %v", err)
	}
	after, _ := st.ListPlanEvents(ctx, "PLAN-MANT")
	if len(before) == 0 || len(after) != len(before) {
		t.Fatalf("plan events %d, then %d after importing again", len(before), len(after))
	}
}

func TestBatchWritersWriteOnce(t *testing.T) {
	st := demoStore(t)
	ctx := context.Background()
	p := model.BatchParams{SourceKind: model.SourceOrders, OrdersFrom: 1001, OrdersTo: 1002, Series: "A",
		InvoiceDate: "2026-11-23", Rate: decimal.NewFromInt(1), Grouping: "none", Draft: true}
	id, err := batching.Create(ctx, st, "STORE-1", p)
	if err != nil || id != "STORE-1" {
		t.Fatalf("create: %q %v", id, err)
	}
	if again, err := batching.Create(ctx, st, "STORE-1", p); err != nil || again != id {
		t.Fatalf("the same batch again: %q %v", again, err)
	}
	other := p
	other.OrdersTo = 1005
	if _, err := batching.Create(ctx, st, "STORE-1", other); err == nil {
		t.Fatal("the same id with other parameters was taken")
	}
	if err := st.SetBatchStatus(ctx, id, "awaiting_approval"); err != nil {
		t.Fatal(err)
	}
	// Rejecting a draft awaiting approval, twice: the second is a no-op.
	if again, err := st.RejectBatch(ctx, id, "wrong customers"); err != nil || again {
		t.Fatalf("reject: again=%v %v", again, err)
	}
	if again, err := st.RejectBatch(ctx, id, "wrong customers"); err != nil || !again {
		t.Fatalf("reject again: again=%v %v", again, err)
	}
	b, err := st.LoadBatch(ctx, id)
	if err != nil || b.Status != "rejected" {
		t.Fatalf("rejected batch: %+v %v", b, err)
	}
	// A batch that stopped on bad data keeps the reason, once however often it is told.
	p2 := p
	p2.OrdersFrom, p2.OrdersTo, p2.Draft = 1003, 1003, false
	id2, err := batching.Create(ctx, st, "STORE-2", p2)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := st.FailBatch(ctx, id2, "numeric field overflow in order 1003"); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := st.LoadBatch(ctx, id2); err != nil || !strings.Contains(b.Error, "numeric field overflow") {
		t.Fatalf("failed batch: %+v %v", b, err)
	}
}

func TestPlanEventsChangeOnlyBeforeTheyBill(t *testing.T) {
	st := demoStore(t)
	ctx := context.Background()
	events, err := st.ListPlanEvents(ctx, "PLAN-MANT")
	if err != nil || len(events) == 0 {
		t.Fatalf("events: %v", err)
	}
	e := events[len(events)-1]
	changed, err := st.SetPlanEvent(ctx, e.ID, "2026-12-30", "")
	if err != nil || changed.Date != "2026-12-30" {
		t.Fatalf("move an event: %+v %v", changed, err)
	}
	if again, err := st.SetPlanEvent(ctx, e.ID, "2026-12-30", ""); err != nil || again.Date != "2026-12-30" {
		t.Fatalf("the same change again: %+v %v", again, err)
	}
	other := events[0]
	if _, err := st.SetPlanEvent(ctx, other.ID, "2026-12-30", ""); !errors.Is(err, store.ErrEventDateTaken) {
		t.Errorf("a second event moved to a date the plan has an event on: %v", err)
	}
}

func TestOrderLinesToInvoiceAtMostWhatIsPending(t *testing.T) {
	st := demoStore(t)
	ctx := context.Background()
	v, err := st.SetToInvoice(ctx, 1001, 1, decimal.NewFromInt(40))
	if err != nil {
		t.Fatalf("to invoice 40 of 100: %v", err)
	}
	if !v.ToInvoice.Equal(decimal.NewFromInt(40)) {
		t.Fatalf("line: %+v", v)
	}
	if _, err := st.SetToInvoice(ctx, 1001, 1, decimal.NewFromInt(101)); err == nil {
		t.Error("more than ordered was taken")
	}
}
