package activities

import (
	"context"
	"strings"

	"billrun/internal/store"
)

// A payment receipt's cancellation (MX, its CFDI P) reverses the payments asked to be
// cancelled with it — all of them (invoice cancel) or those named (payment cancel) — and
// the receipt's other payments are stated again by a new receipt.

// RestateReceipt answers, for a cancelled monthly receipt some of whose payments stand
// (its cancellation reversed only the payments named by payment cancel), the month's
// receipt that states them again; for anything else, none (an empty request).
func (a *Cancelling) RestateReceipt(ctx context.Context, in Document) (MonthlyReceiptRequest, error) {
	var r MonthlyReceiptRequest
	err := a.Store.InTx(ctx, func(tx CancellingTx) error {
		issuer, customer, month, found, err := tx.RestatingMonth(in.InvoiceID)
		if found {
			r = MonthlyReceiptRequest{Issuer: issuer, Customer: customer, Month: month.Format("2006-01")}
		}
		return err
	})
	return r, temporalError(StepCancel, err)
}

// markPayments marks, for a payment receipt, the payments its cancellation reverses: those
// named (payment cancel), or all (the receipt cancelled with its payments).
func markPayments(tx CancellingTx, h store.CancelHead, req CancelRequest) error {
	if h.DocumentKind != "payment_receipt" {
		return nil
	}
	if len(req.Payments) == 0 {
		return tx.MarkReceiptPaymentsCancelled(h.ID)
	}
	for _, p := range req.Payments {
		if err := tx.MarkPaymentCancelled(h.ID, p); err != nil {
			return err
		}
	}
	return nil
}

// rejected records a cancellation SAT or the receiver rejected: the document and, for a
// payment receipt, every payment it states stand.
func rejected(tx CancellingTx, invoiceID int64, why string) error {
	if err := tx.SetCancellation(invoiceID, "rejected", why); err != nil {
		return err
	}
	if err := tx.SetCancelling(invoiceID, false); err != nil {
		return err
	}
	if err := tx.ForgetNominatives(invoiceID); err != nil { // a global invoice's motive 04
		return err
	}
	return tx.ClearPaymentMarks(invoiceID)
}

// receiptChainHolds refuses to reverse a receipt's payments (those named; none: all) while
// a later payment of an invoice they paid is stated by another live receipt: that
// receipt's parcialidad and balance before follow from them (SAT: each ImpSaldoAnt is the
// ImpSaldoInsoluto before it). The later ones are cancelled first.
func receiptChainHolds(tx CancellingTx, h store.CancelHead, payments []int64, refuse func(string, ...any) error) error {
	if h.DocumentKind != "payment_receipt" {
		return nil
	}
	later, err := tx.LaterLiveReceipts(h.ID, payments)
	if err == nil && len(later) > 0 {
		return refuse("later payments of the invoices it pays are stated by receipts %s, whose parcialidades follow from these: cancel those first (newest first)", strings.Join(later, ", "))
	}
	return err
}
