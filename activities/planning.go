package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"billrun/activities/model"
	"billrun/activities/store"
)

// PlanBatch plans a created batch: selects, screens, claims, groups and prices its lines
// and writes the drafts, batch lines and the not-invoiced report, in one transaction. Run
// twice, it finds the batch planned and answers from the database.
func (a *Activities) PlanBatch(ctx context.Context, batchID string) (model.PlanResult, error) {
	var res model.PlanResult
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		b, err := tx.LockBatch(batchID)
		if err != nil {
			return err
		}
		if b.Status != "created" {
			res, err = tx.PlanCounts(batchID)
			res.Draft = b.Draft
			return err
		}
		lines, plan, err := tx.PlanSources(b)
		if err != nil {
			return err
		}
		if err := tx.WritePlan(b, plan); err != nil {
			return err
		}
		res = model.PlanResult{Invoices: len(plan.Invoices), LinesSelected: len(lines), LinesSkipped: len(plan.Skipped), Draft: b.Draft}
		return tx.Audit(batchID, 0, "plan", 0, "ok",
			fmt.Sprintf("%d lines selected, %d skipped, %d invoices", res.LinesSelected, res.LinesSkipped, res.Invoices))
	})
	return res, err
}

// ListOpenInvoices pages through a batch's invoices still to run.
func (a *Activities) ListOpenInvoices(ctx context.Context, batchID string, afterGroup, limit int) ([]model.InvoiceRef, error) {
	return a.Store.ListOpenInvoices(ctx, batchID, afterGroup, limit)
}

// BatchSummary reads the batch's summary.
func (a *Activities) BatchSummary(ctx context.Context, batchID string) (model.Summary, error) {
	return a.Store.ReadSummary(ctx, batchID)
}

// SetBatchStatus records the batch's phase (awaiting_approval, running, finished).
func (a *Activities) SetBatchStatus(ctx context.Context, batchID, status string) error {
	return a.Store.SetBatchStatus(ctx, batchID, status)
}

// PrepareRetry turns the batch's failed invoices (all, or those named) into drafts of a
// new attempt and answers them.
func (a *Activities) PrepareRetry(ctx context.Context, batchID string, invoiceIDs []int64) ([]model.InvoiceRef, error) {
	return a.Store.PrepareRetry(ctx, batchID, invoiceIDs)
}

// CreateScheduledBatch records the batch of a scheduled run, once per schedule and period;
// a batch that exists already is answered as it is.
func (a *Activities) CreateScheduledBatch(ctx context.Context, s model.ScheduledBatch) (string, error) {
	id := store.ScheduledBatchID(s.Schedule, s.PeriodFrom, s.PeriodTo)
	_, err := a.Store.LoadBatch(ctx, id)
	switch {
	case err == nil:
		return id, a.Store.MarkScheduled(ctx, id, s) // again: a retry after a lost answer finishes the record
	case !errors.Is(err, model.ErrNotFound):
		return "", err
	}
	p := model.BatchParams{SourceKind: s.Source, Series: s.Series, InvoiceDate: s.InvoiceDate, Rate: decimal.NewFromInt(1), Grouping: s.Grouping}
	if s.Source == model.SourceInstallments {
		p.DueUntil = s.PeriodTo
	} else {
		p.PeriodFrom, p.PeriodTo = s.PeriodFrom, s.PeriodTo
	}
	_, err = a.Store.CreateBatch(ctx, id, p)
	var in *model.InputError
	if errors.As(err, &in) {
		return "", temporalError(businessf("schedule", "%s", in.Error()))
	}
	if err == nil {
		err = a.Store.MarkScheduled(ctx, id, s)
	}
	return id, err
}
