package batching

import (
	"context"
	"errors"
	"fmt"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// Create checks params against the database and records a new batch in state created, in
// one transaction. An empty id gets the next B-number; a given id that exists already with
// the same params is returned as is, so a scheduler calling twice creates one batch.
func Create(ctx context.Context, st *store.Store, id string, p model.BatchParams) (string, error) {
	err := st.InTx(ctx, func(t *store.Tx) error {
		rates, err := Validate(t, &p)
		if err != nil {
			return err
		}
		made, err := t.InsertBatch(id, p, rates)
		if errors.Is(err, store.ErrBatchExists) {
			return &model.InputError{Problems: []string{fmt.Sprintf("--id: batch %s exists already with other parameters", id)}}
		}
		id = made
		return err
	})
	return id, err
}

// DryRun plans a batch's parameters and writes nothing: the answer shows the invoices a
// real run would make.
func DryRun(ctx context.Context, st *store.Store, p model.BatchParams) (model.PlanOutcome, error) {
	var out model.PlanOutcome
	err := st.InTxRolledBack(ctx, func(t *store.Tx) error { // the selection takes row locks, nothing else
		rates, err := Validate(t, &p)
		if err != nil {
			return err
		}
		b := model.Batch{ID: "dry-run", Params: p, Grouping: p.Grouping, Rates: rates}
		sel, err := t.SelectLines(b)
		if err != nil {
			return err
		}
		lines, err := SourceLines(sel)
		if err != nil {
			return err
		}
		if err := Route(t, p, lines); err != nil {
			return err
		}
		opts, err := t.PlanOptions(b)
		if err != nil {
			return err
		}
		returns, err := t.ReturnRoutes()
		if err != nil {
			return err
		}
		billed, skipped := rules.Screen(lines, opts.AllowZeroPrice)
		billed, skippedReturns := rules.ScreenReturns(billed, returns)
		plan := rules.PlannedBatch{Invoices: rules.GroupInvoices(billed, opts, 1), Skipped: append(skipped, skippedReturns...)}
		out = store.Outcome(len(lines), plan)
		return nil
	})
	return out, err
}
