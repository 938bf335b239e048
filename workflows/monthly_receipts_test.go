package workflows

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"billrun/activities"
	"billrun/internal/model"
)

// A scheduled monthly run states the month before its nominal time in Mexico City, makes
// one child per receiver page after page, counts what each child made, and one receiver's
// failure stops no other.
func TestMonthlyReceiptsStateTheMonthBeforeAndEveryReceiver(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(MonthlyReceiptsWorkflow)
	env.RegisterWorkflow(MonthlyReceiptWorkflow)
	nominal := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC) // 21:00 on 30 November in Mexico City
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(scheduledStartTime.ValueSet(nominal))); err != nil {
		t.Fatal(err)
	}
	customers := make([]string, 2*monthlyPage+3)
	for i := range customers {
		customers[i] = fmt.Sprintf("C%03d", i)
	}
	var months []string
	env.OnActivity(receipts.MonthlyReceivers, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.MonthlyReceiversRequest) ([]string, error) {
			months = append(months, in.Month)
			var page []string
			for _, c := range customers {
				if c > in.After && len(page) < in.Limit {
					page = append(page, c)
				}
			}
			return page, nil
		})
	env.OnActivity(receipts.IssueMonthlyReceipt, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.MonthlyReceiptRequest) (activities.PaymentReceiptResult, error) {
			switch in.Customer {
			case "C007":
				return activities.PaymentReceiptResult{}, &model.BusinessError{Step: activities.StepReceipt, Reason: "no receipt series"}
			case "C010":
				return activities.PaymentReceiptResult{NotNeeded: "none waits"}, nil
			}
			return activities.PaymentReceiptResult{ID: 1, Series: "P", Number: 1}, nil
		})
	env.OnActivity(publishing.SealInvoice, mock.Anything, mock.Anything).Return(activities.Sealed{}, nil)
	env.OnActivity(publishing.StampInvoice, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(publishing.PrintInvoice, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(publishing.DeliverInvoice, mock.Anything, mock.Anything).Return(nil)
	env.ExecuteWorkflow(MonthlyReceiptsWorkflow, MonthlyReceiptsInput{Issuer: "EKU"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out MonthlyReceiptsOutcome
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if out.Month != "2026-10" || out.Issued != len(customers)-2 || out.None != 1 || out.Failed != 1 || len(out.Failures) != 1 {
		t.Errorf("outcome %+v", out)
	}
	for _, m := range months {
		if m != "2026-10" {
			t.Errorf("a page of month %s", m)
		}
	}
}
