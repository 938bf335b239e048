package workflows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
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
	activities.New(nil, activities.Config{}).Register(env)
	env.SetTestTimeout(time.Minute) // without the order, e-mail waits forever for printing
	var mu sync.Mutex
	stampCalls, printCalls := 0, 0
	stamped, printed, sent := false, false, false
	env.OnActivity(publishing.StampInvoices, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.Pass) (activities.PublishResult, error) {
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
	env.OnActivity(publishing.PrintInvoices, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.Pass) (activities.PublishResult, error) {
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
	env.OnActivity(publishing.DeliverInvoices, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.Pass) (activities.PublishResult, error) {
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

// fakeBatch is a batch's invoices as the publication's activities see them: each is open
// (being billed), failed, sealed, stamped, printed or sent.
type fakeBatch struct {
	mu    sync.Mutex
	state map[int64]string
	calls map[string]int
}

func newFakeBatch(n int, failed ...int64) *fakeBatch {
	b := &fakeBatch{state: map[int64]string{}, calls: map[string]int{}}
	for id := int64(1); id <= int64(n); id++ {
		b.state[id] = "sealed"
	}
	for _, id := range failed {
		b.state[id] = "failed"
	}
	return b
}

func (b *fakeBatch) set(id int64, s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state[id] = s
}

func (b *fakeBatch) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, v := range b.state {
		if v == s {
			n++
		}
	}
	return n
}

// pass moves up to limit invoices from one state to the next, in id order, as a stage's
// activity does, and counts what may still need this stage as the store does: invoices
// open, or in this stage's state or one before it.
func (b *fakeBatch) pass(name, from, to string) func(context.Context, activities.Pass) (activities.PublishResult, error) {
	upstream := map[string][]string{"sealed": {"open", "sealed"}, "stamped": {"open", "sealed", "stamped"},
		"pdf": {"open", "sealed", "stamped", "pdf"}}[from]
	return func(_ context.Context, in activities.Pass) (activities.PublishResult, error) {
		limit := in.Limit
		b.mu.Lock()
		defer b.mu.Unlock()
		b.calls[name]++
		var res activities.PublishResult
		for id := int64(1); id <= int64(len(b.state)) && res.Processed < limit; id++ {
			if b.state[id] == from {
				b.state[id] = to
				res.Processed++
			}
		}
		for _, v := range b.state {
			if slices.Contains(upstream, v) {
				res.Remaining++
			}
		}
		return res, nil
	}
}

func publishEnv(t *testing.T, b *fakeBatch, mailTakes time.Duration) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(PublishWorkflow)
	activities.New(nil, activities.Config{}).Register(env)
	env.SetTestTimeout(time.Minute)
	env.OnActivity(publishing.StampInvoices, mock.Anything, mock.Anything).After(2 * time.Second).Return(b.pass("stamp", "sealed", "stamped"))
	env.OnActivity(publishing.PrintInvoices, mock.Anything, mock.Anything).After(5 * time.Second).Return(b.pass("print", "stamped", "pdf"))
	env.OnActivity(publishing.DeliverInvoices, mock.Anything, mock.Anything).After(mailTakes).Return(b.pass("mail", "pdf", "sent"))
	return env
}

// Issue 21: an invoice retried while publication is stamping, printing or e-mailing the
// others (its stamping pass had found it failed) is told to every stage and published in
// the same run, which then ends: none waits on a stage that has ended.
func TestPublishTakesAnInvoiceRetriedAtAnyStage(t *testing.T) {
	for _, at := range []time.Duration{time.Second, 3 * time.Second, 10 * time.Second, 45 * time.Second, 2 * time.Minute} {
		t.Run(at.String(), func(t *testing.T) {
			b := newFakeBatch(160, 7)
			env := publishEnv(t, b, 30*time.Second) // e-mail is slow: 50 invoices a 30 s pass
			env.RegisterDelayedCallback(func() {
				b.set(7, "sealed") // retried, completed and sealed: its sealing wakes publication
				env.SignalWorkflow(SignalPublish, nil)
			}, at)
			env.ExecuteWorkflow(PublishWorkflow, PublishInput{BatchID: "B1"})
			if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
				t.Fatalf("publication: completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
			}
			if n := b.count("sent"); n != 160 {
				t.Fatalf("%d of 160 sent; invoice 7 is %s", n, b.state[7])
			}
		})
	}
}

// While invoices of the batch are still being billed, an idle publication waits to be told:
// it runs no pass until a sealed invoice wakes it (or, as a safety net, every
// publishRecheck), and it ends once nothing is left.
func TestPublishIdleWaitsForASignalNotAPoll(t *testing.T) {
	b := newFakeBatch(3)
	for id := int64(1); id <= 3; id++ {
		b.state[id] = "open"
	}
	env := publishEnv(t, b, time.Second)
	var before map[string]int
	env.RegisterDelayedCallback(func() {
		b.mu.Lock()
		before = map[string]int{"stamp": b.calls["stamp"], "print": b.calls["print"], "mail": b.calls["mail"]}
		b.mu.Unlock()
		for id := int64(1); id <= 3; id++ {
			b.set(id, "sealed")
		}
		env.SignalWorkflow(SignalPublish, nil)
	}, 35*time.Minute)
	env.ExecuteWorkflow(PublishWorkflow, PublishInput{BatchID: "B1"})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("publication: completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	if b.count("sent") != 3 {
		t.Fatalf("sent %d of 3", b.count("sent"))
	}
	// 35 idle minutes: the first look and three safety looks, one pass per stage each.
	for stage, n := range before {
		if n > 4 {
			t.Errorf("%s: %d passes in 35 idle minutes, want at most 4", stage, n)
		}
	}
}

// A publication whose history passes its budget continues as new (in the test environment,
// a very long idle wait with the batch still open suggests nothing: the budget is checked
// in the loop that every wake-up and every pass goes through).
func TestPublishEndsWhenNothingIsLeft(t *testing.T) {
	b := newFakeBatch(0)
	env := publishEnv(t, b, time.Second)
	env.ExecuteWorkflow(PublishWorkflow, PublishInput{BatchID: "B1"})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("publication: completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	for _, stage := range []string{"stamp", "print", "mail"} {
		if b.calls[stage] != 1 {
			t.Errorf("%s: %d passes, want 1 look", stage, b.calls[stage])
		}
	}
}

// Invoices a stamping pass counts ready as it ends (their seals may have told nobody) are
// stamped by one more pass; invoices a pass finds ready and does not take are looked at
// once more while the batch is still being billed (something holds them: the next seal
// wakes it), a few times more once it is not — never in a loop.
func TestPublishLooksAgainForWhatWasSealedAsAPassEnded(t *testing.T) {
	for _, c := range []struct {
		name   string
		passes []activities.PublishResult
		want   int
	}{
		{"sealed as the pass ended", []activities.PublishResult{{Ready: 1, Remaining: 1}, {Processed: 1}}, 2},
		{"ready but not taken while billing", []activities.PublishResult{{Ready: 1, Remaining: 2}, {Ready: 1, Remaining: 2}, {Ready: 1, Remaining: 2}}, 2},
		{"ready but never taken, all billed", []activities.PublishResult{{Ready: 1, Remaining: 1}, {Ready: 1, Remaining: 1},
			{Ready: 1, Remaining: 1}, {Ready: 1, Remaining: 1}, {Ready: 1, Remaining: 1}, {Ready: 1, Remaining: 1}}, 1 + publishEmptyPasses},
		{"taken, more ready", []activities.PublishResult{{Processed: 2, Ready: 1, Remaining: 1}, {Processed: 1}}, 2},
	} {
		env := passEnv()
		var mu sync.Mutex
		calls := 0
		env.OnActivity(publishing.StampInvoices, mock.Anything, mock.Anything).Return(
			func(context.Context, activities.Pass) (activities.PublishResult, error) {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if calls <= len(c.passes) {
					return c.passes[calls-1], nil
				}
				return activities.PublishResult{}, nil
			})
		env.OnActivity(publishing.PrintInvoices, mock.Anything, mock.Anything).Return(activities.PublishResult{}, nil)
		env.OnActivity(publishing.DeliverInvoices, mock.Anything, mock.Anything).Return(activities.PublishResult{}, nil)
		env.ExecuteWorkflow(PublishWorkflow, PublishInput{BatchID: "B1"})
		if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
			t.Fatalf("%s: completed %v, error %v", c.name, env.IsWorkflowCompleted(), env.GetWorkflowError())
		}
		if calls != c.want {
			t.Errorf("%s: %d stamping passes, want %d", c.name, calls, c.want)
		}
	}
}

// While invoices of the batch are still being billed, passes wait publishGather before
// they look, so each takes what became ready meanwhile; once none is, they look at once.
func TestPublishPassesGatherWhileBilling(t *testing.T) {
	for _, c := range []struct {
		name  string
		stamp activities.PublishResult // stamping's first pass: what it counted
		// later is what stamping's later passes count: the same state of billing, so which
		// of them ends before printing's second pass starts does not matter (it did: the
		// test failed about one run in eight).
		later activities.PublishResult
		want  time.Duration // printing's pass waits
	}{
		{"invoices still being billed", activities.PublishResult{Processed: 1, Remaining: 3, Ready: 1}, activities.PublishResult{Remaining: 2}, publishGather},
		{"all billed", activities.PublishResult{Processed: 1, Remaining: 1, Ready: 1}, activities.PublishResult{}, 0},
	} {
		env := passEnv()
		var mu sync.Mutex
		var stamps, prints []time.Duration
		env.OnActivity(publishing.StampInvoices, mock.Anything, mock.Anything).Return(
			func(_ context.Context, in activities.Pass) (activities.PublishResult, error) {
				mu.Lock()
				defer mu.Unlock()
				stamps = append(stamps, in.Gather)
				if len(stamps) == 1 {
					return c.stamp, nil
				}
				return c.later, nil
			})
		env.OnActivity(publishing.PrintInvoices, mock.Anything, mock.Anything).Return(
			func(_ context.Context, in activities.Pass) (activities.PublishResult, error) {
				mu.Lock()
				defer mu.Unlock()
				prints = append(prints, in.Gather)
				return activities.PublishResult{}, nil
			})
		env.OnActivity(publishing.DeliverInvoices, mock.Anything, mock.Anything).Return(activities.PublishResult{}, nil)
		env.ExecuteWorkflow(PublishWorkflow, PublishInput{BatchID: "B1"})
		if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
			t.Fatalf("%s: completed %v, error %v", c.name, env.IsWorkflowCompleted(), env.GetWorkflowError())
		}
		if len(stamps) == 0 || stamps[0] != 0 {
			t.Errorf("%s: stamping's first pass waited %v, want none (nothing counted yet)", c.name, stamps)
		}
		if len(prints) < 2 || prints[len(prints)-1] != c.want {
			t.Errorf("%s: printing's passes waited %v, the last after stamping counted want %v", c.name, prints, c.want)
		}
	}
}

// passEnv is a test environment for PublishWorkflow with the activities registered (each
// test mocks the passes), bounded to a minute.
func passEnv() *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(PublishWorkflow)
	activities.New(nil, activities.Config{}).Register(env)
	env.SetTestTimeout(time.Minute)
	return env
}

// An operator who cancels a publication run (Web UI, `temporal workflow cancel`) ends it
// as cancelled, whether it idles with invoices still being billed or runs a pass: it does
// not loop on its cancelled waits. The batch starts a new run when it next seals one.
func TestPublishCancelledByAnOperatorEnds(t *testing.T) {
	for _, c := range []struct {
		name     string
		at       time.Duration
		mailTake time.Duration
	}{
		{"idle", 5 * time.Minute, time.Second},
		{"during a pass", 10 * time.Second, 5 * time.Minute},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newFakeBatch(3)
			if c.name == "idle" {
				b.state[1] = "open" // still being billed: the run idles
			}
			env := publishEnv(t, b, c.mailTake)
			env.RegisterDelayedCallback(env.CancelWorkflow, c.at)
			env.ExecuteWorkflow(PublishWorkflow, PublishInput{BatchID: "B1"})
			if !env.IsWorkflowCompleted() {
				t.Fatal("publication did not end once cancelled")
			}
			err := env.GetWorkflowError()
			var cancelled *temporal.CanceledError
			if !errors.As(err, &cancelled) {
				t.Fatalf("publication ended with %v, want cancelled", err)
			}
			var why string
			if err := cancelled.Details(&why); err != nil || !strings.Contains(why, "billrun batch resume B1") {
				t.Errorf("a cancelled publication says %q (%v), want how to start it again", why, err)
			}
		})
	}
}
