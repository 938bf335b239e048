package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"billrun/internal/model"
	"billrun/workflows"
)

// montevideo is where a daily-report Schedule runs and whose days it reports.
const montevideo = "America/Montevideo"

// defaultReportCron is when a daily-report Schedule runs by default: 02:00 in Montevideo,
// once the day before has ended and its CFE have been answered.
const defaultReportCron = "0 2 * * *"

// createDailyReport creates a Uruguayan issuer's daily-report Schedule: each run sends DGI
// the report of the day before its nominal time in Montevideo.
func (f *scheduleFlags) createDailyReport(cmd *cobra.Command, a *app, name string) error {
	ctx := cmd.Context()
	var probs []string
	if name == "" || strings.ContainsAny(name, " /") {
		probs = append(probs, fmt.Sprintf("NAME: %q must be a word without spaces or slashes", name))
	}
	for _, flag := range []string{"plans", "installments", "every", "period", "grouping", "series", "template"} {
		if cmd.Flags().Changed(flag) {
			probs = append(probs, fmt.Sprintf("--%s: not with --daily-report (it reports a day, it bills nothing)", flag))
		}
	}
	if f.timeZone != "" && f.timeZone != montevideo {
		probs = append(probs, fmt.Sprintf("--time-zone: a daily report runs on Montevideo's days (%s), not %s", montevideo, f.timeZone))
	}
	if f.cron == "" {
		f.cron = defaultReportCron
	}
	if len(probs) > 0 {
		return &model.InputError{Problems: probs}
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	d := dailyFlags{issuer: f.issuer}
	if err := d.pickIssuer(ctx, st); err != nil {
		return err
	}
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	id := workflows.ScheduleID(wc.Installation, name)
	_, err = wc.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:     id,
		Spec:   client.ScheduleSpec{CronExpressions: []string{f.cron}, TimeZoneName: montevideo},
		Paused: f.paused,
		// Runs overlap: a day whose CFE still wait for DGI's answer never holds back the
		// next days' reports (DGI wants one every day); each run reports its own day, in a
		// workflow of that day's own ID. Runs missed while Temporal was down are caught up.
		Overlap:       enums.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
		CatchupWindow: 31 * 24 * time.Hour,
		Memo:          map[string]any{"cron": f.cron},
		Note:          fmt.Sprintf("billrun: DGI's daily report of %s, each run the day before's", d.issuer),
		Action: &client.ScheduleWorkflowAction{
			ID: strings.Replace(id, "-schedule-", "-scheduled-", 1), Workflow: workflows.ScheduledDailyReportWorkflow,
			Args:      []any{workflows.ScheduledDailyReportInput{Installation: wc.Installation, Issuer: d.issuer}},
			TaskQueue: a.cfg.TaskQueue, StaticSummary: fmt.Sprintf("Daily report of %s to DGI (%s)", d.issuer, name),
		},
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return &model.InputError{Problems: []string{fmt.Sprintf("NAME: schedule %q exists already", name)}}
	}
	if err != nil {
		return err
	}
	return a.emit(map[string]any{"schedule": name, "id": id, "source": "daily_report", "issuer": d.issuer, "cron": f.cron, "time_zone": montevideo}, func() {
		fmt.Fprintf(a.out, "schedule %s created: DGI's daily report of %s, %q in Montevideo, each run the day before's (id %s)\n", name, d.issuer, f.cron, id)
	})
}
