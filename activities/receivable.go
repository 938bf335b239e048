package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// PostReceivable posts the invoice's receivable by its payment terms (credit → open, cash →
// pending collection, none → nothing), once. A batch's credit note of return orders posts
// none: its credit is settled against the customer's invoices of the batch (seed 001).
func (a *Invoicing) PostReceivable(ctx context.Context, in InvoiceStep) error {
	invoiceID, attempt := in.InvoiceID, in.Attempt
	err := a.Store.InTx(ctx, func(tx InvoicingTx) error {
		h, terms, err := tx.LockForReceivable(invoiceID) // the invoice and its terms: one read
		if err != nil {
			return err
		}
		if h.Status != "processing" || h.Attempt != attempt {
			return nil
		}
		if batchReturn(h) {
			return postReturnCredit(tx, h, attempt)
		}
		r, ok, err := rules.ReceivableFor(terms.Kind, terms.Days, terms.Generic, h.InvoiceDate)
		if err != nil {
			return businessf(model.StepReceivable, "customer %s: %s", h.Customer, err.Error())
		}
		if !ok {
			return tx.Audit(h.BatchID, invoiceID, model.StepReceivable, attempt, "ok", "payment terms post no receivable")
		}
		if !terms.NetsReturns && !terms.SettleCredits { // nothing to settle: the receivable and its audit row in one write
			return tx.PostReceivableAudited(h, r.Kind, r.DueDate, store.AuditRow{BatchID: h.BatchID, InvoiceID: invoiceID,
				Step: model.StepReceivable, Attempt: attempt, Outcome: "ok", Detail: r.Kind + " due " + r.DueDate.Format(time.DateOnly)})
		}
		if terms.NetsReturns { // taken before the receivable is posted: the credit notes' steps wait
			if err := tx.LockNetting(h.BatchID, h.Customer); err != nil {
				return err
			}
		}
		posted, err := tx.PostReceivable(h, r.Kind, r.DueDate)
		if err != nil {
			return err
		}
		detail := r.Kind + " due " + r.DueDate.Format(time.DateOnly)
		left := h.Total
		if posted && terms.NetsReturns {
			credits, err := tx.BatchOpenCredits(h.BatchID, h.Customer, h.Currency)
			if err != nil {
				return err
			}
			settled, rest, err := settleCredits(tx, h, credits, left)
			if err != nil {
				return err
			}
			detail, left = detail+settled, rest
		}
		if posted && terms.SettleCredits {
			credits, err := tx.OpenCredits(h.Customer, h.Currency)
			if err != nil {
				return err
			}
			settled, _, err := settleCredits(tx, h, credits, left)
			if err != nil {
				return err
			}
			detail += settled
		}
		return tx.Audit(h.BatchID, invoiceID, model.StepReceivable, attempt, "ok", detail)
	})
	return temporalError(model.StepReceivable, err)
}

// batchReturn tells a batch's credit note of return orders (seed 001).
func batchReturn(h store.InvoiceHead) bool { return h.DocumentKind == "credit_note" && h.BatchID != "" }

// settleCredits nets open credits against the receivable just posted, whose balance is
// left, in the order given (oldest first): the return credit notes of the invoice's own
// batch (seed 001), or the customer's open ones for a batch made to settle them. It runs
// in the transaction that posted the receivable, so it happens once; it answers what it
// says of them and the balance left.
func settleCredits(tx InvoicingTx, h store.InvoiceHead, credits []store.OpenCredit, balance decimal.Decimal) (string, decimal.Decimal, error) {
	open := make([]decimal.Decimal, len(credits))
	for i, c := range credits {
		open[i] = c.Open
	}
	parts, left := rules.Allocate(balance, open)
	var applied []string
	for i, c := range credits {
		if !parts[i].IsPositive() {
			continue
		}
		if err := tx.Settle(c.CreditNoteID, h.ID, parts[i]); err != nil {
			return "", balance, err
		}
		applied = append(applied, fmt.Sprintf("%s %s", c.Number, parts[i]))
	}
	if len(applied) == 0 {
		return "", left, nil
	}
	return "; credit notes settled: " + strings.Join(applied, ", "), left, nil
}

// postReturnCredit opens a batch's return credit note's credit and settles it against the
// customer's invoices of the batch whose receivables are posted, oldest first, under the
// batch's netting lock of the customer; what no invoice takes is owed back to the
// customer (and settled by the batch's invoices that post later).
func postReturnCredit(tx InvoicingTx, h store.InvoiceHead, attempt int) error {
	if err := tx.LockNetting(h.BatchID, h.Customer); err != nil {
		return err
	}
	opened, err := tx.OpenReturnCredit(h.ID, h.Total)
	if err != nil || !opened {
		return err // opened by an earlier run of this step
	}
	balances, err := tx.BatchBalances(h.BatchID, h.Customer, h.Currency)
	if err != nil {
		return err
	}
	open := make([]decimal.Decimal, len(balances))
	for i, b := range balances {
		open[i] = b.Balance
	}
	parts, left := rules.Allocate(h.Total, open)
	var applied []string
	for i, b := range balances {
		if !parts[i].IsPositive() {
			continue
		}
		if err := tx.Settle(h.ID, b.InvoiceID, parts[i]); err != nil {
			return err
		}
		applied = append(applied, fmt.Sprintf("%s %s", b.Number, parts[i]))
	}
	detail := fmt.Sprintf("return credit %s: settled against %s; %s open", h.Total, orNone(strings.Join(applied, ", ")), left)
	return tx.Audit(h.BatchID, h.ID, model.StepReceivable, attempt, "ok", detail)
}

func orNone(s string) string {
	if s == "" {
		return "no invoice yet"
	}
	return s
}
