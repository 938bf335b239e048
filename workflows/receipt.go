package workflows

import (
	"context"
	"fmt"
	"strconv"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// PaymentReceiptWorkflow makes a payment's receipt (MX: the CFDI de Recepción de Pagos),
// from the payment recorded to the customer's mailbox: it records and numbers the receipt,
// then seals, stamps, prints and e-mails it like an invoice. A payment that takes no
// receipt (an invoice paid in one exhibition) ends at the first step. Every step is
// idempotent: starting it again takes an interrupted or failed receipt on from where it
// stopped.
func PaymentReceiptWorkflow(ctx workflow.Context, in PaymentReceiptInput) (PaymentReceiptOutcome, error) {
	t := in.Timeouts.withDefaults()
	var out PaymentReceiptOutcome
	if err := step(ctx, t, "Record the payment's receipt and number it", receipts.IssuePaymentReceipt, &out.Receipt, in.Request); err != nil {
		return out, err
	}
	if out.Receipt.NotNeeded != "" {
		return out, nil
	}
	var err error
	out.Published, err = publishDocument(ctx, t, out.Receipt.ID)
	return out, err
}

// PaymentReceiptWorkflowID is the business key of a payment's receipt.
func PaymentReceiptWorkflowID(installation string, invoiceID, paymentID int64) string {
	return InvoiceWorkflowID(installation, invoiceID) + "-payment-" + strconv.FormatInt(paymentID, 10)
}

// PaymentReceiptInput asks for one payment's receipt.
type PaymentReceiptInput struct {
	Request  activities.PaymentReceiptRequest `json:"request"`
	Timeouts Timeouts                         `json:"timeouts,omitempty"`
}

// PaymentReceiptOutcome is the receipt made, and whether it was sealed, stamped, printed
// and e-mailed.
type PaymentReceiptOutcome struct {
	Receipt   activities.PaymentReceiptResult `json:"receipt"`
	Published bool                            `json:"published"`
}

// StartPaymentReceipt starts the workflow of a payment's receipt, or follows the one
// running; once ended, it starts again (a receipt whose step failed, fixed since). paid is
// the paid invoice's number, for the Web UI.
func (c Client) StartPaymentReceipt(ctx context.Context, invoiceID, paymentID int64, paid string) (client.WorkflowRun, error) {
	return c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       PaymentReceiptWorkflowID(c.Installation, invoiceID, paymentID),
		TaskQueue:                c.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrDocumentKind.ValueSet("payment_receipt"), AttrCorrects.ValueSet(paid),
			AttrInvoiceStatus.ValueSet("processing")),
		StaticSummary: fmt.Sprintf("Payment receipt of invoice %s (payment %d)", paid, paymentID),
	}, PaymentReceiptWorkflow, PaymentReceiptInput{Request: activities.PaymentReceiptRequest{PaymentID: paymentID}})
}
