package activities_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"billrun/activities"
)

// A cancelled pass goes on heartbeating while it finishes the documents it has handed
// over, until it ends (stop): its publication run waits for it, and a pass that fell silent would
// be timed out by the server with an e-mail still "sending".
func TestPassHeartbeatsUntilItEndsEvenCancelled(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	var mu sync.Mutex
	var beats []string
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
		var p string
		_ = d.Get(&p)
		mu.Lock()
		beats = append(beats, p)
		mu.Unlock()
	})
	progress := func() string { return "finishing after cancel" }
	// The SDK sends the first heartbeat at once and holds later ones back (throttled to
	// 30 s here), so the pass is cancelled before its first.
	pass := func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		cancel() // the run ends and cancels the pass
		stop := activities.KeepAliveEvery(ctx, 10*time.Millisecond, progress)
		defer stop() // the pass returns
		time.Sleep(500 * time.Millisecond)
		return nil
	}
	env.RegisterActivity(pass)
	if _, err := env.ExecuteActivity(pass); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(beats, "finishing after cancel") {
		t.Errorf("no heartbeat once cancelled: %v", slices.Compact(beats))
	}
}
