package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// Publication's pace: invoices per activity pass, and the pause between passes that found
// nothing ready (it doubles up to the maximum while the batch's invoices are still running).
const (
	publishChunk   = 50
	publishIdleMin = 200 * time.Millisecond
	publishIdleMax = 2 * time.Second
	// publishBudget is where a publication run continues as new.
	publishBudget = 4000
)

// PublishWorkflow stamps, prints and e-mails a batch's sealed invoices, apart from the
// invoices' own workflows: a PAC or mail server that is down never holds the batch's window,
// its numbering or a schedule waiting for it. Stamping, printing and delivery run side by
// side, each pass an activity over up to publishChunk invoices; a pass that meets its
// server down retries with backoff, visible in the Web UI. The workflow ends when nothing of the batch
// is left to publish, and the batch wakes it (or starts it again) when more may be ready.
func PublishWorkflow(ctx workflow.Context, in PublishInput) error {
	t := in.Timeouts.withDefaults()
	wake := workflow.GetSignalChannel(ctx, SignalPublish)
	// Runs recorded before stamping existed printed sealed documents; new runs stamp first.
	stamping := workflow.GetVersion(ctx, "publish-stamp", workflow.DefaultVersion, 1) == 1
	// A stage that finds nothing left may still get work from the stage before it (an
	// invoice retried while this run began was counted by stamping, not by printing, and
	// printing had ended): since this version a stage ends only once the one before it has.
	inOrder := workflow.GetVersion(ctx, "publish-stages-end-in-order", workflow.DefaultVersion, 1) == 1
	for {
		stop, running := false, 0
		var failure error
		var before *bool // the previous stage has ended
		stage := func(summary string, timeout time.Duration, fn any) {
			running++
			upstream, ended := before, new(bool)
			before = ended
			workflow.Go(ctx, func(g workflow.Context) {
				defer func() { running--; *ended = true }()
				// A PAC or mail server that is down is tried again at least every 15 s, so
				// documents go out soon after it is back.
				retry := retryTransient()
				retry.MaximumInterval = 15 * time.Second
				actx := workflow.WithActivityOptions(g, workflow.ActivityOptions{
					StartToCloseTimeout: timeout,
					HeartbeatTimeout:    2 * time.Minute,
					RetryPolicy:         retry,
					Summary:             summary,
				})
				idle := publishIdleMin
				for !stop {
					var res activities.PublishResult
					if err := workflow.ExecuteActivity(actx, fn, in.BatchID, publishChunk).Get(g, &res); err != nil {
						failure = err
						return
					}
					switch {
					case res.Processed > 0:
						idle = publishIdleMin
					case res.Remaining == 0 && (!inOrder || upstream == nil || *upstream):
						return
					default:
						_ = workflow.Sleep(g, idle)
						idle = min(2*idle, publishIdleMax)
					}
				}
			})
		}
		if stamping {
			stage("Stamp sealed invoices (PAC)", 5*time.Minute, a.StampInvoices)
			stage("Print stamped invoices", 5*time.Minute, a.PrintInvoices)
		} else {
			stage("Print sealed invoices", 5*time.Minute, a.PrintInvoices)
		}
		stage("E-mail printed invoices", t.Delivery, a.DeliverInvoices)
		due := func() bool {
			info := workflow.GetInfo(ctx)
			return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > publishBudget
		}
		_ = workflow.Await(ctx, func() bool { return running == 0 || due() })
		stop = true
		_ = workflow.Await(ctx, func() bool { return running == 0 })
		if failure != nil {
			return failure
		}
		woken := false
		for wake.ReceiveAsync(nil) {
			woken = true
		}
		if due() {
			return workflow.NewContinueAsNewError(ctx, PublishWorkflow, in)
		}
		if !woken {
			return nil
		}
	}
}
