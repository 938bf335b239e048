package activities

import "context"

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
