package workflows

import "go.temporal.io/sdk/workflow"

// DeliveryWorkflow sends one explicit, recorded delivery of an invoice (a resend).
func DeliveryWorkflow(ctx workflow.Context, invoiceID int64, seq int) error {
	return workflow.ExecuteActivity(activityOptions(ctx), a.DeliverInvoice, invoiceID, seq).Get(ctx, nil)
}
