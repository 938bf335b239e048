package workflows

import (
	"testing"

	"go.temporal.io/sdk/worker"
)

// Histories recorded from real bill runs on the dev server (the demo dataset: one invoice
// failed for stock, then was retried). Replaying them against today's code catches any
// change that would break determinism for batches already in flight.
func TestReplayRecordedHistories(t *testing.T) {
	for _, f := range []string{
		"testdata/batch-history.json",
		"testdata/batch-retry-history.json",
		"testdata/invoice-retried-history.json",
	} {
		t.Run(f, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(BatchWorkflow)
			r.RegisterWorkflow(InvoiceWorkflow)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
