package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	sdkpb "go.temporal.io/api/sdk/v1"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
	"billrun/internal/model"
)

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(BatchWorkflow)
	env.RegisterWorkflow(InvoiceWorkflow)
	env.RegisterWorkflow(PublishWorkflow)
	activities.New(nil, activities.Config{}).Register(env)
	// Publication: nothing left to print or send unless a test says otherwise.
	env.OnActivity(publishing.PrintInvoices, mock.Anything, mock.Anything).Return(activities.PublishResult{}, nil).Maybe()
	env.OnActivity(publishing.DeliverInvoices, mock.Anything, mock.Anything).Return(activities.PublishResult{}, nil).Maybe()
	env.OnActivity(publishing.StampInvoices, mock.Anything, mock.Anything).Return(activities.PublishResult{}, nil).Maybe()
	// Invoice workflows carried from an earlier run: they end completed when followed.
	env.OnActivity(planning.AwaitInvoices, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.AwaitInput) (activities.AwaitResult, error) {
			var out activities.AwaitResult
			for _, id := range in.InvoiceIDs {
				out.Ended = append(out.Ended, activities.EndedInvoice{InvoiceID: id, Outcome: activities.EndedCompleted})
			}
			return out, nil
		}).Maybe()
	return env
}

func refs(n int) []model.InvoiceRef {
	out := make([]model.InvoiceRef, n)
	for i := range out {
		out[i] = model.InvoiceRef{ID: int64(i + 1), GroupNo: i + 1, Customer: "C"}
	}
	return out
}

// page is ListOpenInvoices' answer of refs.
func page(refs []model.InvoiceRef) activities.OpenInvoices {
	return activities.OpenInvoices{Invoices: refs}
}

// pager answers ListOpenInvoices from refs, a page after a group number at a time.
func pager(all []model.InvoiceRef) func(context.Context, activities.OpenPage) (activities.OpenInvoices, error) {
	return func(_ context.Context, in activities.OpenPage) (activities.OpenInvoices, error) {
		var out activities.OpenInvoices
		for _, r := range all {
			if r.GroupNo > in.AfterGroup && len(out.Invoices) < in.Limit {
				out.Invoices = append(out.Invoices, r)
			}
		}
		return out, nil
	}
}

func businessErr(step, reason string) error {
	return temporal.NewNonRetryableApplicationError(reason, activities.BusinessErrorType, nil, step, reason)
}

func mockFiscalSteps(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(publishing.SealInvoice, mock.Anything, mock.Anything).Return(activities.Sealed{FiscalNumber: "Factura A-1"}, nil)
}

// mockInvoiceSteps makes every invoice succeed except those in failing, which fail at stock.
func mockInvoiceSteps(env *testsuite.TestWorkflowEnvironment, failing map[int64]bool) {
	env.OnActivity(invoicing.PriceInvoice, mock.Anything, mock.Anything).Return(activities.PriceResult{Attempt: 1, Total: "10.00", Currency: "MXN"}, nil)
	env.OnActivity(invoicing.DischargeStock, mock.Anything, mock.MatchedBy(func(in activities.InvoiceStep) bool { return in.Attempt == 1 })).Return(
		func(_ context.Context, in activities.InvoiceStep) error {
			id := in.InvoiceID
			if failing[id] {
				return businessErr(model.StepStock, "not enough stock")
			}
			return nil
		})
	env.OnActivity(invoicing.PostReceivable, mock.Anything, mock.MatchedBy(func(in activities.InvoiceStep) bool { return in.Attempt == 1 })).Return(nil)
	mockFiscalSteps(env)
	env.OnActivity(invoicing.CompleteInvoice, mock.Anything, mock.MatchedBy(func(in activities.InvoiceStep) bool { return in.Attempt == 1 })).Return(
		func(_ context.Context, in activities.InvoiceStep) (activities.CompleteResult, error) {
			id := in.InvoiceID
			if failing[id] {
				panic("a failed invoice must not be completed")
			}
			return activities.CompleteResult{Series: "A", Number: id}, nil
		})
}

func TestBatchOneInvoiceFailsOthersComplete(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(planning.PlanBatch, mock.Anything, activities.BatchRef{BatchID: "B1"}).Return(model.PlanResult{Invoices: 3}, nil)
	env.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B1"}).Return(model.Summary{BatchID: "B1", Invoices: 3, Completed: 2, Failed: 1}, nil)
	env.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B1" })).Return(nil)
	env.OnActivity(planning.ListOpenInvoices, mock.Anything, activities.OpenPage{BatchID: "B1", AfterGroup: 0, Limit: DefaultPageSize}).Return(page(refs(3)), nil).Once()
	mockInvoiceSteps(env, map[int64]bool{2: true})
	env.OnActivity(invoicing.FailInvoice, mock.Anything, activities.InvoiceFailure{InvoiceID: int64(2), Attempt: 1, Step: model.StepStock, Reason: "not enough stock"}).Return(nil).Once()

	env.ExecuteWorkflow(BatchWorkflow, BatchInput{BatchID: "B1"})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("batch: completed=%v err=%v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	env.AssertExpectations(t)
	env.AssertActivityNumberOfCalls(t, "CompleteInvoice", 2)
	env.AssertActivityNumberOfCalls(t, "FailInvoice", 1)
	var p Progress
	v, err := env.QueryWorkflow(QueryProgress)
	if err != nil || v.Get(&p) != nil {
		t.Fatal(err)
	}
	if p.Completed != 2 || p.Failed != 1 || p.Status != "finished" {
		t.Fatalf("progress %+v, want 2 completed, 1 failed, finished", p)
	}
	// The Web UI's current details say what to do next.
	var meta sdkpb.WorkflowMetadata
	if v, err := env.QueryWorkflow("__temporal_workflow_metadata"); err != nil || v.Get(&meta) != nil {
		t.Fatalf("metadata: %v", err)
	}
	if d := meta.GetCurrentDetails(); !strings.Contains(d, "`billrun batch report B1` names each failure and its fix") {
		t.Errorf("current details: %q", d)
	}
}

func TestInvoiceFailureUndoesAndFails(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(invoicing.PriceInvoice, mock.Anything, activities.InvoiceStep{InvoiceID: int64(7)}).Return(activities.PriceResult{Attempt: 2}, nil)
	env.OnActivity(invoicing.DischargeStock, mock.Anything, activities.InvoiceStep{InvoiceID: int64(7), Attempt: 2}).Return(nil)
	env.OnActivity(invoicing.PostReceivable, mock.Anything, activities.InvoiceStep{InvoiceID: int64(7), Attempt: 2}).Return(businessErr(model.StepReceivable, "credit refused"))
	env.OnActivity(invoicing.FailInvoice, mock.Anything, activities.InvoiceFailure{InvoiceID: int64(7), Attempt: 2, Step: model.StepReceivable, Reason: "credit refused"}).Return(nil).Once()

	env.ExecuteWorkflow(InvoiceWorkflow, InvoiceInput{InvoiceID: 7, BatchID: "B"})
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != InvoiceFailedType {
		t.Fatalf("err = %v, want an %s application error", err, InvoiceFailedType)
	}
	var f InvoiceFailure
	if err := appErr.Details(&f); err != nil || f.Step != model.StepReceivable || f.Reason != "credit refused" {
		t.Fatalf("failure details %+v (%v)", f, err)
	}
	env.AssertExpectations(t)
	env.AssertActivityNumberOfCalls(t, "CompleteInvoice", 0)
}

func TestInvoiceTransientErrorsRetry(t *testing.T) {
	env := newEnv(t)
	calls := 0
	env.OnActivity(invoicing.PriceInvoice, mock.Anything, activities.InvoiceStep{InvoiceID: int64(1)}).Return(func(context.Context, activities.InvoiceStep) (activities.PriceResult, error) {
		calls++
		if calls < 3 {
			return activities.PriceResult{}, errors.New("connection refused")
		}
		return activities.PriceResult{Attempt: 1}, nil
	})
	env.OnActivity(invoicing.DischargeStock, mock.Anything, activities.InvoiceStep{InvoiceID: int64(1), Attempt: 1}).Return(nil)
	env.OnActivity(invoicing.PostReceivable, mock.Anything, activities.InvoiceStep{InvoiceID: int64(1), Attempt: 1}).Return(nil)
	env.OnActivity(invoicing.CompleteInvoice, mock.Anything, activities.InvoiceStep{InvoiceID: int64(1), Attempt: 1}).Return(activities.CompleteResult{Series: "A", Number: 9}, nil)
	mockFiscalSteps(env)
	env.ExecuteWorkflow(InvoiceWorkflow, InvoiceInput{InvoiceID: 1})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("transient errors should be retried until they pass: %v", err)
	}
	if calls != 3 {
		t.Fatalf("pricing ran %d times, want 3", calls)
	}
	var res InvoiceResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Number != 9 {
		t.Fatalf("result %+v %v", res, err)
	}
}

func TestDraftBatchWaitsForApproval(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(planning.PlanBatch, mock.Anything, activities.BatchRef{BatchID: "B2"}).Return(model.PlanResult{Invoices: 1, Draft: true}, nil)
	env.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B2"}).Return(model.Summary{BatchID: "B2", Invoices: 1}, nil)
	var statuses []string
	env.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B2" })).Return(func(_ context.Context, in activities.BatchStatus) error {
		statuses = append(statuses, in.Status)
		return nil
	})
	listed := false
	env.OnActivity(planning.ListOpenInvoices, mock.Anything, activities.OpenPage{BatchID: "B2", AfterGroup: 0, Limit: DefaultPageSize}).Return(func(context.Context, activities.OpenPage) (activities.OpenInvoices, error) {
		listed = true
		return page(refs(1)), nil
	})
	mockInvoiceSteps(env, nil)
	env.RegisterDelayedCallback(func() {
		if listed {
			t.Error("invoices ran before approval")
		}
		var p Progress
		v, _ := env.QueryWorkflow(QueryProgress)
		_ = v.Get(&p)
		if p.Status != "awaiting_approval" {
			t.Errorf("status before approval = %q", p.Status)
		}
		env.SignalWorkflow(SignalApprove, nil)
	}, 48*time.Hour)
	env.ExecuteWorkflow(BatchWorkflow, BatchInput{BatchID: "B2"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if !listed {
		t.Fatal("approved batch never ran its invoices")
	}
	want := []string{"awaiting_approval", "running", "finished"}
	if len(statuses) != 3 || statuses[0] != want[0] || statuses[1] != want[1] || statuses[2] != want[2] {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
}

func TestBatchContinuesAsNewPastHistoryBudget(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(planning.PlanBatch, mock.Anything, activities.BatchRef{BatchID: "B3"}).Return(model.PlanResult{Invoices: 12}, nil)
	env.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B3"}).Return(model.Summary{BatchID: "B3", Invoices: 12}, nil)
	env.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B3" })).Return(nil)
	all := refs(12)
	env.OnActivity(planning.ListOpenInvoices, mock.Anything, mock.MatchedBy(func(in activities.OpenPage) bool { return in.BatchID == "B3" && in.Limit == 4 })).Return(pager(all))
	mockInvoiceSteps(env, nil)
	// Window 2 of 12 invoices in pages of 4, and a budget the first page passes.
	env.ExecuteWorkflow(BatchWorkflow, BatchInput{BatchID: "B3", Window: 2, PageSize: 4, HistoryBudget: 20})
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("err = %v, want continue-as-new", err)
	}
	var next BatchInput
	if err := decodeInput(can, &next); err != nil {
		t.Fatal(err)
	}
	if !next.Continued || next.Cursor != 4 {
		t.Fatalf("continued with %+v, want Continued and Cursor 4", next)
	}
	// The window is not drained first: children still running are carried.
	if len(next.Carried) == 0 || len(next.Carried) > 2 {
		t.Fatalf("carried %v, want the 1 or 2 children of the window still running", next.Carried)
	}
	env.AssertActivityNumberOfCalls(t, "CompleteInvoice", 4)

	// The next run starts after the cursor and plans nothing again.
	env2 := newEnv(t)
	env2.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B3"}).Return(model.Summary{BatchID: "B3", Invoices: 12, Completed: 4}, nil)
	env2.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B3" })).Return(nil)
	env2.OnActivity(planning.ListOpenInvoices, mock.Anything, mock.MatchedBy(func(in activities.OpenPage) bool { return in.BatchID == "B3" && in.Limit == 4 })).Return(pager(all))
	mockInvoiceSteps(env2, nil)
	next.HistoryBudget = 100000
	env2.ExecuteWorkflow(BatchWorkflow, next)
	if err := env2.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env2.AssertActivityNumberOfCalls(t, "PlanBatch", 0)
	env2.AssertActivityNumberOfCalls(t, "CompleteInvoice", 8)
	env2.AssertActivityNumberOfCalls(t, "AwaitInvoices", 1) // the carried children, followed
}

func TestRetrySignalRunsFailedInvoicesAgain(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B4"}).Return(model.Summary{BatchID: "B4", Invoices: 2, Completed: 1, Failed: 1}, nil)
	env.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B4" })).Return(nil)
	env.OnActivity(planning.PrepareRetries, mock.Anything, activities.Retries{BatchID: "B4", InvoiceIDs: []int64{2}, Date: "2026-11-24"}).Return(activities.RetriesPrepared{Count: 1}, nil).Once()
	open := []model.InvoiceRef{{ID: 2, GroupNo: 2, Customer: "C"}}
	env.OnActivity(planning.ListOpenInvoices, mock.Anything, activities.OpenPage{BatchID: "B4", AfterGroup: 0, Limit: DefaultPageSize}).Return(func(context.Context, activities.OpenPage) (activities.OpenInvoices, error) {
		still := open // the retried invoice is open until its workflow ran
		open = nil
		return page(still), nil
	})
	mockInvoiceSteps(env, nil)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, RetryRequest{InvoiceIDs: []int64{2}, Date: "2026-11-24"}) }, 0)
	env.ExecuteWorkflow(BatchWorkflow, BatchInput{BatchID: "B4", RetryOnly: true})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
	env.AssertActivityNumberOfCalls(t, "CompleteInvoice", 1)
	env.AssertActivityNumberOfCalls(t, "PlanBatch", 0)
}

func TestSealingFailureLeavesInvoiceCompletedAndUnsealed(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(invoicing.PriceInvoice, mock.Anything, activities.InvoiceStep{InvoiceID: int64(5)}).Return(activities.PriceResult{Attempt: 1}, nil)
	env.OnActivity(invoicing.DischargeStock, mock.Anything, activities.InvoiceStep{InvoiceID: int64(5), Attempt: 1}).Return(nil)
	env.OnActivity(invoicing.PostReceivable, mock.Anything, activities.InvoiceStep{InvoiceID: int64(5), Attempt: 1}).Return(nil)
	env.OnActivity(invoicing.CompleteInvoice, mock.Anything, activities.InvoiceStep{InvoiceID: int64(5), Attempt: 1}).Return(activities.CompleteResult{Series: "A", Number: 3}, nil)
	env.OnActivity(publishing.SealInvoice, mock.Anything, activities.Document{InvoiceID: int64(5)}).Return(activities.Sealed{}, businessErr(model.StepSeal, "CSD: key cannot be decrypted")).Once()
	env.ExecuteWorkflow(InvoiceWorkflow, InvoiceInput{InvoiceID: 5})
	var res InvoiceResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatalf("a sealing failure must not fail the completed invoice: %v", err)
	}
	if res.Sealed || res.Number != 3 || !strings.Contains(res.FiscalError, "cannot be decrypted") {
		t.Fatalf("result %+v", res)
	}
	env.AssertActivityNumberOfCalls(t, "FailInvoice", 0)
}

// Issue 21: an invoice workflow carried from an earlier run that does not end for 35
// minutes costs its batch one following activity — a long poll, no timer, no listing
// again — and the batch ends as soon as it does.
func TestStuckCarriedChildIsFollowedNotPolled(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(BatchWorkflow)
	env.RegisterWorkflow(PublishWorkflow)
	activities.New(nil, activities.Config{}).Register(env)
	env.SetTestTimeout(time.Minute)
	for _, fn := range []any{publishing.StampInvoices, publishing.PrintInvoices, publishing.DeliverInvoices} {
		env.OnActivity(fn, mock.Anything, mock.Anything).Return(activities.PublishResult{}, nil).Maybe()
	}
	env.OnActivity(planning.BatchSummary, mock.Anything, activities.BatchRef{BatchID: "B7"}).Return(model.Summary{BatchID: "B7", Invoices: 3, Completed: 2}, nil)
	env.OnActivity(planning.SetBatchStatus, mock.Anything, mock.MatchedBy(func(in activities.BatchStatus) bool { return in.BatchID == "B7" })).Return(nil)
	env.OnActivity(planning.ListOpenInvoices, mock.Anything, mock.MatchedBy(func(in activities.OpenPage) bool { return in.BatchID == "B7" })).Return(page(refs(3)[2:]), nil) // the stuck one is open
	env.OnActivity(planning.AwaitInvoices, mock.Anything, activities.AwaitInput{InvoiceIDs: []int64{3}}).After(35*time.Minute).
		Return(activities.AwaitResult{Ended: []activities.EndedInvoice{{InvoiceID: 3, Outcome: activities.EndedCompleted}}}, nil).Once()
	env.ExecuteWorkflow(BatchWorkflow, BatchInput{BatchID: "B7", Continued: true, Cursor: 2, Carried: []int64{3}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
	env.AssertActivityNumberOfCalls(t, "AwaitInvoices", 1)
	env.AssertActivityNumberOfCalls(t, "ListOpenInvoices", 1)
}
