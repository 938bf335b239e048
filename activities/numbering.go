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
		h, err := tx.LockInvoice(invoiceID)
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
		if err := checkTicket(tx, invoiceID); err != nil {
			return err
		}
		if err := tx.SettleSources(invoiceID, h.SourceKinds); err != nil {
			return err
		}
		if err := postSale(tx, invoiceID, model.StepComplete); err != nil {
			return err
		}
		next, err := takeNumber(tx, invoiceID, h.Series, h.InvoiceDate)
		if errors.Is(err, rules.ErrClosedPeriod) || errors.Is(err, rules.ErrNoCAE) {
			return businessf(model.StepComplete, "%s", err.Error())
		}
		if err != nil {
			return err
		}
		if err := tx.Number(h, next); err != nil {
			return err
		}
		cash, err := collectCash(tx, h, model.StepComplete) // once numbered: its payment's entry names it
		if err != nil {
			return err
		}
		res.Number = next
		numbered = &h
		return tx.Audit(h.BatchID, invoiceID, model.StepComplete, attempt, "ok", fmt.Sprintf("%s-%d%s", h.Series, next, cash))
	})
	if err == nil && numbered != nil {
		total, _ := numbered.Total.Float64()
		count(a.Meter, "billrun_invoices_completed_total", map[string]string{"series": numbered.Series}, 1)
		count(a.Meter, "billrun_amount_billed_total", map[string]string{"currency": numbered.Currency}, total)
	}
	return res, temporalError(model.StepComplete, err)
}

// checkTicket holds a Uruguayan e-Ticket to the UI threshold (rules.CheckTicketThreshold):
// one to an unidentified consumer above it, or one it cannot be checked for, is a business
// error at completion, before any number is taken (the invoice stays retryable).
func checkTicket(tx InvoicingTx, invoiceID int64) error {
	t, ui, th, err := tx.TicketFacts(invoiceID)
	if err != nil {
		return err
	}
	if err := rules.CheckTicketThreshold(t, ui, th); err != nil {
		return businessf(model.StepComplete, "%s", err.Error())
	}
	return nil
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
	if err := rules.CheckInvoiceDate(series, date, closing, last); err != nil {
		return 0, err
	}
	if !byCAE {
		return next, nil
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
