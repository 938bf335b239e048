package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
)

// Payment is a payment to record: its idempotency key, and the content the key stands for.
type Payment struct {
	InvoiceID int64
	Amount    decimal.Decimal
	PaidOn    time.Time
	Key       string
	Form      string // SAT's c_FormaPago; "": 03, a transfer
	// PaidIn is what was paid in another currency than the invoice's (nil: its own);
	// Amount is then what that pays of the invoice.
	PaidIn *PaidIn
	group  int64 // the payment of several invoices it is a part of (0: none)
}

// PaidIn is a payment's amount in the currency paid, at the rate of the currency that is
// not the peso (pesos per unit).
type PaidIn struct {
	Currency string
	Amount   decimal.Decimal
	Rate     decimal.Decimal
}

// request is the content a payment's key stands for.
func (p Payment) request() string {
	r := fmt.Sprintf("invoice %d pays %s on %s", p.InvoiceID, p.Amount.String(), p.PaidOn.Format(time.DateOnly))
	if p.PaidIn != nil {
		r += fmt.Sprintf(" (%s %s at %s)", p.PaidIn.Amount, p.PaidIn.Currency, p.PaidIn.Rate)
	}
	if p.Form != "" && p.Form != "03" { // the default form leaves the content as it always was
		r += " in form " + p.Form
	}
	return r
}

// RecordPayment applies a payment to an invoice's live receivable, in one transaction under
// the invoice's and the receivable's row locks: never more than its balance, which goes down
// by it; never while the invoice's cancellation is requested or awaits the receiver (SAT
// may cancel it, and the money would be lost). The same key again answers the receivable
// as it is and writes nothing (again is true); the same key with other content is refused.
func (s *Store) RecordPayment(ctx context.Context, p Payment) (out model.ReceivableView, again bool, err error) {
	refuse := func(format string, args ...any) error {
		return &model.InputError{Problems: []string{fmt.Sprintf("invoice %d: ", p.InvoiceID) + fmt.Sprintf(format, args...)}}
	}
	switch {
	case p.Key == "":
		return out, false, refuse("a payment needs an idempotency key")
	case !p.Amount.IsPositive():
		return out, false, refuse("a payment of %s: it must be above 0", p.Amount)
	case p.Amount.Exponent() < -4:
		return out, false, refuse("a payment of %s has more than 4 decimals", p.Amount)
	}
	err = s.InTx(ctx, func(t *Tx) error {
		// The invoice's row lock first: the same key sent twice at once is read by the
		// second after the first committed it.
		if err := t.lockInvoice(p.InvoiceID); err != nil {
			return err
		}
		var first string
		err := t.tx.QueryRow(ctx, `select request from receivable_payments where request_key = $1`, p.Key).Scan(&first)
		switch {
		case err == nil && first == p.request():
			again = true
			return nil
		case err == nil:
			return refuse("key %q was given to another payment (%s)", p.Key, first)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		return t.payInvoice(p, refuse)
	})
	if err != nil {
		return out, false, err
	}
	r, err := s.readReceivable(ctx, s.pool, p.InvoiceID)
	if r != nil {
		out = *r
	}
	return out, again, err
}

// lockInvoice takes an invoice's row lock.
func (t *Tx) lockInvoice(id int64) error {
	var one int
	err := t.tx.QueryRow(t.ctx, `select 1 from invoices where id = $1 for update`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	return err
}

// payInvoice applies a payment to an invoice, under the invoice's row lock first: what is
// decided on is read after it, each in a statement of its own (so it sees what the lock's
// holder committed).
func (t *Tx) payInvoice(p Payment, refuse func(string, ...any) error) error {
	var status, cancel string
	var dated time.Time
	err := t.tx.QueryRow(t.ctx, `select status, invoice_date from invoices where id = $1 for update`, p.InvoiceID).Scan(&status, &dated)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("invoice %d: %w", p.InvoiceID, model.ErrNotFound)
	}
	if err != nil {
		return err
	}
	if err := t.tx.QueryRow(t.ctx, `select coalesce((select status from cancellations where invoice_id = $1), '')`, p.InvoiceID).Scan(&cancel); err != nil {
		return err
	}
	if status != "completed" {
		return refuse("it is %s: only a completed invoice is paid", status)
	}
	if p.PaidOn.Before(dated) {
		return refuse("a payment on %s is before the invoice's date %s", p.PaidOn.Format(time.DateOnly), dated.Format(time.DateOnly))
	}
	if cancel != "" && cancel != "rejected" {
		return refuse("its cancellation is %s (billrun invoice show %d): a payment waits until SAT has answered, and a cancelled invoice is not paid", cancel, p.InvoiceID)
	}
	var id int64
	var balance decimal.Decimal
	err = t.tx.QueryRow(t.ctx, `select id, balance from receivables where invoice_id = $1 and status in ('open', 'paid') for update`, p.InvoiceID).
		Scan(&id, &balance)
	if errors.Is(err, pgx.ErrNoRows) {
		return refuse("it has no receivable to pay (its terms post none, or it is cancelled)")
	}
	if err != nil {
		return err
	}
	if p.Amount.GreaterThan(balance) {
		return refuse("a payment of %s is more than its balance %s", p.Amount, balance)
	}
	return t.applyPayment(p, id, balance, refuse)
}

// applyPayment records the payment on the receivable and takes it off its balance.
func (t *Tx) applyPayment(p Payment, receivableID int64, before decimal.Decimal, refuse func(string, ...any) error) error {
	form := p.Form
	if form == "" {
		form = "03"
	}
	var in PaidIn
	if p.PaidIn != nil {
		in = *p.PaidIn
	}
	var paymentID int64
	if err := t.tx.QueryRow(t.ctx, `insert into receivable_payments (receivable_id, amount, paid_on, request_key, request, forma_pago, group_id, paid_currency, paid_amount, paid_rate, balance_before)
		values ($1, $2, $3, $4, $5, $6, nullif($7, 0), nullif($8, ''), nullif($9::numeric, 0), nullif($10::numeric, 0), $11) returning id`,
		receivableID, p.Amount, p.PaidOn, p.Key, p.request(), form, p.group, in.Currency, in.Amount, in.Rate, before).Scan(&paymentID); err != nil {
		var pg *pgconn.PgError
		if errors.As(err, &pg) && pg.Code == "23505" { // the same key, given at once to another invoice's payment
			return refuse("key %q was given to another payment", p.Key)
		}
		return err
	}
	if err := t.postPayment(paymentID, "payment"); err != nil {
		return err
	}
	if err := t.exec(`update receivables set balance = balance - $2, status = case when balance - $2 = 0 then 'paid' else 'open' end where id = $1`,
		receivableID, p.Amount); err != nil {
		return err
	}
	// The audit keeps one row per invoice, step, attempt and outcome: each payment is its
	// own attempt, numbered among the invoice's payments.
	var nth int
	if err := t.tx.QueryRow(t.ctx, `select count(*) from receivable_payments rp join receivables r on r.id = rp.receivable_id
		where r.invoice_id = $1`, p.InvoiceID).Scan(&nth); err != nil {
		return err
	}
	return t.Audit("", p.InvoiceID, "payment", nth, "ok", fmt.Sprintf("%s paid on %s (key %s)", p.Amount, p.PaidOn.Format(time.DateOnly), p.Key))
}

// PaymentByKey is the payment recorded with the key (0: none).
func (s *Store) PaymentByKey(ctx context.Context, key string) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `select id from receivable_payments where request_key = $1`, key).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
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
	rows, err := q.Query(ctx, `select amount, paid_on from receivable_payments where receivable_id = $1 and reversed_at is null order by id`, id)
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
