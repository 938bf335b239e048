package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// CompleteResult is the invoice's number once completed.
type CompleteResult struct {
	Series string `json:"series"`
	Number int64  `json:"number"`
}

// CompleteInvoice updates the sources' bookkeeping and assigns the next number of the
// invoice's series (or of its CAE, for a series that numbers Uruguay's CFE), in one short
// transaction. Numbers are gapless: only completion takes one, and a rolled-back
// transaction gives it back. The series' row lock is the last one
// taken, so completions in a series queue behind each other only for the numbering itself
// — and, for a cash sale whose terms name a cash box (seed 004), its collection on the
// spot: a few statements after the number, so the payment's entry names the invoice, and
// in this transaction, so nothing collected is ever undone by a failed attempt.
func (a *Invoicing) CompleteInvoice(ctx context.Context, in InvoiceStep) (CompleteResult, error) {
	invoiceID, attempt := in.InvoiceID, in.Attempt
	var res CompleteResult
	var numbered *store.InvoiceHead // set when this run numbered it
	err := a.Store.InTx(ctx, func(tx InvoicingTx) error {
		// The invoice with every fact completion decides on: one read.
		h, f, err := tx.LockForCompletion(invoiceID)
		if err != nil {
			return err
		}
		res.Series = h.Series
		if h.Status == "completed" {
			res.Number = *h.Number
			return nil
		}
		if h.Status != "processing" || h.Attempt != attempt {
			return invariantf("invoice %d is %s at attempt %d, not processing attempt %d", invoiceID, h.Status, h.Attempt, attempt)
		}
		if err := rules.CheckTicketThreshold(f.Ticket, f.UI, f.Threshold); err != nil {
			return businessf(model.StepComplete, "%s", err.Error())
		}
		ps, err := saleEntry(f.Sale, f.Journal, model.StepComplete)
		if err != nil {
			return err
		}
		// The sources' bookkeeping and the journal entry, then the series' row lock: one round trip.
		lock, err := tx.SettleAndLockSeries(invoiceID, h.SourceKinds, f.Journal, ps, h.Series)
		if err != nil {
			return err
		}
		next, err := numberFrom(tx, invoiceID, h.Series, h.InvoiceDate, lock)
		if errors.Is(err, rules.ErrClosedPeriod) || errors.Is(err, rules.ErrNoCAE) {
			return businessf(model.StepComplete, "%s", err.Error())
		}
		if err != nil {
			return err
		}
		res.Number, numbered = next, &h
		audit := store.AuditRow{BatchID: h.BatchID, InvoiceID: invoiceID, Step: model.StepComplete, Attempt: attempt, Outcome: "ok",
			Detail: fmt.Sprintf("%s-%d", h.Series, next)}
		if !f.CashFound { // the number, the invoice completed and the audit row: one write
			return tx.NumberAudited(h, next, audit)
		}
		if err := tx.Number(h, next); err != nil {
			return err
		}
		cash, err := collectCash(tx, h, f.Cash, model.StepComplete) // once numbered: its payment's entry names it
		if err != nil {
			return err
		}
		return tx.Audit(h.BatchID, invoiceID, model.StepComplete, attempt, "ok", audit.Detail+cash)
	})
	if err == nil && numbered != nil {
		total, _ := numbered.Total.Float64()
		count(a.Meter, "billrun_invoices_completed_total", map[string]string{"series": numbered.Series}, 1)
		count(a.Meter, "billrun_amount_billed_total", map[string]string{"currency": numbered.Currency}, total)
	}
	return res, temporalError(model.StepComplete, err)
}

// Numberer takes numbers under a series' row lock (and its CAEs', for CFE).
type Numberer interface {
	LockSeries(code string) (next int64, closing, last *time.Time, byCAE bool, err error)
	LockCAEs(series string) ([]rules.CAE, error)
	UseCAE(invoiceID, caeID, number int64) error
}

// takeNumber picks the number a document of the series dated date takes, under the
// series' row lock (held to the end of the transaction): the series' next, or, for a
// series that numbers CFE, the next of its CAEs (recorded on the document). An error
// wrapping rules.ErrClosedPeriod or rules.ErrNoCAE is a business error.
func takeNumber(tx Numberer, id int64, series string, date time.Time) (int64, error) {
	next, closing, last, byCAE, err := tx.LockSeries(series)
	if err != nil {
		return 0, err
	}
	return numberFrom(tx, id, series, date, store.SeriesLock{Next: next, Closing: closing, Last: last, ByCAE: byCAE})
}

// numberFrom is takeNumber once the series' row lock is taken and its facts read.
func numberFrom(tx Numberer, id int64, series string, date time.Time, s store.SeriesLock) (int64, error) {
	if err := rules.CheckInvoiceDate(series, date, s.Closing, s.Last); err != nil {
		return 0, err
	}
	if !s.ByCAE {
		return s.Next, nil
	}
	caes, err := tx.LockCAEs(series)
	if err != nil {
		return 0, err
	}
	i, n, err := rules.TakeCFENumber(series, caes, date)
	if err != nil {
		return 0, err
	}
	return n, tx.UseCAE(id, caes[i].ID, n)
}
