package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// ValidateBatch checks params against the database and returns every problem found, or the
// exchange rates the batch will bill at.
func (t *Tx) ValidateBatch(p *model.BatchParams) (model.BatchRates, error) {
	var rates model.BatchRates
	ctx, q := t.ctx, t.tx
	var probs []string
	add := func(f string, a ...any) { probs = append(probs, fmt.Sprintf(f, a...)) }

	switch p.SourceKind {
	case model.SourceOrders:
		if p.OrdersFrom <= 0 || p.OrdersTo <= 0 {
			add("--orders: the range must be FROM-TO with positive order numbers, got %d-%d", p.OrdersFrom, p.OrdersTo)
		} else if p.OrdersFrom > p.OrdersTo {
			add("--orders: FROM %d is greater than TO %d", p.OrdersFrom, p.OrdersTo)
		}
	case model.SourceInstallments:
		if _, err := time.Parse(time.DateOnly, p.DueUntil); err != nil {
			add("--due-until: %q is not a date (YYYY-MM-DD)", p.DueUntil)
		}
		if p.Partner != "" {
			var ok bool
			if err := q.QueryRow(ctx, `select exists (select 1 from customers where code = $1)`, p.Partner).Scan(&ok); err != nil {
				return rates, err
			}
			if !ok {
				add("--partner: unknown customer %q", p.Partner)
			}
		}
	case model.SourcePlans:
		from, err1 := time.Parse(time.DateOnly, p.PeriodFrom)
		to, err2 := time.Parse(time.DateOnly, p.PeriodTo)
		switch {
		case err1 != nil || err2 != nil:
			add("--period: %q..%q is not a period FROM..TO of dates (YYYY-MM-DD)", p.PeriodFrom, p.PeriodTo)
		case to.Before(from):
			add("--period: TO %s is before FROM %s", p.PeriodTo, p.PeriodFrom)
		}
	default:
		add("source: %q is not one of orders, installments, plans", p.SourceKind)
	}
	if !rules.ValidGrouping(p.Grouping) {
		add("--grouping: %q is not one of none, by-entity, per-customer", p.Grouping)
	}
	date, err := time.Parse(time.DateOnly, p.InvoiceDate)
	if err != nil {
		add("--date: %q is not a date (YYYY-MM-DD)", p.InvoiceDate)
	}
	var closing *time.Time
	var last *time.Time
	err = q.QueryRow(ctx, `select closing_date, last_date from series where code = $1`, p.Series).Scan(&closing, &last)
	switch {
	case p.Series == "" && p.SourceKind != model.SourceOrders:
		// Installments and plans are numbered in their contract's or plan's own series.
	case p.Series == "":
		add("--series: required")
	case errors.Is(err, pgx.ErrNoRows):
		add("--series: unknown series %q", p.Series)
	case err != nil:
		return rates, err
	case !date.IsZero() && p.SourceKind != model.SourceOrders:
		if err := rules.CheckInvoiceDate(p.Series, date, closing, last); err != nil {
			add("--date: %s", strings.TrimPrefix(err.Error(), rules.ErrClosedPeriod.Error()+": "))
		}
	}
	// Every series the batch will number in, after the document kind rule, and the rate of
	// every foreign currency it bills.
	if !date.IsZero() && len(probs) == 0 {
		var more []string
		if rates, more, err = t.checkScope(p, date); err != nil {
			return rates, err
		}
		probs = append(probs, more...)
	}
	for _, c := range p.Customers {
		var ok bool
		if err := q.QueryRow(ctx, `select exists (select 1 from customers where code = $1)`, c).Scan(&ok); err != nil {
			return rates, err
		}
		if !ok {
			add("--customers: unknown customer %q", c)
		}
	}
	if len(probs) == 0 && p.SourceKind == model.SourceOrders {
		var n int
		err := q.QueryRow(ctx, `select count(*) from sales_orders where number between $1 and $2`, p.OrdersFrom, p.OrdersTo).Scan(&n)
		if err != nil {
			return rates, err
		}
		if n == 0 {
			add("--orders: no sales order has a number in %d-%d", p.OrdersFrom, p.OrdersTo)
		}
	}
	if len(probs) == 0 {
		huge, err := t.hugeLines(p)
		if err != nil {
			return rates, err
		}
		probs = append(probs, huge...)
	}
	if len(probs) > 0 {
		return rates, &model.InputError{Problems: probs}
	}
	return rates, nil
}

// hugeLines names the source lines of the batch whose quantity × price is beyond what an
// invoice can carry (10^13 before taxes), which the import refuses but other writers may not.
func (t *Tx) hugeLines(p *model.BatchParams) ([]string, error) {
	var sql string
	var args []any
	switch p.SourceKind {
	case model.SourceOrders:
		sql = `select 'order ' || o.number || ' line ' || l.line_no || ': quantity to invoice × price = ' || (l.qty_to_invoice * l.unit_price)::text
			from sales_order_lines l join sales_orders o on o.id = l.order_id
			where o.number between $1 and $2 and abs(l.qty_to_invoice * l.unit_price) >= 1e13 order by o.number, l.line_no limit 20`
		args = []any{p.OrdersFrom, p.OrdersTo}
	case model.SourceInstallments:
		sql = `select 'contract ' || ct.number || ' line ' || cl.line_no || ': quantity × price = ' || (cl.quantity * cl.unit_price)::text
			from contract_lines cl join contracts ct on ct.id = cl.contract_id where abs(cl.quantity * cl.unit_price) >= 1e13 limit 20`
	case model.SourcePlans:
		sql = `select 'billing plan ' || pl.code || ' item ' || pi.line_no || ': quantity × price = ' || (pi.quantity * pi.unit_price)::text
			from billing_plan_items pi join billing_plans pl on pl.id = pi.plan_id where abs(pi.quantity * pi.unit_price) >= 1e13 limit 20`
	default:
		return nil, nil
	}
	rows, err := t.tx.Query(t.ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	for i := range found {
		found[i] += " is beyond 10^13, the largest line amount billrun bills: correct the source first"
	}
	return found, err
}

// CreateBatch validates params and records a new batch in state created. An empty id gets
// the next B-number; a given id that exists already with the same params is returned as is,
// so a scheduler calling twice creates one batch.
func (s *Store) CreateBatch(ctx context.Context, id string, p model.BatchParams) (string, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	err = s.InTx(ctx, func(t *Tx) error {
		rates, err := t.ValidateBatch(&p)
		if err != nil {
			return err
		}
		ratesJSON, err := json.Marshal(rates.Rates)
		if err != nil {
			return err
		}
		if id == "" {
			var n int64
			if err := t.tx.QueryRow(ctx, `select nextval('batch_number')`).Scan(&n); err != nil {
				return err
			}
			id = fmt.Sprintf("B%06d", n)
		}
		tag, err := t.tx.Exec(ctx, `
			insert into batches (id, source_kind, params, series, invoice_date, rate, rates, rate_source, grouping, draft, status)
			values ($1, $2, $3, nullif($4, ''), $5, nullif($6::numeric, 0), $7, $8, $9, $10, 'created') on conflict (id) do nothing`,
			id, p.SourceKind, raw, p.Series, p.InvoiceDate, p.Rate, ratesJSON, rates.Source, p.Grouping, p.Draft)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var same bool
			if err := t.tx.QueryRow(ctx, `select params = $2::jsonb from batches where id = $1`, id, raw).Scan(&same); err != nil {
				return err
			}
			if !same {
				return &model.InputError{Problems: []string{fmt.Sprintf("--id: batch %s exists already with other parameters", id)}}
			}
			return nil
		}
		return t.Audit(id, 0, "create", 0, "ok", string(raw)+"; exchange rates: "+rates.Source)
	})
	return id, err
}

// LoadBatch reads a batch's row and parameters.
func (s *Store) LoadBatch(ctx context.Context, id string) (model.Batch, error) {
	return loadBatch(ctx, s.pool, id)
}

// LockBatch reads a batch's row under a row lock.
func (t *Tx) LockBatch(id string) (model.Batch, error) {
	if _, err := t.tx.Exec(t.ctx, `select 1 from batches where id = $1 for update`, id); err != nil {
		return model.Batch{}, err
	}
	return loadBatch(t.ctx, t.tx, id)
}

func loadBatch(ctx context.Context, q querier, id string) (model.Batch, error) {
	var b model.Batch
	var raw []byte
	var cursor string
	var rates []byte
	err := q.QueryRow(ctx, `select id, params, status, invoice_date, rates, rate_source, grouping, draft, plan_cursor, error from batches where id = $1`, id).
		Scan(&b.ID, &raw, &b.Status, &b.InvoiceDate, &rates, &b.Rates.Source, &b.Grouping, &b.Draft, &cursor, &b.Error)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, fmt.Errorf("batch %q: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return b, err
	}
	if cursor != "" {
		if b.PlanCursor, err = strconv.ParseInt(cursor, 10, 64); err != nil {
			return b, fmt.Errorf("batch %s: plan cursor %q: %w", id, cursor, err)
		}
	}
	if err := json.Unmarshal(rates, &b.Rates.Rates); err != nil {
		return b, fmt.Errorf("batch %s: rates: %w", id, err)
	}
	return b, json.Unmarshal(raw, &b.Params)
}

// FailBatch records that a batch stopped on bad data, with the reason, until it is fixed
// and resumed; the batch keeps its phase.
func (s *Store) FailBatch(ctx context.Context, batchID, reason string) error {
	return s.InTx(ctx, func(t *Tx) error {
		if err := t.exec(`update batches set error = $2 where id = $1`, batchID, reason); err != nil {
			return err
		}
		return t.Audit(batchID, 0, "batch", 0, "failed", reason)
	})
}

// SetBatchStatus records the batch's phase (awaiting_approval, running, finished).
func (s *Store) SetBatchStatus(ctx context.Context, batchID, status string) error {
	return s.InTx(ctx, func(t *Tx) error {
		tag, err := t.tx.Exec(ctx, `update batches set status = $2, error = '', finished_at = case when $2 = 'finished' then now() else finished_at end
			where id = $1 and status <> $2 and status <> 'rejected'`, batchID, status)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return t.Audit(batchID, 0, "batch", 0, status, "")
	})
}

// ScheduledBatchID is the business key of a schedule's run for one period: every run of the
// same period (the schedule, a trigger, a backfill, a retry) names the same batch.
func ScheduledBatchID(schedule, from, to string) string {
	return fmt.Sprintf("S-%s-%s..%s", schedule, from, to)
}

// MarkScheduled records which schedule and period made the batch.
func (s *Store) MarkScheduled(ctx context.Context, id string, sb model.ScheduledBatch) error {
	_, err := s.pool.Exec(ctx, `update batches set schedule = $2, period = $3 where id = $1`, id, sb.Schedule, sb.PeriodFrom+".."+sb.PeriodTo)
	return err
}
