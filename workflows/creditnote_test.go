package workflows

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"billrun/activities"
	"billrun/internal/model"
)

func creditEnvRequest() CreditNoteInput {
	return CreditNoteInput{Request: activities.CreditNoteRequest{InvoiceID: 4, Seq: 1, Kind: "return", Date: "2026-11-24"}}
}

// A credit note is recorded, then sealed, stamped, printed and e-mailed, in that order.
func TestCreditNoteRunsEveryStepInOrder(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(CreditNoteWorkflow)
	var order []string
	record := func(name string) func() { return func() { order = append(order, name) } }
	env.OnActivity(crediting.IssueCreditNote, mock.Anything, mock.Anything).Return(activities.CreditNoteResult{ID: 40, Series: "NC", Number: 1, Total: decimal.RequireFromString("1160")}, nil).
		Run(func(mock.Arguments) { record("issue")() })
	env.OnActivity(publishing.SealInvoice, mock.Anything, activities.Document{InvoiceID: int64(40)}).Return(activities.Sealed{}, nil).Run(func(mock.Arguments) { record("seal")() })
	env.OnActivity(publishing.StampInvoice, mock.Anything, activities.Document{InvoiceID: int64(40)}).Return(nil).Run(func(mock.Arguments) { record("stamp")() })
	env.OnActivity(publishing.PrintInvoice, mock.Anything, activities.Document{InvoiceID: int64(40)}).Return(nil).Run(func(mock.Arguments) { record("print")() })
	env.OnActivity(publishing.DeliverInvoice, mock.Anything, activities.Delivery{InvoiceID: int64(40), Seq: 1}).Return(nil).Run(func(mock.Arguments) { record("deliver")() })
	env.ExecuteWorkflow(CreditNoteWorkflow, creditEnvRequest())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out CreditNoteOutcome
	if err := env.GetWorkflowResult(&out); err != nil || !out.Published || out.CreditNote.ID != 40 {
		t.Fatalf("outcome %+v, %v", out, err)
	}
	if got := strings.Join(order, " "); got != "issue seal stamp print deliver" {
		t.Errorf("steps %s", got)
	}
}

// A request the invoice cannot take fails the workflow at once, with its reason, and
// nothing fiscal runs; a PAC that is down is retried until it answers.
func TestCreditNoteRefusedOrRetried(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(CreditNoteWorkflow)
	env.OnActivity(crediting.IssueCreditNote, mock.Anything, mock.Anything).Return(activities.CreditNoteResult{},
		temporal.NewNonRetryableApplicationError("return of 300 is more than the 200 invoiced", activities.BusinessErrorType, nil,
			model.BusinessError{Step: model.StepCredit, Reason: "return of 300 is more than the 200 invoiced"}))
	env.ExecuteWorkflow(CreditNoteWorkflow, creditEnvRequest())
	err := env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), "more than the 200 invoiced") {
		t.Fatalf("refused request: %v", err)
	}

	env = newEnv(t)
	env.RegisterWorkflow(CreditNoteWorkflow)
	env.OnActivity(crediting.IssueCreditNote, mock.Anything, mock.Anything).Return(activities.CreditNoteResult{ID: 41}, nil)
	env.OnActivity(publishing.SealInvoice, mock.Anything, activities.Document{InvoiceID: int64(41)}).Return(activities.Sealed{}, nil)
	env.OnActivity(publishing.StampInvoice, mock.Anything, activities.Document{InvoiceID: int64(41)}).Return(errors.New("PAC unreachable")).Times(3)
	env.OnActivity(publishing.StampInvoice, mock.Anything, activities.Document{InvoiceID: int64(41)}).Return(nil).Once()
	env.OnActivity(publishing.PrintInvoice, mock.Anything, activities.Document{InvoiceID: int64(41)}).Return(nil)
	env.OnActivity(publishing.DeliverInvoice, mock.Anything, activities.Delivery{InvoiceID: int64(41), Seq: 1}).Return(nil)
	env.ExecuteWorkflow(CreditNoteWorkflow, creditEnvRequest())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("a PAC down for three attempts: %v", err)
	}
}
