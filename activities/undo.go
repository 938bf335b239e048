package activities

import (
	"context"

	"billrun/internal/model"
	"billrun/internal/store"
)

// FailInvoice undoes what the invoice's attempt did (stock back in, receivable reversed)
// and records it failed with the step and the reason, in one transaction. The claimed
// source quantities stay with the invoice, so an operator can fix the data and retry it.
func (a *Invoicing) FailInvoice(ctx context.Context, in InvoiceFailure) error {
	invoiceID, attempt, step, reason := in.InvoiceID, in.Attempt, in.Step, in.Reason
	failed := false
	err := a.Store.InTx(ctx, func(tx InvoicingTx) error {
		h, err := tx.LockInvoice(invoiceID)
		if err != nil {
			return err
		}
		if attempt <= 0 { // pricing failed before it could tell the attempt
			attempt = h.Attempt
		}
		if h.Status == "completed" || h.Status == "failed" || h.Attempt != attempt {
			return nil // never undo a completed invoice; failed or stale: undone already
		}
		failed = true
		return undo(tx, h, attempt, step, reason)
	})
	if err == nil && failed {
		count(a.Meter, "billrun_invoices_failed_total", map[string]string{"step": step}, 1)
	}
	return temporalError(step, err)
}

// StepTerminated is the step of an invoice whose workflow was ended from outside
// (terminated, timed out or cancelled, in the Web UI or the CLI).
const StepTerminated = "terminated"

// ReconcileInvoice settles an invoice whose workflow ended abnormally: a draft or processing
// invoice has its attempt undone and is failed at step "terminated" with the reason, so
// `invoice retry` moves it; a completed one that was not sealed yet keeps the reason as
// its fiscal error, so `invoice reseal` moves it. Anything else is left as it is.
func (a *Invoicing) ReconcileInvoice(ctx context.Context, in Reconciliation) error {
	invoiceID, reason := in.InvoiceID, in.Reason
	err := a.Store.InTx(ctx, func(tx InvoicingTx) error {
		h, err := tx.LockInvoice(invoiceID)
		if err != nil {
			return err
		}
		switch h.Status {
		case "draft", "processing":
			return undo(tx, h, h.Attempt, StepTerminated, reason)
		case "completed":
			if err := tx.MarkUnsealed(invoiceID, model.StepSeal+": "+reason); err != nil {
				return err
			}
			return tx.Audit(h.BatchID, invoiceID, StepTerminated, h.Attempt, "ended", reason)
		}
		return nil
	})
	return temporalError(StepTerminated, err)
}

// undo takes back the attempt's stock movements and receivable (a batch's return credit
// note: its goods go out again and its credit is withdrawn) and records the failure.
func undo(tx InvoicingTx, h store.InvoiceHead, attempt int, step, reason string) error {
	// The batch's netting lock of the customer first, as posting a receivable and a return
	// credit take it: a credit is never settled against a receivable being reversed, nor
	// withdrawn while another invoice settles against it.
	if h.BatchID != "" {
		if err := tx.LockNetting(h.BatchID, h.Customer); err != nil {
			return err
		}
	}
	moves, err := tx.Discharged(h.ID, attempt)
	if batchReturn(h) && err == nil {
		moves, err = tx.ReturnedIn(h.ID, attempt)
	}
	if err != nil {
		return err
	}
	for _, m := range moves {
		m.Direction, m.Reason = reverseDirection(m.Direction), "undo"
		if _, err := tx.Move(m); err != nil {
			return err
		}
	}
	if batchReturn(h) {
		if err := tx.WithdrawCredit(h.ID); err != nil {
			return err
		}
	}
	if err := tx.ReverseReceivable(h.ID); err != nil {
		return err
	}
	if err := tx.MarkFailed(h.ID, step, reason); err != nil {
		return err
	}
	return tx.Audit(h.BatchID, h.ID, step, attempt, "failed", reason)
}

func reverseDirection(d string) string {
	if d == "in" {
		return "out"
	}
	return "in"
}
