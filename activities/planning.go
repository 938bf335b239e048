package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"billrun/internal/batching"
	"billrun/internal/fiscal"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// Chunk sizes of planning: source documents selected per transaction, and lines grouped
// into drafts per transaction. Each chunk commits, so a batch of any size plans.
const (
	planSelectChunk = 500
	planGroupChunk  = 2000
)

// PlanBatch plans a batch in chunks that commit: it selects, screens and claims the sources
// after the batch's cursor, then groups and prices the selected lines into drafts a few
// group keys at a time, heartbeating its progress. Retried or run twice, it goes on from
// what was committed, and a planned batch answers its counts from the database.
func (a *Planning) PlanBatch(ctx context.Context, in BatchRef) (model.PlanResult, error) {
	res, err := a.planBatch(ctx, in.BatchID)
	return res, temporalError("planning", err)
}

func (a *Planning) planBatch(ctx context.Context, batchID string) (model.PlanResult, error) {
	for n, grouping := 1, false; !grouping; n++ {
		var err error
		if grouping, err = a.selectChunk(ctx, batchID); err != nil {
			return model.PlanResult{}, err
		}
		if a.afterChunk != nil {
			if err := a.afterChunk(n); err != nil {
				return model.PlanResult{}, err
			}
		}
	}
	keys, err := a.Store.SelectedKeys(ctx, batchID)
	if err != nil {
		return model.PlanResult{}, err
	}
	for i := 0; i < len(keys); {
		j := min(i+planGroupChunk, len(keys))
		for j < len(keys) && keys[j].GroupKey == keys[j-1].GroupKey {
			j++ // a group key is never split: its lines may share invoices
		}
		if err := a.groupChunk(ctx, batchID, keys[i:j]); err != nil {
			return model.PlanResult{}, err
		}
		heartbeat(ctx, fmt.Sprintf("grouped %d of %d lines", j, len(keys)))
		i = j
	}
	var res model.PlanResult
	err = a.Store.InTx(ctx, func(tx PlanningTx) error {
		b, err := tx.LockBatch(batchID)
		if err != nil {
			return err
		}
		if res, err = tx.PlanCounts(batchID); err != nil {
			return err
		}
		// Only a batch not approved yet waits for approval (a resumed one may be running).
		res.Draft = b.Draft && (b.Status == "grouping" || b.Status == "planned" || b.Status == "awaiting_approval")
		if b.Status != "grouping" {
			return nil // planned by an earlier run
		}
		if err := tx.SetPlanState(batchID, "planned", 0); err != nil {
			return err
		}
		return tx.Audit(batchID, 0, "plan", 0, "ok",
			fmt.Sprintf("%d lines selected, %d skipped, %d invoices", res.LinesSelected, res.LinesSkipped, res.Invoices))
	})
	return res, err
}

// selectChunk selects, screens and claims the next chunk of the batch's sources; it
// answers true once every source is selected and the batch is grouping (or further).
func (a *Planning) selectChunk(ctx context.Context, batchID string) (bool, error) {
	grouping := false
	err := a.Store.InTx(ctx, func(tx PlanningTx) error {
		b, err := tx.LockBatch(batchID)
		if err != nil {
			return err
		}
		if b.Status != "created" && b.Status != "planning" {
			grouping = true
			return nil
		}
		size := planSelectChunk
		if a.selectChunkSize > 0 {
			size = a.selectChunkSize
		}
		sel, next, last, err := tx.SelectChunk(b, b.PlanCursor, size)
		if err != nil {
			return err
		}
		lines, err := batching.SourceLines(sel)
		if err != nil {
			return err
		}
		if err := batching.Route(tx, b.Params, lines); err != nil {
			return err
		}
		billed, skipped := rules.Screen(lines, b.Params.AllowZeroPrice)
		returns, err := tx.ReturnRoutes()
		if err != nil {
			return err
		}
		billed, skippedReturns := rules.ScreenReturns(billed, returns)
		skipped = append(skipped, skippedReturns...)
		keys := make([]string, len(billed))
		for i, l := range billed {
			keys[i] = rules.GroupKey(l.Billable)
		}
		if err := tx.RecordSelected(batchID, billed, keys, skipped); err != nil {
			return err
		}
		if last {
			return tx.SetPlanState(batchID, "grouping", 0)
		}
		heartbeat(ctx, fmt.Sprintf("selected sources up to %d", next))
		return tx.SetPlanState(batchID, "planning", next)
	})
	return grouping, err
}

// groupChunk turns the selected lines of keys into priced drafts, numbered after the
// batch's last one.
func (a *Planning) groupChunk(ctx context.Context, batchID string, keys []store.LineKey) error {
	ids := make([]int64, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return a.Store.InTx(ctx, func(tx PlanningTx) error {
		b, err := tx.LockBatch(batchID)
		if err != nil || b.Status != "grouping" {
			return err
		}
		lines, err := tx.SelectedLines(batchID, ids)
		if err != nil || len(lines) == 0 {
			return err // grouped by an earlier run
		}
		first, err := tx.NextGroupNo(batchID)
		if err != nil {
			return err
		}
		opts, err := tx.PlanOptions(b)
		if err != nil {
			return err
		}
		return tx.WriteInvoices(b, rules.GroupInvoices(lines, opts, first))
	})
}

// heartbeat tells Temporal a long activity is alive, with its progress; outside an activity
// (the benchmark's bare loop, tests) it does nothing.
func heartbeat(ctx context.Context, progress string) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, progress)
	}
}

// ListOpenInvoices pages through a batch's invoices still to run.
func (a *Planning) ListOpenInvoices(ctx context.Context, in OpenPage) (OpenInvoices, error) {
	refs, err := a.Store.ListOpenInvoices(ctx, in.BatchID, in.AfterGroup, in.Limit)
	return OpenInvoices{Invoices: refs}, err
}

// BatchSummary reads the batch's summary.
func (a *Planning) BatchSummary(ctx context.Context, in BatchRef) (model.Summary, error) {
	return a.Store.ReadSummary(ctx, in.BatchID)
}

// SetBatchStatus records the batch's phase (awaiting_approval, running, finished).
func (a *Planning) SetBatchStatus(ctx context.Context, in BatchStatus) error {
	return a.Store.SetBatchStatus(ctx, in.BatchID, in.Status)
}

// FailBatch records that the batch stopped on bad data, with the reason.
func (a *Planning) FailBatch(ctx context.Context, in BatchFailure) error {
	return a.Store.FailBatch(ctx, in.BatchID, in.Reason)
}

// PrepareRetries turns the batch's failed invoices (all, or those named) into drafts of a
// new attempt dated date (or the series' last date, when later), and clears the fiscal
// error of completed ones to seal them again. It answers how many it turned; the batch
// then sweeps its open invoices, so a run after a lost answer leaves nothing behind.
func (a *Planning) PrepareRetries(ctx context.Context, in Retries) (RetriesPrepared, error) {
	if in.Date == "" { // a request without a date: today where the batch's issuers are
		countries, err := a.Store.BatchCountries(ctx, in.BatchID)
		if err != nil {
			return RetriesPrepared{}, err
		}
		in.Date = fiscal.EarliestToday(countries, time.Now())
	}
	n, err := a.Store.PrepareRetries(ctx, in.BatchID, in.InvoiceIDs, in.Date)
	return RetriesPrepared{Count: n}, temporalError("retry", err)
}

// PrepareRetry turns the batch's failed invoices (all, or those named) into drafts of a
// new attempt and answers them (the first batch workflow's retry; see PrepareRetries).
func (a *Planning) PrepareRetry(ctx context.Context, in Retries) (OpenInvoices, error) {
	refs, err := a.Store.PrepareRetry(ctx, in.BatchID, in.InvoiceIDs)
	return OpenInvoices{Invoices: refs}, err
}

// CreateScheduledBatch records the batch of a scheduled run, once per schedule and period;
// a batch that exists already is answered as it is.
func (a *Planning) CreateScheduledBatch(ctx context.Context, s model.ScheduledBatch) (ScheduledBatchID, error) {
	id, err := a.createScheduledBatch(ctx, s)
	return ScheduledBatchID{BatchID: id}, err
}

func (a *Planning) createScheduledBatch(ctx context.Context, s model.ScheduledBatch) (string, error) {
	id := store.ScheduledBatchID(s.Schedule, s.PeriodFrom, s.PeriodTo)
	_, err := a.Store.LoadBatch(ctx, id)
	switch {
	case err == nil:
		return id, a.Store.MarkScheduled(ctx, id, s) // again: a retry after a lost answer finishes the record
	case !errors.Is(err, model.ErrNotFound):
		return "", err
	}
	// No rate: foreign currencies bill at the imported exchange rates of the invoice date.
	p := model.BatchParams{SourceKind: s.Source, Series: s.Series, InvoiceDate: s.InvoiceDate, Grouping: s.Grouping, Template: s.Template}
	// Dated no later than today where its issuers are, whatever the schedule's zone: a
	// document is never signed before its own date.
	if countries, err := a.Store.SeriesCountries(ctx, s.Series); err == nil {
		if d := fiscal.EarliestToday(countries, time.Now()); p.InvoiceDate == "" || d < p.InvoiceDate {
			p.InvoiceDate = d
		}
	}
	if s.Template != "" {
		t, err := a.Store.Template(ctx, s.Template)
		if errors.Is(err, model.ErrNotFound) {
			return "", temporalError("schedule", businessf("schedule", "%s", err.Error()))
		}
		if err != nil {
			return "", err
		}
		got, probs := rules.ApplyTemplate(t, rules.BatchAsked{Source: s.Source, Grouping: s.Grouping, GroupingSet: s.Grouping != "",
			Series: s.Series, SeriesSet: s.Series != ""})
		if len(probs) > 0 {
			return "", temporalError("schedule", businessf("schedule", "%s", strings.Join(probs, "; ")))
		}
		p.Grouping, p.Series = got.Grouping, got.Series
	}
	if s.Source == model.SourceInstallments {
		p.DueUntil = s.PeriodTo
	} else {
		p.PeriodFrom, p.PeriodTo = s.PeriodFrom, s.PeriodTo
	}
	_, err = a.Store.CreateBatch(ctx, id, p)
	var in *model.InputError
	if errors.As(err, &in) {
		return "", temporalError("schedule", businessf("schedule", "%s", in.Error()))
	}
	if err == nil {
		err = a.Store.MarkScheduled(ctx, id, s)
	}
	return id, err
}
