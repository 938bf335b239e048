package store_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"billrun/internal/batching"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// Planning's writers: a selection recorded again claims and records nothing twice
// (RecordSelected), grouped lines are written as drafts once (WriteInvoices) at the
// batch's own exchange rate, and the batch keeps where planning stands (SetPlanState).

func TestSelectionRecordedOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.create("SEL", orders(1001, 1007)) // 1005 delivered, 1006 the generic customer, 1007 a zero price: skipped
	var billed []rules.SourceLine
	var skipped []rules.SkippedLine
	w.mustTx(func(tx *store.Tx) error {
		b, err := tx.LockBatch("SEL")
		if err != nil {
			return err
		}
		sel, err := tx.SelectLines(b)
		if err != nil {
			return err
		}
		lines, err := batching.SourceLines(sel)
		if err != nil {
			return err
		}
		routes, err := tx.DocumentRoutes()
		if err != nil {
			return err
		}
		rules.RouteDocumentKinds(lines, routes)
		billed, skipped = rules.Screen(lines, false)
		return nil
	})
	recorded := func() string {
		return w.row(`select (select string_agg(outcome || ' ' || n, ', ' order by outcome) from
			(select outcome, count(*) n from batch_lines where batch_id = 'SEL' group by outcome) o) || '; in billing ' ||
			(select sum(qty_in_billing)::text from sales_order_lines)`)
	}
	for i := range 2 {
		w.mustTx(func(tx *store.Tx) error { return tx.RecordSelected("SEL", billed, groupKeys(billed), skipped) })
		if got := recorded(); got != "selected 7, skipped 4; in billing 361.0000" {
			t.Errorf("recorded %d times: %q", i+1, got)
		}
	}
}

func TestDraftsWrittenOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.create("GRP", orders(1001, 1003))
	w.selectAll("GRP")
	keys, err := w.st.SelectedKeys(w.ctx, "GRP")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	var planned []rules.PlannedInvoice
	write := func() error {
		return w.tx(func(tx *store.Tx) error {
			b, err := tx.LockBatch("GRP")
			if err != nil {
				return err
			}
			if planned == nil {
				lines, err := tx.SelectedLines("GRP", ids)
				if err != nil {
					return err
				}
				opts, err := tx.PlanOptions(b)
				if err != nil {
					return err
				}
				planned = rules.GroupInvoices(lines, opts, 1)
			}
			return tx.WriteInvoices(b, planned)
		})
	}
	if err := write(); err != nil {
		t.Fatal(err)
	}
	// Run again with what it planned: the batch's group numbers are taken.
	if err := write(); !refusedBy(err, "invoices_batch_id_group_no_key") {
		t.Errorf("the same drafts written again: %v", err)
	}
	if n := w.count(`select count(*) from invoices where batch_id = 'GRP'`); n != 3 {
		t.Errorf("%d drafts, want 3", n)
	}
	// And what it grouped is selected no more: a rerun of grouping finds nothing to do.
	w.mustTx(func(tx *store.Tx) error {
		lines, err := tx.SelectedLines("GRP", ids)
		if len(lines) != 0 {
			t.Errorf("%d lines still to group after grouping", len(lines))
		}
		return err
	})
	if got := w.row(`select string_agg(distinct outcome, ' ') from batch_lines where batch_id = 'GRP'`); got != "invoiced" {
		t.Errorf("batch lines %q, want all invoiced", got)
	}
}

func TestDraftsBillAtTheBatchRate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := orders(1008, 1008) // in USD
	p.Rate = decimal.RequireFromString("19.5")
	w.create("USD", p)
	w.selectAll("USD")
	// Grouped without the batch's rate for USD (its source changed currency since the batch
	// was made), planning stops with the reason and writes nothing.
	keys, _ := w.st.SelectedKeys(w.ctx, "USD")
	err := w.tx(func(tx *store.Tx) error {
		b, err := tx.LockBatch("USD")
		if err != nil {
			return err
		}
		lines, err := tx.SelectedLines("USD", []int64{keys[0].ID})
		if err != nil {
			return err
		}
		opts, err := tx.PlanOptions(b)
		if err != nil {
			return err
		}
		b.Rates.Rates = nil
		return tx.WriteInvoices(b, rules.GroupInvoices(lines, opts, 1))
	})
	var be *model.BusinessError
	if !errors.As(err, &be) {
		t.Errorf("grouped with no rate for USD: %v", err)
	}
	if n := w.count(`select count(*) from invoices where batch_id = 'USD'`); n != 0 {
		t.Fatalf("%d drafts written with no rate", n)
	}
	w.group("USD")
	if got := w.row(`select currency || ' ' || rate::text from invoices where batch_id = 'USD'`); got != "USD 19.500000" {
		t.Errorf("the draft bills %q, want USD at 19.5", got)
	}
}

func TestPlanStateKeepsWherePlanningStands(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.create("ST", orders(1001, 1009))
	if err := w.st.FailBatch(w.ctx, "ST", "numeric field overflow in order 1004"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		w.mustTx(func(tx *store.Tx) error { return tx.SetPlanState("ST", "planning", 1003) })
	}
	b, err := w.st.LoadBatch(w.ctx, "ST")
	if err != nil || b.Status != "planning" || b.PlanCursor != 1003 || b.Error != "" {
		t.Errorf("batch resumed at 1003: %s cursor %d error %q %v", b.Status, b.PlanCursor, b.Error, err)
	}
	if err := w.tx(func(tx *store.Tx) error { return tx.SetPlanState("ST", "halfway", 1005) }); !refusedBy(err, "batches_status_check") {
		t.Errorf("a status batches do not have: %v", err)
	}
}
