package workflows

import (
	"errors"
	"time"
	_ "time/tzdata" // a schedule's time zone resolves the same on every worker

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/internal/rules"
)

// scheduledStartTime is the nominal time Temporal gives a scheduled (or backfilled) start.
var scheduledStartTime = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// ScheduledRunWorkflow derives its billing period from the schedule's nominal time, records
// that period's batch (once: the batch id is made of schedule and period) and runs it as a
// child batch workflow. Triggered twice, backfilled over a billed period or retried, it
// bills nothing twice: the batch and its workflow exist already, and the sources it would
// take are claimed by then. A run held back behind a running one (the schedule buffers
// overlapping runs) bills its own nominal period when it starts, so no period is lost.
func ScheduledRunWorkflow(ctx workflow.Context, in ScheduledRunInput) (model.Summary, error) {
	v := workflow.GetVersion(ctx, "scheduled-v2", workflow.DefaultVersion, 1)
	opts := v1ActivityOptions(ctx)
	if v != workflow.DefaultVersion {
		opts = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: defaultStepTimeout, RetryPolicy: retryTransient()})
	}
	nominal := workflow.Now(ctx)
	if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime); ok {
		nominal = t
	}
	today := workflow.Now(ctx).UTC()
	if v != workflow.DefaultVersion && in.TimeZone != "" {
		// The period is the day, week or month before the nominal time where the schedule
		// is, and the invoices are dated today there (the issuer's zone by default).
		loc, err := time.LoadLocation(in.TimeZone)
		if err != nil {
			return model.Summary{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadSchedule", nil)
		}
		nominal, today = nominal.In(loc), today.In(loc)
	}
	period, err := rules.PeriodBefore(nominal, in.Period)
	if err != nil {
		return model.Summary{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadSchedule", nil)
	}
	req := model.ScheduledBatch{Schedule: in.Schedule, Source: in.Source, Grouping: in.Grouping, Series: in.Series, Template: in.Template,
		PeriodFrom: period.From.Format(time.DateOnly), PeriodTo: period.To.Format(time.DateOnly),
		InvoiceDate: today.Format(time.DateOnly)}
	var created activities.ScheduledBatchID
	if err := workflow.ExecuteActivity(opts, planning.CreateScheduledBatch, req).Get(ctx, &created); err != nil {
		return model.Summary{}, err
	}
	batchID := created.BatchID
	installation := ""
	if v != workflow.DefaultVersion {
		installation = in.Installation
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            BatchWorkflowID(installation, batchID),
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrBatchID.ValueSet(batchID), AttrBatchStatus.ValueSet("created")),
		StaticSummary:         "Scheduled bill run " + batchID,
	})
	var sum model.Summary
	err = workflow.ExecuteChildWorkflow(cctx, BatchWorkflow, BatchInput{BatchID: batchID, Installation: installation}).Get(ctx, &sum)
	var started *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &started) {
		// This period's batch ran (or runs) already: report it, bill nothing.
		err = workflow.ExecuteActivity(opts, planning.BatchSummary, activities.BatchRef{BatchID: batchID}).Get(ctx, &sum)
	}
	return sum, err
}
