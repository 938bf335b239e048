package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
)

// SplitPayment is one payment covering several invoices of one customer: each invoice's
// part is a payment of its receivable.
type SplitPayment struct {
	Key    string
	PaidOn time.Time
	Form   string
	Parts  []PaymentPart
}

// PaymentPart is what a payment pays of one invoice.
type PaymentPart struct {
	InvoiceID int64
	Amount    decimal.Decimal
}

// request is the content a split payment's key stands for.
func (sp SplitPayment) request() string {
	ordered := slices.Clone(sp.Parts) // the same parts in another order are the same payment
	slices.SortFunc(ordered, func(a, b PaymentPart) int { return int(a.InvoiceID - b.InvoiceID) })
	parts := make([]string, len(ordered))
	for i, p := range ordered {
		parts[i] = fmt.Sprintf("invoice %d pays %s", p.InvoiceID, p.Amount)
	}
	r := strings.Join(parts, ", ") + " on " + sp.PaidOn.Format(time.DateOnly)
	if sp.Form != "" && sp.Form != "03" {
		r += " in form " + sp.Form
	}
	return r
}

// RecordSplitPayment records a payment of several invoices of one customer, in one
// transaction: every part as RecordPayment records one (never past a balance, never while a
// cancellation waits), or none. The invoices' row locks are taken in id order, so two
// payments of the same invoices queue. The same key again writes nothing (again true); the
// same key with other content is refused.
func (s *Store) RecordSplitPayment(ctx context.Context, sp SplitPayment) (again bool, err error) {
	if probs := sp.check(); len(probs) > 0 {
		return false, &model.InputError{Problems: probs}
	}
	parts := slices.Clone(sp.Parts)
	slices.SortFunc(parts, func(a, b PaymentPart) int { return int(a.InvoiceID - b.InvoiceID) })
	err = s.InTx(ctx, func(t *Tx) error {
		for _, p := range parts {
			if err := t.lockInvoice(p.InvoiceID); err != nil {
				return err
			}
		}
		var first string
		err := t.tx.QueryRow(ctx, `select request from payment_groups where request_key = $1`, sp.Key).Scan(&first)
		switch {
		case err == nil && first == sp.request():
			again = true
			return nil
		case err == nil:
			return &model.InputError{Problems: []string{fmt.Sprintf("key %q was given to another payment (%s)", sp.Key, first)}}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		group, err := t.insertGroup(sp)
		if err != nil {
			return err
		}
		for _, p := range parts {
			refuse := func(format string, args ...any) error {
				return &model.InputError{Problems: []string{fmt.Sprintf("invoice %d: ", p.InvoiceID) + fmt.Sprintf(format, args...)}}
			}
			pay := Payment{InvoiceID: p.InvoiceID, Amount: p.Amount, PaidOn: sp.PaidOn, Key: fmt.Sprintf("%s/%d", sp.Key, p.InvoiceID), Form: sp.Form, group: group}
			if err := t.payInvoice(pay, refuse); err != nil {
				return err
			}
		}
		return nil
	})
	return again, err
}

// check refuses a split payment that cannot be one: no key, fewer than two invoices, an
// invoice named twice, a part not above 0.
func (sp SplitPayment) check() []string {
	var probs []string
	if sp.Key == "" {
		probs = append(probs, "a payment needs an idempotency key")
	}
	if len(sp.Parts) < 2 {
		probs = append(probs, "--invoices: name two invoices or more (one invoice: payment record INVOICE AMOUNT)")
	}
	seen := map[int64]bool{}
	for _, p := range sp.Parts {
		if seen[p.InvoiceID] {
			probs = append(probs, fmt.Sprintf("--invoices: invoice %d is named twice", p.InvoiceID))
		}
		seen[p.InvoiceID] = true
		if !p.Amount.IsPositive() || p.Amount.Exponent() < -4 {
			probs = append(probs, fmt.Sprintf("--invoices: invoice %d: a part of %s must be above 0, with at most 4 decimals", p.InvoiceID, p.Amount))
		}
	}
	return probs
}

// insertGroup records the payment of several invoices: one customer, one currency.
func (t *Tx) insertGroup(sp SplitPayment) (int64, error) {
	ids := make([]int64, len(sp.Parts))
	total := decimal.Zero
	for i, p := range sp.Parts {
		ids[i], total = p.InvoiceID, total.Add(p.Amount)
	}
	// One payment is one customer's, in one currency, to one issuer, and its receipt relates
	// all its invoices or none: they are paid alike (PUE or PPD) and take receipts in one
	// series.
	var customers, currencies, issuers, methods, receiptSeries []string
	if err := t.tx.QueryRow(t.ctx, `select array_agg(distinct v.customer order by v.customer), array_agg(distinct v.currency order by v.currency),
		array_agg(distinct v.issuer order by v.issuer), array_agg(distinct pt.metodo_pago order by pt.metodo_pago),
		array_agg(distinct coalesce(s.payment_receipt_series, '(none)') order by coalesce(s.payment_receipt_series, '(none)'))
		from invoices v join payment_terms pt on pt.code = v.payment_terms join series s on s.code = v.series where v.id = any($1)`, ids).
		Scan(&customers, &currencies, &issuers, &methods, &receiptSeries); err != nil {
		return 0, err
	}
	for _, x := range []struct {
		what   string
		values []string
	}{{"customer", customers}, {"currency", currencies}, {"issuer", issuers}, {"MetodoPago (PUE/PPD)", methods}, {"receipt series", receiptSeries}} {
		if len(x.values) != 1 {
			return 0, &model.InputError{Problems: []string{fmt.Sprintf("--invoices: one payment pays invoices of one customer, currency, issuer, MetodoPago and receipt series; these differ in %s: %s (pay them apart)",
				x.what, strings.Join(x.values, ", "))}}
		}
	}
	form := sp.Form
	if form == "" {
		form = "03"
	}
	var id int64
	err := t.tx.QueryRow(t.ctx, `insert into payment_groups (request_key, request, customer, amount, paid_on, forma_pago) values ($1, $2, $3, $4, $5, $6) returning id`,
		sp.Key, sp.request(), customers[0], total, sp.PaidOn, form).Scan(&id)
	return id, err
}

// GroupPaymentByKey is the first payment of the split payment recorded with key (0: none).
func (s *Store) GroupPaymentByKey(ctx context.Context, key string) (int64, error) {
	var id *int64
	err := s.pool.QueryRow(ctx, `select min(p.id) from receivable_payments p join payment_groups g on g.id = p.group_id where g.request_key = $1`, key).Scan(&id)
	if err != nil || id == nil {
		return 0, err
	}
	return *id, nil
}
