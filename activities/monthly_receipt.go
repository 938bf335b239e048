package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// MonthlyReceiptRequest asks for a customer's monthly payment receipt of a month (YYYY-MM).
type MonthlyReceiptRequest struct {
	Issuer   string `json:"issuer"`
	Customer string `json:"customer"`
	Month    string `json:"month"`
}

// MonthlyReceiversRequest asks for a page of the customers whose month's payments wait
// for their monthly receipt.
type MonthlyReceiversRequest struct {
	Issuer string `json:"issuer"`
	Month  string `json:"month"`
	After  string `json:"after"` // the last customer of the page before
	Limit  int    `json:"limit"`
}

// monthSpan is a month's first and last day.
func monthSpan(month string) (from, to time.Time, err error) {
	from, err = time.Parse("2006-01", month)
	if err != nil {
		return from, to, businessf(StepReceipt, "month %q is not YYYY-MM", month)
	}
	return from, from.AddDate(0, 1, -1), nil
}

// MonthlyReceivers lists a page of the customers of a monthly issuer with payments in the
// month that no receipt states yet.
func (a *Receipts) MonthlyReceivers(ctx context.Context, in MonthlyReceiversRequest) ([]string, error) {
	from, to, err := monthSpan(in.Month)
	if err != nil {
		return nil, temporalError(StepReceipt, err)
	}
	var out []string
	err = a.Store.InTx(ctx, func(tx ReceiptsTx) error {
		// A per-payment issuer's month is asked for the payments left without a receipt
		// (made while it was monthly, or whose receipt was cancelled): any Mexican issuer's.
		_, country, found, err := tx.IssuerReceipts(in.Issuer)
		if err != nil {
			return err
		}
		if !found || country != "MX" {
			return businessf(StepReceipt, "issuer %s issues no payment receipts (CFDI P): not a Mexican issuer", in.Issuer)
		}
		out, err = tx.MonthlyReceivers(in.Issuer, from, to, in.After, max(in.Limit, 1))
		return err
	})
	return out, temporalError(StepReceipt, err)
}

// IssueMonthlyReceipt records a customer's receipt of the month's payments — one CFDI P
// with a Pago per payment — numbered, dated today in Mexico, in one transaction under the
// paid invoices' row locks; a payment whose receipt was made meanwhile (by hand) or that
// was reversed is left out. Issuing it again answers the receipt made; a month with no
// payment waiting makes none.
func (a *Receipts) IssueMonthlyReceipt(ctx context.Context, in MonthlyReceiptRequest) (PaymentReceiptResult, error) {
	var res PaymentReceiptResult
	from, to, err := monthSpan(in.Month)
	if err != nil {
		return res, temporalError(StepReceipt, err)
	}
	err = a.Store.InTx(ctx, func(tx ReceiptsTx) error {
		unpublished, err := tx.UnpublishedMonthlyReceipts(in.Issuer, in.Customer, from)
		if err != nil {
			return err
		}
		defer func() { res.Unpublished = slices.DeleteFunc(unpublished, func(id int64) bool { return id == res.ID }) }()
		parts, err := monthParts(tx, in.Issuer, in.Customer, from, to)
		if err != nil || len(parts) == 0 {
			if err == nil {
				err = a.madeBefore(tx, in, from, &res)
			}
			return err
		}
		date, _ := time.Parse(time.DateOnly, fiscal.Today("MX", a.now()))
		id, err := tx.InsertPaymentReceipt(parts, date)
		if err != nil {
			return err
		}
		n, err := takeNumber(tx, id, parts[0].Series, date)
		if errors.Is(err, rules.ErrClosedPeriod) {
			return businessf(StepReceipt, "%s", err.Error())
		}
		if err == nil {
			err = tx.Number(store.InvoiceHead{ID: id, Series: parts[0].Series, InvoiceDate: date}, n)
		}
		if err == nil {
			err = tx.RecordMonthlyReceipt(id, in.Issuer, in.Customer, from)
		}
		if err != nil {
			return err
		}
		res = PaymentReceiptResult{ID: id, Series: parts[0].Series, Number: n, Late: rules.LateReceipt(from, date)}
		var paid []string
		for _, x := range parts {
			paid = append(paid, fmt.Sprintf("%s (parcialidad %d, %s of %s)", x.Invoice, x.Parcialidad, x.Amount, x.SaldoAnt))
		}
		detail := strings.TrimSuffix(fmt.Sprintf("%s-%d: the payments of %s in %s: %s; %s", parts[0].Series, n, in.Customer, in.Month, strings.Join(paid, ", "), res.Late), "; ")
		if err := tx.Audit("", id, StepReceipt, 1, "ok", detail); err != nil {
			return err
		}
		for _, x := range parts { // one row per invoice and parcialidad
			if err := tx.Audit("", x.InvoiceID, StepReceipt, x.Parcialidad, "ok", detail); err != nil {
				return err
			}
		}
		return nil
	})
	return res, temporalError(StepReceipt, err)
}

// monthParts locks and reads the parts of a customer's month's payments waiting for their
// receipt, each checked as a receipt's.
func monthParts(tx ReceiptsTx, issuer, customer string, from, to time.Time) ([]store.ReceivedPayment, error) {
	ids, err := tx.MonthlyPayments(issuer, customer, from, to)
	if err == nil && len(ids) > 0 {
		err = tx.LockPaidInvoices(ids) // all at once, in invoice order
	}
	if err != nil {
		return nil, err
	}
	var parts []store.ReceivedPayment
	for _, id := range ids {
		ps, err := tx.LockPaymentForReceipt(id)
		if err != nil {
			return nil, err
		}
		if ps[0].ReceiptID != 0 || ps[0].Reversed || ReceiptNotNeeded(ps[0]) != "" {
			continue // made by hand, or reversed, since it was listed
		}
		for _, x := range ps {
			first := x
			if len(parts) > 0 {
				first = parts[0]
			}
			if err := checkReceipt(x, first); err != nil {
				return nil, err
			}
		}
		parts = append(parts, ps...)
	}
	return parts, nil
}

// madeBefore answers the customer's monthly receipt of the month made before, or says none
// is needed.
func (a *Receipts) madeBefore(tx ReceiptsTx, in MonthlyReceiptRequest, month time.Time, res *PaymentReceiptResult) error {
	id, found, err := tx.LatestMonthlyReceipt(in.Issuer, in.Customer, month)
	if err != nil || !found {
		res.NotNeeded = fmt.Sprintf("no payment of %s in %s waits for a receipt", in.Customer, in.Month)
		return err
	}
	series, number, _, err := tx.DocumentNumber(id) // unlocked: its cancellation locks it, then these invoices
	if err == nil && number != 0 {
		*res = PaymentReceiptResult{ID: id, Series: series, Number: number}
	}
	return err
}

// PendingMonths lists the months, up to in.Month, in which the issuer received payments
// that wait for a receipt (late payments of a month already run, payments whose receipt
// was cancelled, those left when the issuer stopped issuing monthly), oldest first.
func (a *Receipts) PendingMonths(ctx context.Context, in MonthlyReceiversRequest) ([]string, error) {
	through, _, err := monthSpan(in.Month)
	if err != nil {
		return nil, temporalError(StepReceipt, err)
	}
	var out []string
	err = a.Store.InTx(ctx, func(tx ReceiptsTx) error {
		months, err := tx.PendingReceiptMonths(in.Issuer, through)
		for _, m := range months {
			out = append(out, m.Format("2006-01"))
		}
		return err
	})
	return out, temporalError(StepReceipt, err)
}
