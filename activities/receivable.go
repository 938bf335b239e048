package activities

import (
	"context"
	"time"

	"billrun/activities/model"
	"billrun/activities/rules"
	"billrun/activities/store"
)

// PostReceivable posts the invoice's receivable by its payment terms (credit → open, cash →
// pending collection, none → nothing), once.
func (a *Activities) PostReceivable(ctx context.Context, invoiceID int64, attempt int) error {
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		h, err := tx.LockInvoice(invoiceID)
		if err != nil {
			return err
		}
		if h.Status != "processing" || h.Attempt != attempt {
			return nil
		}
		kind, days, generic, err := tx.ReceivableTerms(invoiceID)
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
		if err := tx.PostReceivable(h, r.Kind, r.DueDate); err != nil {
			return err
		}
		return tx.Audit(h.BatchID, invoiceID, model.StepReceivable, attempt, "ok", r.Kind+" due "+r.DueDate.Format(time.DateOnly))
	})
	return temporalError(model.StepReceivable, err)
}
