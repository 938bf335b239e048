package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// ScheduledBatch is what a scheduled run asks for: a source kind over a period.
type ScheduledBatch struct {
	Schedule    string `json:"schedule"`
	Source      string `json:"source"` // plans or installments
	PeriodFrom  string `json:"period_from"`
	PeriodTo    string `json:"period_to"`
	InvoiceDate string `json:"invoice_date"`
	Grouping    string `json:"grouping"`
	Series      string `json:"series,omitempty"`
}

// ScheduledBatchID is the business key of a schedule's run for one period: every run of the
// same period (the schedule, a trigger, a backfill, a retry) names the same batch.
func ScheduledBatchID(schedule, from, to string) string {
	return fmt.Sprintf("S-%s-%s..%s", schedule, from, to)
}

// CreateScheduledBatch records the batch of a scheduled run, once per schedule and period;
// a batch that exists already is answered as it is.
func (a *Activities) CreateScheduledBatch(ctx context.Context, s ScheduledBatch) (string, error) {
	id := ScheduledBatchID(s.Schedule, s.PeriodFrom, s.PeriodTo)
	_, err := LoadBatch(ctx, a.DB, id)
	switch {
	case err == nil:
		return id, a.markScheduled(ctx, id, s) // again: a retry after a lost answer finishes the record
	case !errors.Is(err, ErrNotFound):
		return "", err
	}
	p := BatchParams{SourceKind: s.Source, Series: s.Series, InvoiceDate: s.InvoiceDate, Rate: decimal.NewFromInt(1), Grouping: s.Grouping}
	if s.Source == SourceInstallments {
		p.DueUntil = s.PeriodTo
	} else {
		p.PeriodFrom, p.PeriodTo = s.PeriodFrom, s.PeriodTo
	}
	_, err = CreateBatch(ctx, a.DB, id, p)
	var in *InputError
	if errors.As(err, &in) {
		return "", businessf("schedule", "%s", in.Error())
	}
	if err == nil {
		err = a.markScheduled(ctx, id, s)
	}
	return id, temporalError(err)
}

// markScheduled records which schedule and period made the batch.
func (a *Activities) markScheduled(ctx context.Context, id string, s ScheduledBatch) error {
	_, err := a.DB.Exec(ctx, `update batches set schedule = $2, period = $3 where id = $1`, id, s.Schedule, s.PeriodFrom+".."+s.PeriodTo)
	return err
}
