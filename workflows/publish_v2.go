package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// The pace of publishV2: the pause between passes that found nothing ready (it doubles up to
// the maximum while the batch's invoices are still running).
const (
	publishIdleMin = 200 * time.Millisecond
	publishIdleMax = 2 * time.Second
)

// publishV2 is the publication as it ran before publish-signalled: three stages polling
// their activity until each found nothing left, the wake-up signal read only at the end. It
// stays for the histories it recorded; it could wait forever on an invoice retried after
// its stamping stage had ended.
func publishV2(ctx workflow.Context, in PublishInput) error {
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
					if err := workflow.ExecuteActivity(actx, fn, activities.Pass{BatchID: in.BatchID, Limit: publishChunk}).Get(g, &res); err != nil {
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
			stage("Stamp sealed invoices (PAC)", 5*time.Minute, publishing.StampInvoices)
			stage("Print stamped invoices", 5*time.Minute, publishing.PrintInvoices)
		} else {
			stage("Print sealed invoices", 5*time.Minute, publishing.PrintInvoices)
		}
		stage("E-mail printed invoices", t.Delivery, publishing.DeliverInvoices)
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
