package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"billrun/activities/rules"
)

// Source kinds a batch bills (SPEC §1).
const (
	SourceOrders       = "orders"
	SourceInstallments = "installments"
	SourcePlans        = "plans"
)

// BatchParams are a batch's parameters as the operator gave them (SPEC §2).
type BatchParams struct {
	SourceKind string `json:"source_kind"` // orders, installments, plans
	OrdersFrom int64  `json:"orders_from,omitempty"`
	OrdersTo   int64  `json:"orders_to,omitempty"`
	// Installments: due up to DueUntil, optionally one partner, recurring or not.
	DueUntil  string `json:"due_until,omitempty"`
	Partner   string `json:"partner,omitempty"`
	Recurring *bool  `json:"recurring,omitempty"`
	// Plans: planned events dated in PeriodFrom..PeriodTo.
	PeriodFrom         string          `json:"period_from,omitempty"`
	PeriodTo           string          `json:"period_to,omitempty"`
	Customers          []string        `json:"customers,omitempty"`
	Series             string          `json:"series"`
	InvoiceDate        string          `json:"invoice_date"` // YYYY-MM-DD
	Rate               decimal.Decimal `json:"rate"`
	Grouping           string          `json:"grouping"`
	Draft              bool            `json:"draft,omitempty"`
	AllowZeroPrice     bool            `json:"allow_zero_price,omitempty"`
	Discount9999Is100  bool            `json:"discount_9999_is_100,omitempty"`
	AllowNegativeStock bool            `json:"allow_negative_stock,omitempty"`
}

// InputError is bad input: it names the field and the record, and nothing was written.
type InputError struct{ Problems []string }

func (e *InputError) Error() string { return strings.Join(e.Problems, "\n") }

// ErrNotFound marks an unknown batch or invoice id.
var ErrNotFound = errors.New("not found")

// ValidateBatch checks params against the database and returns every problem found.
func ValidateBatch(ctx context.Context, q pgx.Tx, p *BatchParams) error {
	var probs []string
	add := func(f string, a ...any) { probs = append(probs, fmt.Sprintf(f, a...)) }

	switch p.SourceKind {
	case SourceOrders:
		if p.OrdersFrom <= 0 || p.OrdersTo <= 0 {
			add("--orders: the range must be FROM-TO with positive order numbers, got %d-%d", p.OrdersFrom, p.OrdersTo)
		} else if p.OrdersFrom > p.OrdersTo {
			add("--orders: FROM %d is greater than TO %d", p.OrdersFrom, p.OrdersTo)
		}
	case SourceInstallments:
		if _, err := time.Parse(time.DateOnly, p.DueUntil); err != nil {
			add("--due-until: %q is not a date (YYYY-MM-DD)", p.DueUntil)
		}
		if p.Partner != "" {
			var ok bool
			if err := q.QueryRow(ctx, `select exists (select 1 from customers where code = $1)`, p.Partner).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				add("--partner: unknown customer %q", p.Partner)
			}
		}
	case SourcePlans:
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
	if p.Rate.Sign() <= 0 {
		add("--rate: the exchange rate must be greater than 0, got %s", p.Rate)
	}
	date, err := time.Parse(time.DateOnly, p.InvoiceDate)
	if err != nil {
		add("--date: %q is not a date (YYYY-MM-DD)", p.InvoiceDate)
	}
	var closing *time.Time
	var last *time.Time
	err = q.QueryRow(ctx, `select closing_date, last_date from series where code = $1`, p.Series).Scan(&closing, &last)
	switch {
	case p.Series == "" && p.SourceKind != SourceOrders:
		// Installments and plans are numbered in their contract's or plan's own series.
	case p.Series == "":
		add("--series: required")
	case errors.Is(err, pgx.ErrNoRows):
		add("--series: unknown series %q", p.Series)
	case err != nil:
		return err
	case !date.IsZero():
		if err := rules.CheckInvoiceDate(p.Series, date, closing, last); err != nil {
			add("--date: %s", strings.TrimPrefix(err.Error(), rules.ErrClosedPeriod.Error()+": "))
		}
	}
	for _, c := range p.Customers {
		var ok bool
		if err := q.QueryRow(ctx, `select exists (select 1 from customers where code = $1)`, c).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			add("--customers: unknown customer %q", c)
		}
	}
	if len(probs) == 0 && p.SourceKind == SourceOrders {
		var n int
		err := q.QueryRow(ctx, `select count(*) from sales_orders where number between $1 and $2`, p.OrdersFrom, p.OrdersTo).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			add("--orders: no sales order has a number in %d-%d", p.OrdersFrom, p.OrdersTo)
		}
	}
	if len(probs) > 0 {
		return &InputError{Problems: probs}
	}
	return nil
}

// CreateBatch validates params and records a new batch in state created. An empty id gets
// the next B-number; a given id that exists already with the same params is returned as is,
// so a scheduler calling twice creates one batch.
func CreateBatch(ctx context.Context, db *pgxpool.Pool, id string, p BatchParams) (string, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	err = inTx(ctx, db, func(tx pgx.Tx) error {
		if err := ValidateBatch(ctx, tx, &p); err != nil {
			return err
		}
		if id == "" {
			var n int64
			if err := tx.QueryRow(ctx, `select nextval('batch_number')`).Scan(&n); err != nil {
				return err
			}
			id = fmt.Sprintf("B%06d", n)
		}
		tag, err := tx.Exec(ctx, `
			insert into batches (id, source_kind, params, series, invoice_date, rate, grouping, draft, status)
			values ($1, $2, $3, nullif($4, ''), $5, $6, $7, $8, 'created') on conflict (id) do nothing`,
			id, p.SourceKind, raw, p.Series, p.InvoiceDate, p.Rate, p.Grouping, p.Draft)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var same bool
			if err := tx.QueryRow(ctx, `select params = $2::jsonb from batches where id = $1`, id, raw).Scan(&same); err != nil {
				return err
			}
			if !same {
				return &InputError{Problems: []string{fmt.Sprintf("--id: batch %s exists already with other parameters", id)}}
			}
			return nil
		}
		return audit(ctx, tx, id, 0, "create", 0, "ok", string(raw))
	})
	return id, err
}

// LoadBatch reads a batch's row and parameters.
func LoadBatch(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, id string) (Batch, error) {
	var b Batch
	var raw []byte
	err := q.QueryRow(ctx, `select id, params, status, invoice_date, rate, grouping, draft from batches where id = $1`, id).
		Scan(&b.ID, &raw, &b.Status, &b.InvoiceDate, &b.Rate, &b.Grouping, &b.Draft)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, fmt.Errorf("batch %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return b, err
	}
	return b, json.Unmarshal(raw, &b.Params)
}

// Batch is a batch's row.
type Batch struct {
	ID          string
	Params      BatchParams
	Status      string
	InvoiceDate time.Time
	Rate        decimal.Decimal
	Grouping    string
	Draft       bool
}
