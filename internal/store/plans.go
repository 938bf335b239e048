package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
)

// Billing event states (seed 003).

// ListPlanEvents lists a plan's events in date order.
func (s *Store) ListPlanEvents(ctx context.Context, plan string) ([]model.PlanEvent, error) {
	return s.ListEvents(ctx, model.PlanEventFilter{Plan: plan})
}

// ListEvents lists the events of a plan, or of a contract's plans, in a period, in plan
// and date order, each with the invoices that bill it. A plan or contract that does not
// exist is not found.
func (s *Store) ListEvents(ctx context.Context, f model.PlanEventFilter) ([]model.PlanEvent, error) {
	for _, c := range []struct{ what, code, sql string }{
		{"billing plan", f.Plan, `select exists (select 1 from billing_plans where code = $1)`},
		{"contract", f.Contract, `select exists (select 1 from contracts where number = $1)`},
	} {
		var ok bool
		if c.code == "" {
			continue
		}
		if err := s.pool.QueryRow(ctx, c.sql, c.code).Scan(&ok); err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s %q: %w", c.what, c.code, model.ErrNotFound)
		}
	}
	rows, err := s.pool.Query(ctx, `select e.id, p.code, e.event_date, e.state, e.own_items,
		       coalesce((select array_agg(distinct v.series || '-' || coalesce(v.number::text, '(draft ' || v.id || ')') || ' ' || v.status)
		                 from invoice_lines l join invoices v on v.id = l.invoice_id where l.source_kind = 'plan_event' and l.source_id = e.id), '{}')
		from billing_events e join billing_plans p on p.id = e.plan_id left join contracts c on c.id = p.contract_id
		where ($1 = '' or p.code = $1) and ($2 = '' or c.number = $2)
		  and ($3::date is null or e.event_date >= $3) and ($4::date is null or e.event_date <= $4)
		order by p.code, e.event_date`, f.Plan, f.Contract, nullIfEmpty(f.From), nullIfEmpty(f.To))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.PlanEvent, error) {
		var e model.PlanEvent
		var d time.Time
		err := r.Scan(&e.ID, &e.Plan, &d, &e.State, &e.OwnItems, &e.Documents)
		e.Date = d.Format(time.DateOnly)
		return e, err
	})
}

// ErrEventDateTaken: the plan has another event on the date asked.
var ErrEventDateTaken = errors.New("has an event on that date already")

// SetPlanEvent changes an event's date (YYYY-MM-DD) or state, either of them "" to keep
// it. Executed events, and events a batch is billing, refuse changes (seed 003: only events
// not executed may change); a date another event of the plan has is refused with
// ErrEventDateTaken.
func (s *Store) SetPlanEvent(ctx context.Context, id int64, date, state string) (model.PlanEvent, error) {
	var e model.PlanEvent
	var d time.Time
	if state == "executed" || state == "in_billing" { // a batch's to give, as it bills
		return e, &model.InputError{Problems: []string{fmt.Sprintf("billing event %d: state %s is given by the batch that bills it", id, state)}}
	}
	err := s.InTx(ctx, func(t *Tx) error {
		tx := t.tx
		err := tx.QueryRow(ctx, `select e.id, p.code, e.event_date, e.state from billing_events e join billing_plans p on p.id = e.plan_id
			where e.id = $1 for update of e`, id).Scan(&e.ID, &e.Plan, &d, &e.State)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("billing event %d: %w", id, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if e.State == "executed" || e.State == "in_billing" {
			return &model.InputError{Problems: []string{fmt.Sprintf("billing event %d of plan %s is %s: it cannot change", id, e.Plan, e.State)}}
		}
		if date != "" {
			var clash bool
			if err := tx.QueryRow(ctx, `select exists (select 1 from billing_events where plan_id = (select plan_id from billing_events where id = $1)
				and event_date = $2 and id <> $1)`, id, date).Scan(&clash); err != nil {
				return err
			}
			if clash {
				return fmt.Errorf("plan %s %w (%s)", e.Plan, ErrEventDateTaken, date)
			}
		}
		return tx.QueryRow(ctx, `update billing_events set event_date = coalesce(nullif($2, '')::date, event_date),
			state = coalesce(nullif($3, ''), state) where id = $1 returning event_date, state`, id, date, state).Scan(&d, &e.State)
	})
	e.Date = d.Format(time.DateOnly)
	return e, err
}

// SetBillingPlanState makes a billing plan active or inactive (seed 003: only an active
// plan's events bill); it answers the state it had. Events a batch is billing now bill on.
func (s *Store) SetBillingPlanState(ctx context.Context, plan, state string) (before string, err error) {
	err = s.pool.QueryRow(ctx, `with old as (select id, state from billing_plans where code = $1 for update)
		update billing_plans p set state = $2 from old where p.id = old.id returning old.state`, plan, state).Scan(&before)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("billing plan %q: %w", plan, model.ErrNotFound)
	}
	return before, err
}
