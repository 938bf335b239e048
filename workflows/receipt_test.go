package workflows

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"

	"billrun/activities"
)

// A payment's receipt is recorded, then sealed, stamped, printed and e-mailed, in that
// order; a payment that takes none ends after the first step, with the reason.
func TestPaymentReceiptRunsEveryStepOrNone(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(PaymentReceiptWorkflow)
	var order []string
	record := func(name string) func(mock.Arguments) { return func(mock.Arguments) { order = append(order, name) } }
	doc := activities.Document{InvoiceID: int64(70)}
	env.OnActivity(receipts.IssuePaymentReceipt, mock.Anything, activities.PaymentReceiptRequest{PaymentID: 9}).
		Return(activities.PaymentReceiptResult{ID: 70, Series: "P", Number: 1}, nil).Run(record("issue"))
	env.OnActivity(publishing.SealInvoice, mock.Anything, doc).Return(activities.Sealed{}, nil).Run(record("seal"))
	env.OnActivity(publishing.StampInvoice, mock.Anything, doc).Return(nil).Run(record("stamp"))
	env.OnActivity(publishing.PrintInvoice, mock.Anything, doc).Return(nil).Run(record("print"))
	env.OnActivity(publishing.DeliverInvoice, mock.Anything, activities.Delivery{InvoiceID: 70, Seq: 1}).Return(nil).Run(record("deliver"))
	env.ExecuteWorkflow(PaymentReceiptWorkflow, PaymentReceiptInput{Request: activities.PaymentReceiptRequest{PaymentID: 9}})
	var out PaymentReceiptOutcome
	if err := env.GetWorkflowResult(&out); err != nil || !out.Published || out.Receipt.Number != 1 {
		t.Fatalf("outcome %+v, %v", out, err)
	}
	if got := strings.Join(order, " "); got != "issue seal stamp print deliver" {
		t.Errorf("steps %s", got)
	}

	env = newEnv(t)
	env.RegisterWorkflow(PaymentReceiptWorkflow)
	env.OnActivity(receipts.IssuePaymentReceipt, mock.Anything, mock.Anything).
		Return(activities.PaymentReceiptResult{NotNeeded: "invoice A-2 is paid in one exhibition (PUE): its CFDI is the receipt"}, nil)
	env.ExecuteWorkflow(PaymentReceiptWorkflow, PaymentReceiptInput{Request: activities.PaymentReceiptRequest{PaymentID: 10}})
	out = PaymentReceiptOutcome{}
	if err := env.GetWorkflowResult(&out); err != nil || out.Published || !strings.Contains(out.Receipt.NotNeeded, "PUE") {
		t.Fatalf("a PUE invoice's payment: %+v, %v", out, err)
	}
}
