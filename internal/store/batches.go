package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
)

// CustomerExists says whether a customer with the code exists.
func (t *Tx) CustomerExists(code string) (bool, error) {
	var ok bool
	err := t.tx.QueryRow(t.ctx, `select exists (select 1 from customers where code = $1)`, code).Scan(&ok)
	return ok, err
}

// codeTables are the tables CodeExists looks codes up in, by what the codes are.
var codeTables = map[string]string{
	"payment_terms": `select exists (select 1 from payment_terms where code = $1)`,
	"warehouse":     `select exists (select 1 from warehouses where code = $1)`,
	"contract":      `select exists (select 1 from contracts where number = $1)`,
}

// CodeExists tells whether a payment term, warehouse or contract (by its number) exists.
func (t *Tx) CodeExists(kind, code string) (bool, error) {
	var ok bool
	err := t.tx.QueryRow(t.ctx, codeTables[kind], code).Scan(&ok)
	return ok, err
}

// SeriesDates reads a numbering series' closing date and the date of its last number
// (found false: no such series).
func (t *Tx) SeriesDates(code string) (closing, last *time.Time, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select closing_date, last_date from series where code = $1`, code).Scan(&closing, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, false, nil
	}
	return closing, last, err == nil, err
}

// OrdersInRange counts the sales orders numbered from..to.
func (t *Tx) OrdersInRange(from, to int64) (int, error) {
	var n int
	err := t.tx.QueryRow(t.ctx, `select count(*) from sales_orders where number between $1 and $2`, from, to).Scan(&n)
	return n, err
}

// HugeLines names the source lines of the batch whose quantity × price is beyond what an
// invoice can carry (10^13 before taxes), which the import refuses but other writers may not.
func (t *Tx) HugeLines(p *model.BatchParams) ([]string, error) {
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

// ErrBatchExists: a batch with the id exists already with other parameters.
var ErrBatchExists = errors.New("exists already with other parameters")

// InsertBatch records a new batch in state created, with the rates it bills at. An empty
// id gets the next B-number; a given id that exists already with the same params is
// returned as is (a scheduler calling twice creates one batch), with other params it is
// refused with ErrBatchExists.
func (t *Tx) InsertBatch(id string, p model.BatchParams, rates model.BatchRates) (string, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	ratesJSON, err := json.Marshal(rates.Rates)
	if err != nil {
		return "", err
	}
	if id == "" {
		var n int64
		if err := t.tx.QueryRow(t.ctx, `select nextval('batch_number')`).Scan(&n); err != nil {
			return "", err
		}
		id = fmt.Sprintf("B%06d", n)
	}
	tag, err := t.tx.Exec(t.ctx, `
		insert into batches (id, source_kind, params, series, invoice_date, rate, rates, rate_source, grouping, draft, status)
		values ($1, $2, $3, nullif($4, ''), $5, nullif($6::numeric, 0), $7, $8, $9, $10, 'created') on conflict (id) do nothing`,
		id, p.SourceKind, raw, p.Series, p.InvoiceDate, p.Rate, ratesJSON, rates.Source, p.Grouping, p.Draft)
	if err != nil {
		return "", err
	}
	if tag.RowsAffected() == 0 {
		var same bool
		if err := t.tx.QueryRow(t.ctx, `select params = $2::jsonb from batches where id = $1`, id, raw).Scan(&same); err != nil {
			return "", err
		}
		if !same {
			return "", fmt.Errorf("batch %s: %w", id, ErrBatchExists)
		}
		return id, nil
	}
	return id, t.Audit(id, 0, "create", 0, "ok", string(raw)+"; exchange rates: "+rates.Source)
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
