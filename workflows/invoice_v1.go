package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// v1ActivityOptions are the one set of options every v1 activity ran with.
func v1ActivityOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Second, // short transactions; a killed worker's tasks come back soon
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{activities.BusinessErrorType},
		},
	})
}

// invoiceV1 is the invoice workflow as it ran before version "invoice-v2" (histories
// recorded then replay through it; do not change it): regular activities for every step,
// then sealing, printing and delivery in the invoice's own workflow.
func invoiceV1(ctx workflow.Context, in InvoiceInput) (InvoiceResult, error) {
	ctx = v1ActivityOptions(ctx)
	res := InvoiceResult{InvoiceID: in.InvoiceID}
	setStatus := func(status string) {
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrInvoiceStatus.ValueSet(status))
	}

	var priced activities.PriceResult
	err := workflow.ExecuteActivity(ctx, invoicing.PriceInvoice, activities.InvoiceStep{InvoiceID: in.InvoiceID}).Get(ctx, &priced)
	if err == nil && !priced.Done {
		setStatus("processing")
		err = workflow.ExecuteActivity(ctx, invoicing.DischargeStock, activities.InvoiceStep{InvoiceID: in.InvoiceID, Attempt: priced.Attempt}).Get(ctx, nil)
	}
	if err == nil && !priced.Done {
		err = workflow.ExecuteActivity(ctx, invoicing.PostReceivable, activities.InvoiceStep{InvoiceID: in.InvoiceID, Attempt: priced.Attempt}).Get(ctx, nil)
	}
	var done activities.CompleteResult
	if err == nil {
		err = workflow.ExecuteActivity(ctx, invoicing.CompleteInvoice, activities.InvoiceStep{InvoiceID: in.InvoiceID, Attempt: priced.Attempt}).Get(ctx, &done)
	}
	if err != nil {
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != activities.BusinessErrorType {
			return res, err
		}
		var f InvoiceFailure
		_ = appErr.Details(&f.Step, &f.Reason)
		if uerr := workflow.ExecuteActivity(ctx, invoicing.FailInvoice, activities.InvoiceFailure{InvoiceID: in.InvoiceID, Attempt: priced.Attempt, Step: f.Step, Reason: f.Reason}).Get(ctx, nil); uerr != nil {
			return res, uerr
		}
		setStatus("failed")
		return res, temporal.NewNonRetryableApplicationError(f.Step+": "+f.Reason, InvoiceFailedType, nil, f)
	}
	setStatus("completed")
	res.Series, res.Number, res.Total, res.Currency = done.Series, done.Number, priced.Total, priced.Currency

	// Fiscal output came in version 1; invoices completed before it replay without it.
	if workflow.GetVersion(ctx, "fiscal-output", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return res, nil
	}
	// Fiscal output. A business error here (a bad key, a customer without fiscal data)
	// leaves the invoice completed and unsealed, with the reason, to seal again once fixed.
	for _, step := range []any{publishing.SealInvoice, publishing.PrintInvoice} {
		if err := workflow.ExecuteActivity(ctx, step, activities.Document{InvoiceID: in.InvoiceID}).Get(ctx, nil); err != nil {
			var appErr *temporal.ApplicationError
			if errors.As(err, &appErr) && appErr.Type() == activities.BusinessErrorType {
				setStatus("unsealed")
				res.FiscalError = appErr.Error()
				return res, nil
			}
			return res, err
		}
	}
	res.Sealed = true
	// Delivery retries with backoff while the mail server is down; it never sends twice.
	if err := workflow.ExecuteActivity(ctx, publishing.DeliverInvoice, activities.Delivery{InvoiceID: in.InvoiceID, Seq: 1}).Get(ctx, nil); err != nil {
		return res, err
	}
	return res, nil
}
