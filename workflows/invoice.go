package workflows

import (
	"fmt"
	"strconv"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// InvoiceWorkflow takes one invoice from draft to completed and sealed: pricing, stock
// discharge, receivable, numbering, sealing — each a named, idempotent step, run as local
// activities in one workflow task. A business error undoes this invoice's own effects,
// records the step and reason, and fails this workflow only. Printing and e-mail follow
// in the batch's publication workflow, so they never hold the batch's window.
//
// A re-run (a retry, a Web UI reset, a resumed batch) takes the invoice where it is: a
// processing invoice keeps its prices and attempt, a completed one is only sealed, and a
// failed one ends again with its recorded failure, never a new one.
func InvoiceWorkflow(ctx workflow.Context, in InvoiceInput) (InvoiceResult, error) {
	if !in.Current && workflow.GetVersion(ctx, "invoice-v2", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return invoiceV1(ctx, in)
	}
	t := in.Timeouts.withDefaults()
	res := InvoiceResult{InvoiceID: in.InvoiceID}
	id := in.InvoiceID

	var priced activities.PriceResult
	err := step(ctx, t, "Pricing", invoicing.PriceInvoice, &priced, activities.InvoiceStep{InvoiceID: id})
	if err == nil && priced.Failed {
		setInvoiceStatus(ctx, "failed", res, priced.Total)
		return res, invoiceFailed(id, InvoiceFailure{Step: priced.Step, Reason: priced.Reason})
	}
	if err == nil && !priced.Done {
		err = step(ctx, t, "Stock discharge", invoicing.DischargeStock, nil, activities.InvoiceStep{InvoiceID: id, Attempt: priced.Attempt})
	}
	if err == nil && !priced.Done {
		err = step(ctx, t, "Receivable posting", invoicing.PostReceivable, nil, activities.InvoiceStep{InvoiceID: id, Attempt: priced.Attempt})
	}
	var done activities.CompleteResult
	if err == nil {
		err = step(ctx, t, "Numbering", invoicing.CompleteInvoice, &done, activities.InvoiceStep{InvoiceID: id, Attempt: priced.Attempt})
	}
	if err != nil {
		f, ok := businessFailure(err)
		if !ok {
			return res, err
		}
		if uerr := step(ctx, t, "Undo: "+f.Step, invoicing.FailInvoice, nil, activities.InvoiceFailure{InvoiceID: id, Attempt: priced.Attempt, Step: f.Step, Reason: f.Reason}); uerr != nil {
			return res, uerr
		}
		setInvoiceStatus(ctx, "failed", res, priced.Total)
		return res, invoiceFailed(id, f)
	}
	res.Series, res.Number, res.Total, res.Currency = done.Series, done.Number, priced.Total, priced.Currency

	// Sealing: a business error (a bad key, a customer without fiscal data) leaves the
	// invoice completed and unsealed, with the reason, to seal again once fixed.
	var sealed activities.Sealed
	if err := step(ctx, t, "Sealing", publishing.SealInvoice, &sealed, activities.Document{InvoiceID: id}); err != nil {
		f, ok := businessFailure(err)
		if !ok {
			return res, err
		}
		res.FiscalError = f.Step + ": " + f.Reason
		setInvoiceStatus(ctx, "unsealed", res, priced.Total)
		return res, nil
	}
	res.Sealed, res.FiscalNumber = true, sealed.FiscalNumber
	setInvoiceStatus(ctx, "completed", res, priced.Total)
	return res, nil
}

// invoiceFailed is the invoice workflow's failure: its step and reason, and what the
// operator does next, as the Web UI shows it.
func invoiceFailed(id int64, f InvoiceFailure) error {
	msg := fmt.Sprintf("%s: %s. Fix the cause, then: billrun invoice retry %d", f.Step, f.Reason, id)
	return temporal.NewNonRetryableApplicationError(msg, InvoiceFailedType, nil, f)
}

// setInvoiceStatus writes the invoice's final status, number, total and fiscal status where
// the Web UI can filter on them: once per invoice, in one upsert, not at every step.
func setInvoiceStatus(ctx workflow.Context, status string, res InvoiceResult, total string) {
	updates := []temporal.SearchAttributeUpdate{AttrInvoiceStatus.ValueSet(status)}
	if res.Number != 0 {
		updates = append(updates, AttrInvoiceNumber.ValueSet(fmt.Sprintf("%s-%d", res.Series, res.Number)))
	}
	if amount, err := strconv.ParseFloat(total, 64); err == nil && total != "" {
		updates = append(updates, AttrAmount.ValueSet(amount))
	}
	if res.FiscalNumber != "" {
		updates = append(updates, AttrFiscalNumber.ValueSet(res.FiscalNumber))
	}
	switch {
	case res.Sealed:
		updates = append(updates, AttrFiscalStatus.ValueSet("sealed"))
	case res.FiscalError != "":
		updates = append(updates, AttrFiscalStatus.ValueSet("unsealed"))
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, updates...)
}
