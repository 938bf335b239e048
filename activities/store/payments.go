package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/activities/model"
)

// RecordPayment applies a payment to an invoice's live receivable, in one transaction
// under the receivable's row lock: never more than its balance, which goes down by it.
func (s *Store) RecordPayment(ctx context.Context, invoiceID int64, amount decimal.Decimal, paidOn time.Time) (model.ReceivableView, error) {
	var out model.ReceivableView
	refuse := func(format string, args ...any) error {
		return &model.InputError{Problems: []string{fmt.Sprintf("invoice %d: ", invoiceID) + fmt.Sprintf(format, args...)}}
	}
	if !amount.IsPositive() {
		return out, refuse("a payment of %s: it must be above 0", amount)
	}
	if amount.Exponent() < -4 {
		return out, refuse("a payment of %s has more than 4 decimals", amount)
	}
	err := s.InTx(ctx, func(t *Tx) error {
		var id int64
		var balance decimal.Decimal
		var status string
		err := t.tx.QueryRow(ctx, `select r.id, r.balance, v.status from receivables r join invoices v on v.id = r.invoice_id
			where r.invoice_id = $1 and r.status in ('open', 'paid') for update of r`, invoiceID).Scan(&id, &balance, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return refuse("it has no receivable to pay (its terms post none, or it is cancelled)")
		}
		if err != nil {
			return err
		}
		if amount.GreaterThan(balance) {
			return refuse("a payment of %s is more than its balance %s", amount, balance)
		}
		if err := t.exec(`insert into receivable_payments (receivable_id, amount, paid_on) values ($1, $2, $3)`, id, amount, paidOn); err != nil {
			return err
		}
		if err := t.exec(`update receivables set balance = balance - $2, status = case when balance - $2 = 0 then 'paid' else 'open' end where id = $1`,
			id, amount); err != nil {
			return err
		}
		return t.Audit("", invoiceID, "payment", 0, "ok", fmt.Sprintf("%s paid on %s", amount, paidOn.Format(time.DateOnly)))
	})
	if err != nil {
		return out, err
	}
	r, err := s.readReceivable(ctx, s.pool, invoiceID)
	if r != nil {
		out = *r
	}
	return out, err
}

// readReceivable reads an invoice's live receivable with its payments (nil: none).
func (s *Store) readReceivable(ctx context.Context, q querier, invoiceID int64) (*model.ReceivableView, error) {
	var r model.ReceivableView
	var id int64
	var due time.Time
	err := q.QueryRow(ctx, `select r.id, r.kind, r.amount, r.balance, r.status, r.due_date, cur.decimals
		from receivables r join currencies cur on cur.code = r.currency
		where r.invoice_id = $1 order by (r.status in ('open', 'paid')) desc, r.id desc limit 1`, invoiceID).
		Scan(&id, &r.Kind, &r.Amount, &r.Balance, &r.Status, &due, &r.Decimals)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.DueDate = due.Format(time.DateOnly)
	rows, err := q.Query(ctx, `select amount, paid_on from receivable_payments where receivable_id = $1 order by id`, id)
	if err != nil {
		return nil, err
	}
	r.Payments, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.PaymentView, error) {
		var p model.PaymentView
		var on time.Time
		err := row.Scan(&p.Amount, &on)
		p.PaidOn = on.Format(time.DateOnly)
		return p, err
	})
	if r.Payments == nil {
		r.Payments = []model.PaymentView{}
	}
	return &r, err
}
