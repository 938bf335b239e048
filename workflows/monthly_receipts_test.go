package workflows

import (
	"context"
	"fmt"
	"slices"
	"sync"
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
	// September has a payment left waiting (recorded late): the run states it first.
	env.OnActivity(receipts.PendingMonths, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.MonthlyReceiversRequest) ([]string, error) {
			if in.Month != "2026-10" {
				t.Errorf("pending months through %s, want 2026-10", in.Month)
			}
			return []string{"2026-09", "2026-10"}, nil
		})
	var months []string
	env.OnActivity(receipts.MonthlyReceivers, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.MonthlyReceiversRequest) ([]string, error) {
			months = append(months, in.Month)
			if in.Month == "2026-09" && in.After == "" {
				return []string{"C900"}, nil
			} else if in.Month == "2026-09" {
				return nil, nil
			}
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
			case "C010": // none waits, but a receipt made before was never published
				return activities.PaymentReceiptResult{NotNeeded: "none waits", Unpublished: []int64{10}}, nil
			case "C011": // a new one, and one made before never published: that one first
				return activities.PaymentReceiptResult{ID: 12, Series: "P", Number: 2, Unpublished: []int64{11}}, nil
			}
			return activities.PaymentReceiptResult{ID: 1, Series: "P", Number: 1}, nil
		})
	var sealed []int64
	var mu sync.Mutex // receivers' children run side by side
	env.OnActivity(publishing.SealInvoice, mock.Anything, mock.Anything).Return(
		func(_ context.Context, d activities.Document) (activities.Sealed, error) {
			mu.Lock()
			defer mu.Unlock()
			if d.InvoiceID >= 10 {
				sealed = append(sealed, d.InvoiceID)
			}
			return activities.Sealed{}, nil
		})
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
	if out.Month != "2026-10" || out.Issued != len(customers)-2+1 || out.None != 1 || out.Failed != 1 || len(out.Failures) != 1 ||
		fmt.Sprint(out.Months) != "[2026-09 2026-10]" {
		t.Errorf("outcome %+v", out)
	}
	if months[0] != "2026-09" || months[1] != "2026-09" {
		t.Errorf("pages asked %v, want September's first", months)
	}
	for _, m := range months[2:] {
		if m != "2026-10" {
			t.Errorf("a page of month %s after September's", m)
		}
	}
	// Receivers run side by side: C010's and C011's receipts interleave, C011's in order.
	if len(sealed) != 3 || !slices.Contains(sealed, 10) || slices.Index(sealed, 11) > slices.Index(sealed, 12) || slices.Index(sealed, 11) < 0 {
		t.Errorf("sealed %v: receipts made before and never published go out, before the new one", sealed)
	}
}
