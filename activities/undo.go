package activities

import (
	"context"

	"billrun/activities/store"
)

// FailInvoice undoes what the invoice's attempt did (stock back in, receivable reversed)
// and records it failed with the step and the reason, in one transaction. The claimed
// source quantities stay with the invoice, so an operator can fix the data and retry it.
func (a *Activities) FailInvoice(ctx context.Context, invoiceID int64, attempt int, step, reason string) error {
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		h, err := tx.LockInvoice(invoiceID)
		if err != nil {
			return err
		}
		if attempt <= 0 { // pricing failed before it could tell the attempt
			attempt = h.Attempt
		}
		if h.Status == "completed" || h.Attempt != attempt {
			return nil // never undo a completed invoice; a stale attempt has nothing to undo
		}
		moves, err := tx.Discharged(invoiceID, attempt)
		if err != nil {
			return err
		}
		for _, m := range moves {
			m.Direction, m.Reason = "in", "undo"
			if _, err := tx.Move(m); err != nil {
				return err
			}
		}
		if err := tx.ReverseReceivable(invoiceID); err != nil {
			return err
		}
		if err := tx.MarkFailed(invoiceID, step, reason); err != nil {
			return err
		}
		return tx.Audit(h.BatchID, invoiceID, step, attempt, "failed", reason)
	})
}
