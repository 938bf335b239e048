package store_test

import (
	"testing"

	"billrun/internal/model"
)

// Operations' writers: the id sequences start where they are told (StartIDsAt), so
// workflow ids never collide across databases, and a scheduled batch records which
// schedule and period made it (MarkScheduled), the same however often it is told.

func TestIDsStartWhereTold(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const start = 7_000_000_000
	if err := w.st.StartIDsAt(w.ctx, start); err != nil {
		t.Fatal(err)
	}
	p := orders(1001, 1001)
	w.create("", p) // an empty id: the next B-number
	if got := w.row(`select id from batches`); got != "B7000000000" {
		t.Errorf("batch %s, want B7000000000", got)
	}
	ids := w.plan("IDS", orders(1002, 1002))
	if len(ids) != 1 || ids[0] != start {
		t.Errorf("invoice ids %v, want [%d]", ids, start)
	}
}

func TestScheduledBatchRecordsItsPeriod(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sb := model.ScheduledBatch{Schedule: "monthly", Source: model.SourcePlans, PeriodFrom: "2026-11-01", PeriodTo: "2026-11-30", InvoiceDate: "2026-11-23"}
	w.create("S-monthly", orders(1001, 1001))
	for range 2 {
		if err := w.st.MarkScheduled(w.ctx, "S-monthly", sb); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.row(`select schedule || ' ' || period || ' ' || status from batches where id = 'S-monthly'`); got != "monthly 2026-11-01..2026-11-30 created" {
		t.Errorf("scheduled batch %q", got)
	}
}
