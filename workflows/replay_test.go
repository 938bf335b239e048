package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
)

// Histories recorded from real bill runs on the dev server (the demo dataset: one invoice
// failed for stock, then was retried), v0 before fiscal output, v1 with it. Replaying them
// against today's code catches any change that would break batches already in flight.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/v*.json")
	if err != nil || len(files) < 6 {
		t.Fatalf("recorded histories: %v %v", files, err)
	}
	for _, f := range files {
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
