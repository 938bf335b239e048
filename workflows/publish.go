package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

const (
	// publishChunk is how many invoices one pass of a stage takes.
	publishChunk = 50
	// publishBudget is where a publication run continues as new.
	publishBudget = 4000
	// publishGather is how long a pass waits before it looks while the batch's invoices are
	// still being billed, so a pass takes tens of documents, not one or two.
	publishGather = time.Second
	// publishEmptyPasses bounds the stamping passes in a row that look again for documents
	// counted ready and take none (see the stage loop).
	publishEmptyPasses = 3
	// publishRecheck is how long an idle publication whose batch still has invoices being
	// billed waits for a wake-up before it looks again on its own (a safety net: an
	// invoice sealed while it waits to be told wakes it).
	publishRecheck = 10 * time.Minute
)

// PublishWorkflow stamps, prints and e-mails a batch's sealed invoices, apart from the
// invoices' own workflows: a PAC or mail server that is down never holds the batch's window,
// its numbering or a schedule waiting for it. Stamping, printing and e-mail are stages that
// run side by side, each pass an activity over up to publishChunk invoices; a pass that
// meets its server down retries with backoff, visible in the Web UI.
//
// It is told, not polling: an invoice sealed signals it ("publish"), or starts it again
// when it has ended — not each one: only the first sealed since its stamping last counted
// what is ready (batches.publication_told; stamping then looks again for what it counted) —
// and a stage that processed documents hands the next stage work. A stage
// with nothing to do sleeps until it is told, and the run ends when nothing of its batch is
// open or waiting to be published. A wake-up reaches every stage whatever it is doing, so
// an invoice retried, resealed or restamped while the others are still being e-mailed is
// published in the same run.
func PublishWorkflow(ctx workflow.Context, in PublishInput) error {
	if workflow.GetVersion(ctx, "publish-signalled", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return publishV2(ctx, in)
	}
	t := in.Timeouts.withDefaults()
	p := &publication{ctx: ctx, in: in}
	// The batch's stamped, printed and mailed counts, in the Web UI as passes go.
	p.counts = workflow.GetVersion(ctx, "publish-counts", workflow.DefaultVersion, 1) == 1
	// A run ends once the passes it cancels have stopped (runs from before ended at once).
	p.waitPasses = workflow.GetVersion(ctx, "publish-wait-passes", workflow.DefaultVersion, 1) == 1
	stamp := p.stage("stamping", "Stamp sealed invoices (PAC or DGI)", 5*time.Minute, publishing.StampInvoices)
	printing := p.stage("printing", "Print stamped invoices", 5*time.Minute, publishing.PrintInvoices)
	mail := p.stage("e-mail", "E-mail printed invoices", t.Delivery, publishing.DeliverInvoices)
	stamp.next, printing.next = printing, mail
	mail.last = true

	wake := workflow.GetSignalChannel(ctx, SignalPublish)
	due := func() bool {
		info := workflow.GetInfo(ctx)
		return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > publishBudget
	}
	p.tell() // a new run looks at everything once
	for {
		err := workflow.Await(ctx, func() bool { return p.failure != nil || wake.Len() > 0 || due() || p.idle() })
		switch {
		case err != nil: // cancelled by an operator (a wait on a cancelled context returns at once)
			return p.end(err)
		case p.failure != nil:
			return p.end(p.failure)
		case wake.Len() > 0:
			for wake.ReceiveAsync(nil) {
			}
			p.tell()
			continue
		case due():
			return p.end(workflow.NewContinueAsNewError(ctx, PublishWorkflow, in))
		}
		if p.remaining == 0 {
			workflow.SetCurrentDetails(ctx, "Published: nothing of the batch is left to stamp, print or e-mail.")
			return p.end(nil)
		}
		// Invoices of the batch are still being billed: the first sealed wakes this run.
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("Idle: %d invoices of batch %s are still being billed or published; "+
			"the next one sealed wakes this workflow.", p.remaining, in.BatchID))
		woken, err := workflow.AwaitWithTimeout(ctx, publishRecheck, func() bool { return wake.Len() > 0 || due() })
		if err != nil { // cancelled by an operator
			return p.end(err)
		}
		if !woken {
			p.tell()
		}
	}
}

// publication is one run of a batch's publication.
type publication struct {
	ctx     workflow.Context
	in      PublishInput
	stages  []*publishStage
	cancels []workflow.CancelFunc // each stage's pass, cancelled when the run ends
	stop    bool
	failure error
	// remaining is what the last e-mail pass counted as not yet e-mailed: invoices still
	// open, sealed, stamped or printed.
	remaining int
	counts    bool // upsert each stage's count of done documents
	// waitPasses: ending, the run waits until the passes it cancels have stopped (end).
	waitPasses bool
	// billing: invoices of the batch were still being billed when stamping last counted;
	// passes then gather (publishGather).
	billing bool
}

// publishStage is stamping, printing or e-mail: told when it may have work, busy while a
// pass runs.
type publishStage struct {
	told, busy, last bool
	empty            int // passes in a row that took nothing since the stage was last woken
	next             *publishStage
	name             string // stamping, printing, e-mail: for the Web UI's details
	left             int    // what its last pass counted as left (-1: no pass yet)
	done             int    // the batch's documents past this stage, as its last pass counted
}

// tell marks every stage as having work to look for.
func (p *publication) tell() {
	for _, s := range p.stages {
		s.told, s.empty = true, 0
	}
}

// idle: no stage is running a pass or has been told to run one.
func (p *publication) idle() bool {
	for _, s := range p.stages {
		if s.told || s.busy {
			return false
		}
	}
	return true
}

// end stops the stages, cancelling a pass under way — one retrying while its server is
// down would otherwise hold continue-as-new for as long as the outage lasts; a pass is
// idempotent, so the next run's takes its documents on — waits until each has stopped
// (it hears of the cancellation at its next heartbeat, within 5 s: the worker's
// MaxHeartbeatThrottleInterval), then ends the run with err. A run an operator cancelled
// (Web UI, `temporal workflow cancel`) ends cancelled, not continued as new, saying how to
// start publication again; nothing is lost meanwhile: the next invoice of the batch sealed
// or retried, or `billrun batch resume`, starts it.
func (p *publication) end(err error) error {
	p.stop = true
	for _, cancel := range p.cancels {
		cancel()
	}
	// Disconnected: a cancelled run waits for its passes too.
	wait, _ := workflow.NewDisconnectedContext(p.ctx)
	_ = workflow.Await(wait, func() bool {
		for _, s := range p.stages {
			if s.busy {
				return false
			}
		}
		return true
	})
	if err != nil && p.ctx.Err() != nil {
		why := fmt.Sprintf("Cancelled: `billrun batch resume %s` starts publication again "+
			"(so does the next invoice of the batch sealed or retried).", p.in.BatchID)
		workflow.SetCurrentDetails(p.ctx, why)
		return temporal.NewCanceledError(why)
	}
	return err
}

// stage starts a stage's loop: while told, run a pass; a pass that processed documents
// tells the stages after it (what is left to publish is counted again), and itself again
// when it took a full chunk.
func (p *publication) stage(name, summary string, timeout time.Duration, fn any) *publishStage {
	s := &publishStage{name: name, left: -1}
	p.stages = append(p.stages, s)
	sctx, cancel := workflow.WithCancel(p.ctx)
	p.cancels = append(p.cancels, cancel)
	workflow.Go(sctx, func(g workflow.Context) {
		// A PAC or mail server that is down is tried again at least every 15 s, so
		// documents go out soon after it is back.
		retry := retryTransient()
		retry.MaximumInterval = 15 * time.Second
		actx := workflow.WithActivityOptions(g, workflow.ActivityOptions{
			StartToCloseTimeout: timeout,
			HeartbeatTimeout:    30 * time.Second, // a pass heartbeats every 5 s: a worker that dies is noticed soon
			// A run ends only once a pass it cancels has stopped: the next run's pass would
			// otherwise find e-mails the old one is still handing over, and record them as
			// uncertain (seen in a 20,000-invoice run: 2 of them).
			WaitForCancellation: p.waitPasses,
			RetryPolicy:         retry,
			Summary:             summary,
		})
		for {
			_ = workflow.Await(g, func() bool { return s.told || p.stop })
			if p.stop || g.Err() != nil { // g.Err: the run was cancelled
				return
			}
			s.told, s.busy = false, true
			p.details()
			var res activities.PublishResult
			pass := activities.Pass{BatchID: p.in.BatchID, Limit: publishChunk}
			if p.billing {
				pass.Gather = publishGather
			}
			err := workflow.ExecuteActivity(actx, fn, pass).Get(g, &res)
			s.busy = false
			if p.stop {
				return // cancelled as the run ends
			}
			if err != nil {
				p.failure = err
				return
			}
			if s.last {
				p.remaining = res.Remaining
			}
			if s == p.stages[0] { // stamping counts open invoices and those ready to stamp
				p.billing = res.Remaining > res.Ready
			}
			s.left = res.Remaining
			if p.counts && res.Done != s.done {
				s.done = res.Done
				_ = workflow.UpsertTypedSearchAttributes(g, AttrPublished.ValueSet(p.published()))
			}
			p.details()
			for next := s.next; res.Processed > 0 && next != nil; next = next.next {
				next.told = true
			}
			// Documents a stamping pass counted ready as it ended (their seals may have told
			// nobody: see Store.TellPublication) are looked for again — after a pass that took
			// some, after the first that took none, and, once nothing of the batch is being
			// billed (nothing holds them back), up to publishEmptyPasses in a row that take
			// none; more waits for whoever tells the stage next.
			if res.Processed > 0 {
				s.empty = 0
			} else {
				s.empty++
			}
			billed := res.Remaining == res.Ready // none open (nor being cancelled) beside them
			again := res.Ready > 0 && (s.empty <= 1 || billed && s.empty <= publishEmptyPasses)
			if again || res.Processed >= publishChunk {
				s.told = true
			}
		}
	})
	return s
}

// details tells the Web UI where publication stands and what a pass under way means: one
// that takes long is retrying a PAC, DGI or mail server that is down (its pending
// activity shows the last error; billrun batch status ID says it too).
func (p *publication) details() {
	var parts []string
	for _, s := range p.stages {
		switch {
		case s.busy:
			parts = append(parts, s.name+": pass under way")
		case s.left >= 0:
			parts = append(parts, fmt.Sprintf("%s: %d left", s.name, s.left))
		}
	}
	workflow.SetCurrentDetails(p.ctx, fmt.Sprintf("Publishing batch %s — %s. A pass that lasts is retrying its server "+
		"(see the pending activity's last error, or `billrun batch status %s`).", p.in.BatchID, strings.Join(parts, "; "), p.in.BatchID))
}

// published is the batch's publication as the Web UI's column shows it.
func (p *publication) published() string {
	parts := make([]string, len(p.stages))
	for i, s := range p.stages {
		verb := map[string]string{"stamping": "stamped", "printing": "printed", "e-mail": "mailed"}[s.name]
		parts[i] = fmt.Sprintf("%s %d", verb, s.done)
	}
	return strings.Join(parts, " · ")
}
