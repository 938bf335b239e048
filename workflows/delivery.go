package workflows

import (
	"billrun/activities"
	"time"

	"go.temporal.io/sdk/workflow"
)

// deliveryTimeout bounds one delivery attempt: longer than the SMTP dial and session
// deadlines together (10 s + 30 s), so a hung server ends the attempt in the activity.
const deliveryTimeout = 2 * time.Minute

// DeliveryWorkflow sends one explicit, recorded delivery of an invoice (a resend).
func DeliveryWorkflow(ctx workflow.Context, invoiceID int64, seq int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: deliveryTimeout, RetryPolicy: retryTransient()})
	return workflow.ExecuteActivity(ctx, publishing.DeliverInvoice, activities.Delivery{InvoiceID: invoiceID, Seq: seq}).Get(ctx, nil)
}
