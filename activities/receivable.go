package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// PostReceivable posts the invoice's receivable by its payment terms (credit → open, cash →
// pending collection, none → nothing), once.
func (a *Invoicing) PostReceivable(ctx context.Context, in InvoiceStep) error {
	invoiceID, attempt := in.InvoiceID, in.Attempt
	err := a.Store.InTx(ctx, func(tx InvoicingTx) error {
		h, err := tx.LockInvoice(invoiceID)
		if err != nil {
			return err
		}
		if h.Status != "processing" || h.Attempt != attempt {
			return nil
		}
		kind, days, generic, settle, err := tx.ReceivableTerms(invoiceID)
		if err != nil {
			return err
		}
		r, ok, err := rules.ReceivableFor(kind, days, generic, h.InvoiceDate)
		if err != nil {
			return businessf(model.StepReceivable, "customer %s: %s", h.Customer, err.Error())
		}
		if !ok {
			return tx.Audit(h.BatchID, invoiceID, model.StepReceivable, attempt, "ok", "payment terms post no receivable")
		}
		posted, err := tx.PostReceivable(h, r.Kind, r.DueDate)
		if err != nil {
			return err
		}
		detail := r.Kind + " due " + r.DueDate.Format(time.DateOnly)
		if posted && settle {
			settled, err := settleCredits(tx, h)
			if err != nil {
				return err
			}
			detail += settled
		}
		return tx.Audit(h.BatchID, invoiceID, model.StepReceivable, attempt, "ok", detail)
	})
	return temporalError(model.StepReceivable, err)
}

// settleCredits nets the customer's open return credit notes against the receivable just
// posted, oldest first, for a batch made to (seed 001): the customer owes the remainder. It
// runs in the transaction that posted the receivable, so it happens once.
func settleCredits(tx InvoicingTx, h store.InvoiceHead) (string, error) {
	credits, err := tx.OpenCredits(h.Customer, h.Currency)
	if err != nil {
		return "", err
	}
	left := h.Total
	var applied []string
	for _, c := range credits {
		if !left.IsPositive() {
			break
		}
		amount, _ := rules.ApplyCredit(left, c.Open)
		if err := tx.Settle(c.CreditNoteID, h.ID, amount); err != nil {
			return "", err
		}
		left = left.Sub(amount)
		applied = append(applied, fmt.Sprintf("%s %s", c.Number, amount))
	}
	if len(applied) == 0 {
		return "", nil
	}
	return "; credit notes settled: " + strings.Join(applied, ", "), nil
}
