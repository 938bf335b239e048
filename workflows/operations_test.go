package workflows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
	"billrun/internal/model"
)

// Issue 9.1: a retry asked in the middle of a big batch is prepared at once and carried
// across continue-as-new; it never holds continue-as-new back.
func TestRetrySignalIsCarriedAcrossContinueAsNew(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(planning.PlanBatch, mock.Anything, activities.BatchRef{BatchID: "B5"}).Return(model.PlanResult{Invoices: 12}, nil)
	env.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B5"}).Return(model.Summary{BatchID: "B5", Invoices: 12}, nil)
	env.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B5" })).Return(nil)
	env.OnActivity(planning.ListOpenInvoices, mock.Anything, mock.MatchedBy(func(in activities.OpenPage) bool { return in.BatchID == "B5" && in.Limit == 4 })).Return(pager(refs(12)))
	env.OnActivity(planning.PrepareRetries, mock.Anything, activities.Retries{BatchID: "B5", InvoiceIDs: []int64{99}, Date: "2026-11-24"}).Return(activities.RetriesPrepared{Count: 1}, nil).Once()
	mockInvoiceSteps(env, nil)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, RetryRequest{InvoiceIDs: []int64{99}, Date: "2026-11-24"}) }, time.Millisecond)
	env.ExecuteWorkflow(BatchWorkflow, BatchInput{BatchID: "B5", Window: 2, PageSize: 4, HistoryBudget: 20})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("err = %v, want continue-as-new", err)
	}
	var next BatchInput
	if err := decodeInput(can, &next); err != nil {
		t.Fatal(err)
	}
	if !next.Continued || !next.Rescan || next.Cursor != 4 {
		t.Fatalf("continued with %+v, want Continued, Rescan and Cursor 4", next)
	}
	env.AssertExpectations(t)

	// The next run sweeps on from the cursor, then again from the start for the retry.
	env2 := newEnv(t)
	env2.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B5"}).Return(model.Summary{BatchID: "B5", Invoices: 12, Completed: 4}, nil)
	env2.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B5" })).Return(nil)
	var cursors []int
	env2.OnActivity(planning.ListOpenInvoices, mock.Anything, mock.MatchedBy(func(in activities.OpenPage) bool { return in.BatchID == "B5" && in.Limit == 4 })).Return(func(ctx context.Context, in activities.OpenPage) (activities.OpenInvoices, error) {
		cursors = append(cursors, in.AfterGroup)
		if len(cursors) > 3 { // the rescan: the retried invoice is open
			return pager([]model.InvoiceRef{{ID: 99, GroupNo: 2, Customer: "C"}})(ctx, in)
		}
		return pager(refs(12))(ctx, in)
	})
	mockInvoiceSteps(env2, nil)
	next.HistoryBudget = 100000
	env2.ExecuteWorkflow(BatchWorkflow, next)
	if err := env2.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(cursors) < 4 || cursors[0] != 4 || cursors[3] != 0 {
		t.Fatalf("list cursors %v, want 4, 8, 12, then 0 for the rescan", cursors)
	}
	env2.AssertActivityNumberOfCalls(t, "CompleteInvoice", 9) // 8 left of the first sweep + the retried one
}

// Issue 9.2: a retry whose preparation answers nothing (its first answer was lost) still
// runs the invoice it turned: the batch sweeps every open invoice.
func TestRetryRunsWhatIsOpenWhateverPrepareAnswered(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B6"}).Return(model.Summary{BatchID: "B6", Invoices: 2, Failed: 1}, nil)
	env.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B6" })).Return(nil)
	env.OnActivity(planning.PrepareRetries, mock.Anything, mock.MatchedBy(func(in activities.Retries) bool {
		return in.BatchID == "B6" && slices.Equal(in.InvoiceIDs, []int64(nil))
	})).Return(activities.RetriesPrepared{}, nil)
	open := []model.InvoiceRef{{ID: 2, GroupNo: 2, Customer: "C"}}
	env.OnActivity(planning.ListOpenInvoices, mock.Anything, activities.OpenPage{BatchID: "B6", AfterGroup: 0, Limit: DefaultPageSize}).Return(func(context.Context, activities.OpenPage) (activities.OpenInvoices, error) {
		still := open
		open = nil
		return page(still), nil
	})
	mockInvoiceSteps(env, nil)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, RetryRequest{}) }, 0)
	env.ExecuteWorkflow(BatchWorkflow, BatchInput{BatchID: "B6", RetryOnly: true})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertActivityNumberOfCalls(t, "CompleteInvoice", 1)
}

// Issue 9.3: a child that ends otherwise than completed or failed on a rule is reconciled.
func TestChildEndedFromOutsideIsReconciled(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(planning.PlanBatch, mock.Anything, activities.BatchRef{BatchID: "B7"}).Return(model.PlanResult{Invoices: 2}, nil)
	env.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B7"}).Return(model.Summary{BatchID: "B7", Invoices: 2}, nil)
	env.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B7" })).Return(nil)
	env.OnActivity(planning.ListOpenInvoices, mock.Anything, activities.OpenPage{BatchID: "B7", AfterGroup: 0, Limit: DefaultPageSize}).Return(page(refs(2)), nil).Once()
	env.OnWorkflow(InvoiceWorkflow, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in InvoiceInput) (InvoiceResult, error) {
		if in.InvoiceID == 2 {
			return InvoiceResult{}, temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_START_TO_CLOSE, nil)
		}
		return InvoiceResult{InvoiceID: in.InvoiceID}, nil
	})
	var reason string
	env.OnActivity(invoicing.ReconcileInvoice, mock.Anything, mock.MatchedBy(func(in activities.Reconciliation) bool { return in.InvoiceID == int64(2) })).Return(func(_ context.Context, in activities.Reconciliation) error {
		reason = in.Reason
		return nil
	}).Once()
	env.ExecuteWorkflow(BatchWorkflow, BatchInput{BatchID: "B7"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
	if !strings.Contains(reason, "timed out") {
		t.Fatalf("reconciled with reason %q", reason)
	}
}

// Issue 9.4: the batch finishes while its e-mail waits on a mail server that is down.
func TestBatchFinishesWhileDeliveryWaits(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(planning.PlanBatch, mock.Anything, activities.BatchRef{BatchID: "B8"}).Return(model.PlanResult{Invoices: 2}, nil)
	env.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B8"}).Return(model.Summary{BatchID: "B8", Invoices: 2, Completed: 2}, nil)
	env.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B8" })).Return(nil)
	env.OnActivity(planning.ListOpenInvoices, mock.Anything, activities.OpenPage{BatchID: "B8", AfterGroup: 0, Limit: DefaultPageSize}).Return(page(refs(2)), nil).Once()
	mockInvoiceSteps(env, nil)
	env.OnWorkflow(PublishWorkflow, mock.Anything, mock.Anything).Return(func(ctx workflow.Context, _ PublishInput) error {
		return workflow.Sleep(ctx, 24*time.Hour) // the mail server is down all day
	})
	env.ExecuteWorkflow(BatchWorkflow, BatchInput{BatchID: "B8"})
	var sum model.Summary
	if err := env.GetWorkflowResult(&sum); err != nil || sum.Completed != 2 {
		t.Fatalf("summary %+v %v", sum, err)
	}
}

// Issue 9.6: planning that meets data no retry fixes stops the batch with the reason.
func TestPlanningStopsOnBadDataWithTheReason(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(planning.PlanBatch, mock.Anything, activities.BatchRef{BatchID: "B9"}).Return(model.PlanResult{}, businessErr("planning", "the database refused the data: numeric field overflow (SQLSTATE 22003)"))
	env.OnActivity(planning.FailBatch, mock.Anything, mock.MatchedBy(func(in activities.BatchFailure) bool { return in.BatchID == "B9" })).Return(nil).Once()
	env.ExecuteWorkflow(BatchWorkflow, BatchInput{BatchID: "B9"})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || app.Type() != BatchStoppedType || !strings.Contains(err.Error(), "22003") {
		t.Fatalf("err = %v, want a %s error with the reason", err, BatchStoppedType)
	}
	env.AssertExpectations(t)
	env.AssertActivityNumberOfCalls(t, "ListOpenInvoices", 0)
}

// Issue 14.7 / 9.10: re-running a failed invoice's workflow (a Web UI reset) ends with the
// recorded failure, neither replacing the reason nor undoing twice.
func TestRerunOfAFailedInvoiceKeepsItsReason(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(invoicing.PriceInvoice, mock.Anything, activities.InvoiceStep{InvoiceID: int64(4)}).Return(activities.PriceResult{Attempt: 1, Failed: true, Step: "stock discharge", Reason: "not enough stock"}, nil)
	env.ExecuteWorkflow(InvoiceWorkflow, InvoiceInput{InvoiceID: 4})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || app.Type() != InvoiceFailedType || !strings.Contains(err.Error(), "stock discharge: not enough stock") {
		t.Fatalf("err = %v", err)
	}
	env.AssertActivityNumberOfCalls(t, "FailInvoice", 0)
	env.AssertActivityNumberOfCalls(t, "DischargeStock", 0)
}

// A step whose database stays down past the local budget goes on as a regular activity,
// which retries as long as it takes (and shows in the Web UI meanwhile).
func TestStepOutlastsALongOutage(t *testing.T) {
	env := newEnv(t)
	down := true
	env.RegisterDelayedCallback(func() { down = false }, 3*time.Minute)
	regular := 0
	env.OnActivity(invoicing.PriceInvoice, mock.Anything, activities.InvoiceStep{InvoiceID: int64(1)}).Return(func(ctx context.Context, _ activities.InvoiceStep) (activities.PriceResult, error) {
		if !activity.GetInfo(ctx).IsLocalActivity {
			regular++
		}
		if down {
			return activities.PriceResult{}, errors.New("dial tcp: connection refused")
		}
		return activities.PriceResult{Attempt: 1}, nil
	})
	env.OnActivity(invoicing.DischargeStock, mock.Anything, activities.InvoiceStep{InvoiceID: int64(1), Attempt: 1}).Return(nil)
	env.OnActivity(invoicing.PostReceivable, mock.Anything, activities.InvoiceStep{InvoiceID: int64(1), Attempt: 1}).Return(nil)
	env.OnActivity(invoicing.CompleteInvoice, mock.Anything, activities.InvoiceStep{InvoiceID: int64(1), Attempt: 1}).Return(activities.CompleteResult{Series: "A", Number: 1}, nil)
	mockFiscalSteps(env)
	env.ExecuteWorkflow(InvoiceWorkflow, InvoiceInput{InvoiceID: 1})
	var res InvoiceResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Number != 1 || !res.Sealed {
		t.Fatalf("result %+v %v", res, err)
	}
	if regular == 0 {
		t.Fatal("the step never went on as a regular activity")
	}
}

// Issue 9.4 / 14.6: a scheduled run bills the period before its nominal time where the
// schedule is, whenever it actually runs (a run buffered behind another bills its own).
func TestScheduledRunBillsItsNominalPeriodInItsTimeZone(t *testing.T) {
	for zone, want := range map[string]string{"": "2026-11-30", "America/Mexico_City": "2026-11-29"} {
		env := newEnv(t)
		env.RegisterWorkflow(ScheduledRunWorkflow)
		nominal := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC) // 21:00 on the 30th in Mexico City
		if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(scheduledStartTime.ValueSet(nominal))); err != nil {
			t.Fatal(err)
		}
		var got model.ScheduledBatch
		env.OnActivity(planning.CreateScheduledBatch, mock.Anything, mock.Anything).Return(func(_ context.Context, s model.ScheduledBatch) (activities.ScheduledBatchID, error) {
			got = s
			return activities.ScheduledBatchID{BatchID: "S-x"}, nil
		})
		env.OnWorkflow(BatchWorkflow, mock.Anything, mock.Anything).Return(model.Summary{BatchID: "S-x"}, nil)
		env.ExecuteWorkflow(ScheduledRunWorkflow, ScheduledRunInput{Schedule: "x", Source: "plans", Period: "day", Grouping: "none", TimeZone: zone})
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if got.PeriodFrom != want || got.PeriodTo != want {
			t.Errorf("time zone %q: period %s..%s, want %s", zone, got.PeriodFrom, got.PeriodTo, want)
		}
	}
}

// Issue 9.5: a delivery attempt's timeout outlasts the SMTP dial and session deadlines, so
// a hung mail server ends the attempt in the activity (recorded), never in Temporal.
func TestDeliveryTimeoutsOutlastTheSMTPDeadlines(t *testing.T) {
	smtp := activities.SMTPDialTimeout + activities.SMTPSessionTimeout
	pass := (Timeouts{}).withDefaults().Delivery
	if deliveryTimeout <= smtp || pass <= smtp {
		t.Fatalf("delivery timeouts %v / %v, SMTP deadlines %v", deliveryTimeout, pass, smtp)
	}
}
