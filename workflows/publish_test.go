package workflows

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"billrun/activities"
)

// An invoice retried as a publication run begins is counted by stamping but not by
// printing, which looked first (it was still failed): printing and e-mail wait for the
// stages before them to end, so the run stamps, prints and sends it before it ends.
func TestPublishStagesEndInOrder(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(PublishWorkflow)
	env.RegisterActivity(&activities.Activities{})
	env.SetTestTimeout(time.Minute) // without the order, e-mail waits forever for printing
	var mu sync.Mutex
	stampCalls, printCalls := 0, 0
	stamped, printed, sent := false, false, false
	env.OnActivity(a.StampInvoices, mock.Anything, mock.Anything, mock.Anything).Return(
		func(context.Context, string, int) (activities.PublishResult, error) {
			mu.Lock()
			defer mu.Unlock()
			stampCalls++
			switch {
			case stampCalls == 1:
				return activities.PublishResult{Remaining: 1}, nil // the retried invoice is still running
			case !stamped:
				stamped = true
				return activities.PublishResult{Processed: 1}, nil
			}
			return activities.PublishResult{}, nil
		})
	env.OnActivity(a.PrintInvoices, mock.Anything, mock.Anything, mock.Anything).Return(
		func(context.Context, string, int) (activities.PublishResult, error) {
			mu.Lock()
			defer mu.Unlock()
			printCalls++
			switch {
			case printCalls == 1:
				return activities.PublishResult{}, nil // looked while the invoice was still failed
			case stamped && !printed:
				printed = true
				return activities.PublishResult{Processed: 1}, nil
			case printed:
				return activities.PublishResult{}, nil
			}
			return activities.PublishResult{Remaining: 1}, nil
		})
	env.OnActivity(a.DeliverInvoices, mock.Anything, mock.Anything, mock.Anything).Return(
		func(context.Context, string, int) (activities.PublishResult, error) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case printed && !sent:
				sent = true
				return activities.PublishResult{Processed: 1}, nil
			case sent:
				return activities.PublishResult{}, nil
			}
			return activities.PublishResult{Remaining: 1}, nil
		})
	env.ExecuteWorkflow(PublishWorkflow, PublishInput{BatchID: "B1"})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("publication: completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	mu.Lock()
	defer mu.Unlock()
	if !stamped || !printed || !sent {
		t.Fatalf("stamped %v, printed %v, sent %v: the retried invoice must be published in this run", stamped, printed, sent)
	}
}
