package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
	"billrun/internal/rules"
)

// ReportRejectedType is the failure of a daily report DGI rejected.
const ReportRejectedType = "ReportRejected"

// DailyReportWorkflow sends a Uruguayan issuer's daily report of a day (Reporte Diario):
// it builds it from the day's CFE, signs it and holds it to DGI's schema, records it under
// the day's next sequence, sends it and keeps DGI's answer. A day with no CFE reports
// zeros. DGI unreachable, or a CFE of the day DGI has not answered yet, is retried with
// backoff (a pending activity in the Web UI, with its last error); a report DGI rejects
// fails the workflow naming DGI's reasons, kept with the report (billrun report daily).
func DailyReportWorkflow(ctx workflow.Context, in DailyReportInput) (activities.DailyReportResult, error) {
	t := in.Timeouts.withDefaults()
	req := activities.DailyReportRequest{Issuer: in.Issuer, Day: in.Day, Resend: in.Resend}
	var res activities.DailyReportResult
	if err := step(ctx, t, "Build, sign and record the day's report", reporting.PrepareDailyReport, &res, req); err != nil {
		return res, err
	}
	if res.State == activities.ReportSending {
		retry := retryTransient()
		retry.MaximumInterval = 10 * time.Minute
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 2 * time.Minute, RetryPolicy: retry,
			Summary: fmt.Sprintf("Send the report (sequence %d) to DGI", res.Sequence)})
		if err := workflow.ExecuteActivity(actx, reporting.SendDailyReport, res).Get(ctx, &res); err != nil {
			return res, err
		}
	}
	if res.State == activities.ReportRejected {
		return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("DGI rejected the daily report of %s for %s (sequence %d): %s; "+
			"fix it, then billrun report daily --date %s --issuer %s --send", res.Issuer, res.Day, res.Sequence, res.Reason, res.Day, res.Issuer),
			ReportRejectedType, nil, res)
	}
	return res, nil
}

// ScheduledDailyReportWorkflow is what an issuer's daily-report Schedule starts: it reports
// the day before its nominal time in Montevideo, by that day's DailyReportWorkflow (its
// business key: a day reported by hand meanwhile is followed, not sent twice). Then it
// revisits the RevisitWindow days before that one: each day whose report failed, DGI
// rejected or has not answered, or whose documents were recorded or stamped after DGI received it
// (contingency), is reported again by its own workflow, started and left to run.
func ScheduledDailyReportWorkflow(ctx workflow.Context, in ScheduledDailyReportInput) (activities.DailyReportResult, error) {
	nominal := workflow.Now(ctx)
	if s, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime); ok {
		nominal = s
	}
	day, err := DayBefore(nominal)
	if err != nil {
		return activities.DailyReportResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadSchedule", nil)
	}
	res, err := reportDay(ctx, in, day, false, true)
	// The revisit comes after the run's last wait of before: a run in flight replays to
	// there unchanged and goes on with it, so no version marker is needed.
	revisitDays(ctx, in, day)
	return res, err
}

// reportDay runs a day's DailyReportWorkflow as a child (abandoned when the run ends), and
// waits for its result when wait says so.
func reportDay(ctx workflow.Context, in ScheduledDailyReportInput, day string, resend, wait bool) (activities.DailyReportResult, error) {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            DailyReportWorkflowID(in.Installation, in.Issuer, day),
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:         fmt.Sprintf("Daily report of %s for %s", in.Issuer, day),
	})
	var res activities.DailyReportResult
	child := workflow.ExecuteChildWorkflow(cctx, DailyReportWorkflow, DailyReportInput{Issuer: in.Issuer, Day: day, Resend: resend, Timeouts: in.Timeouts})
	var err error
	if wait {
		err = child.Get(ctx, &res)
	} else {
		err = child.GetChildWorkflowExecution().Get(ctx, nil)
	}
	var started *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &started) {
		return activities.DailyReportResult{Issuer: in.Issuer, Day: day, State: "under way in another run"}, nil
	}
	return res, err
}

// revisitDays starts the reports of the days before day that are not settled. A day whose
// report is under way already is followed there; one that cannot start is left to the next run.
func revisitDays(ctx workflow.Context, in ScheduledDailyReportInput, day string) {
	t := in.Timeouts.withDefaults()
	var days []rules.Revisit
	req := activities.RevisitRequest{Issuer: in.Issuer, Before: day, Days: activities.RevisitWindow}
	if err := step(ctx, t, "Find the days to report again", reporting.DaysToRevisit, &days, req); err != nil {
		workflow.GetLogger(ctx).Warn("days to report again not read", "issuer", in.Issuer, "error", err)
		return
	}
	for _, d := range days {
		workflow.GetLogger(ctx).Info("reporting a day again", "issuer", in.Issuer, "day", d.Day, "why", d.Why)
		if _, err := reportDay(ctx, in, d.Day, d.Resend, false); err != nil {
			workflow.GetLogger(ctx).Warn("a day's report not started again", "issuer", in.Issuer, "day", d.Day, "error", err)
		}
	}
}

// DayBefore is the day (YYYY-MM-DD) before t in Montevideo: what a run at t reports.
func DayBefore(t time.Time) (string, error) {
	loc, err := time.LoadLocation("America/Montevideo")
	if err != nil {
		return "", err
	}
	m := t.In(loc)
	return time.Date(m.Year(), m.Month(), m.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1).Format(time.DateOnly), nil
}

// DailyReportWorkflowID is the business key of an issuer's report of a day.
func DailyReportWorkflowID(installation, issuer, day string) string {
	return prefix(installation) + "daily-report-" + issuer + "-" + day
}

// DailyReportInput asks for an issuer's report of a day (YYYY-MM-DD); Resend sends a day
// DGI received already again, with the next sequence.
type DailyReportInput struct {
	Issuer   string   `json:"issuer"`
	Day      string   `json:"day"`
	Resend   bool     `json:"resend,omitempty"`
	Timeouts Timeouts `json:"timeouts,omitempty"`
}

// ScheduledDailyReportInput is a daily-report Schedule's: the issuer whose day before each
// run is reported.
type ScheduledDailyReportInput struct {
	Installation string   `json:"installation"`
	Issuer       string   `json:"issuer"`
	Timeouts     Timeouts `json:"timeouts,omitempty"`
}

// StartDailyReport starts an issuer's report of a day, or follows the one under way; once
// ended, it starts again (resend: the next sequence even if DGI received the last).
func (c Client) StartDailyReport(ctx context.Context, issuer, day string, resend bool) (client.WorkflowRun, error) {
	return c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       DailyReportWorkflowID(c.Installation, issuer, day),
		TaskQueue:                c.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            fmt.Sprintf("Daily report of %s for %s", issuer, day),
	}, DailyReportWorkflow, DailyReportInput{Issuer: issuer, Day: day, Resend: resend, Timeouts: c.Timeouts})
}
