package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/workflows"
)

// scheduleFlags are what schedule create is told; check fills in the period and the time
// zone left out.
type scheduleFlags struct {
	plans, installments, paused, dailyReport                          bool
	cron, every, period, grouping, series, timeZone, template, issuer string
}

// check reads the flags into the Schedule's source and timing, naming every problem in one
// input error so the user mends them all at once.
func (f *scheduleFlags) check(ctx context.Context, a *app, name string) (string, client.ScheduleSpec, error) {
	var probs []string
	if name == "" || strings.ContainsAny(name, " /") {
		probs = append(probs, fmt.Sprintf("NAME: %q must be a word without spaces or slashes", name))
	}
	source, sprobs := f.source()
	spec, interval, tprobs := f.timing()
	probs = append(append(probs, sprobs...), tprobs...)
	if f.period == "" {
		f.period = defaultPeriod(interval)
	}
	if _, err := rules.PeriodBefore(time.Now(), f.period); err != nil {
		probs = append(probs, "--"+err.Error())
	}
	if f.timeZone == "" {
		zone, err := issuerZone(ctx, a, f.series)
		if err != nil {
			return "", spec, err
		}
		f.timeZone = zone
	}
	if _, err := time.LoadLocation(f.timeZone); err != nil {
		probs = append(probs, fmt.Sprintf("--time-zone: %q is not a time zone (e.g. America/Mexico_City, UTC)", f.timeZone))
	}
	if !rules.ValidGrouping(f.grouping) {
		probs = append(probs, fmt.Sprintf("--grouping: %q is not one of none, by-entity, per-customer, per-line", f.grouping))
	}
	if len(probs) > 0 {
		return "", spec, &model.InputError{Problems: probs}
	}
	return source, spec, nil
}

// source is what each run bills: plan events or contract installments, never both.
func (f *scheduleFlags) source() (string, []string) {
	switch {
	case f.plans == f.installments:
		return "", []string{"source: give exactly one of --plans, --installments"}
	case f.plans:
		return model.SourcePlans, nil
	default:
		return model.SourceInstallments, nil
	}
}

// timing is when the Schedule runs: a cron expression or an interval. The interval, if
// any, also sets the default period billed.
func (f *scheduleFlags) timing() (client.ScheduleSpec, time.Duration, []string) {
	spec := client.ScheduleSpec{}
	var interval time.Duration
	var probs []string
	switch {
	case (f.cron == "") == (f.every == ""):
		probs = append(probs, "timing: give exactly one of --cron EXPR, --every DURATION")
	case f.every != "":
		d, err := time.ParseDuration(f.every)
		if err != nil || d <= 0 {
			probs = append(probs, fmt.Sprintf("--every: %q is not a positive duration (e.g. 24h, 30m)", f.every))
		}
		interval = d
		spec.Intervals = []client.ScheduleIntervalSpec{{Every: d}}
	default:
		spec.CronExpressions = []string{f.cron}
	}
	return spec, interval, probs
}

// applyTemplate bounds the Schedule by its billing template. The template bounds every
// run; each run applies it again, so a change to it reaches the Schedule's next run.
func (f *scheduleFlags) applyTemplate(cmd *cobra.Command, a *app, source string) error {
	st, err := a.Store(cmd.Context())
	if err != nil {
		return err
	}
	t, err := st.Template(cmd.Context(), f.template)
	if err != nil {
		return err
	}
	got, tprobs := rules.ApplyTemplate(t, rules.BatchAsked{Source: source, Grouping: f.grouping, GroupingSet: cmd.Flags().Changed("grouping"),
		Series: f.series, SeriesSet: cmd.Flags().Changed("series")})
	if len(tprobs) > 0 {
		return &model.InputError{Problems: tprobs}
	}
	f.grouping, f.series = got.Grouping, got.Series
	return nil
}

// create creates the Schedule in Temporal and answers its id; a name taken already is the
// user's input error.
func (f *scheduleFlags) create(ctx context.Context, a *app, name, source string, spec client.ScheduleSpec) (string, error) {
	wc, err := a.Workflows(ctx)
	if err != nil {
		return "", err
	}
	id := workflows.ScheduleID(wc.Installation, name)
	if _, err := wc.Temporal.ScheduleClient().Create(ctx, f.options(a, wc.Installation, id, name, source, spec)); err != nil {
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return "", &model.InputError{Problems: []string{fmt.Sprintf("NAME: schedule %q exists already", name)}}
		}
		return "", err
	}
	return id, nil
}

// options are the Schedule's: its timing in its time zone, and the scheduled bill run it
// starts, which bills the period before each run's nominal time.
func (f *scheduleFlags) options(a *app, installation, id, name, source string, spec client.ScheduleSpec) client.ScheduleOptions {
	spec.TimeZoneName = f.timeZone
	in := workflows.ScheduledRunInput{Installation: installation, Schedule: name, Source: source, Period: f.period,
		Grouping: f.grouping, Series: f.series, TimeZone: f.timeZone, Template: f.template}
	return client.ScheduleOptions{
		ID:     id,
		Spec:   spec,
		Paused: f.paused,
		// A run that comes while the last one still runs waits its turn, and runs
		// missed while Temporal was down are caught up: each bills its own nominal
		// period, so no period is ever lost or billed twice.
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL,
		// The server keeps a cron expression as a calendar; the memo keeps it as given.
		Memo:          map[string]any{"cron": f.cron},
		CatchupWindow: 365 * 24 * time.Hour,
		Note:          fmt.Sprintf("billrun: %s, bills the %s before each run", source, f.period),
		Action: &client.ScheduleWorkflowAction{
			ID: strings.Replace(id, "-schedule-", "-scheduled-", 1), Workflow: workflows.ScheduledRunWorkflow, Args: []any{in},
			TaskQueue: a.cfg.TaskQueue, StaticSummary: fmt.Sprintf("Scheduled %s bill run (%s)", source, name),
		},
	}
}
