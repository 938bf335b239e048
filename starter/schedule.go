package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"billrun/internal/model"
	"billrun/workflows"
)

func scheduleCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "schedule", Short: "Recurring bill runs as Temporal Schedules: create, list, describe, pause, unpause, trigger, backfill, delete"}
	c.AddCommand(scheduleCreateCmd(a), scheduleListCmd(a), scheduleDescribeCmd(a), schedulePauseCmd(a, true), schedulePauseCmd(a, false),
		scheduleTriggerCmd(a), scheduleBackfillCmd(a), scheduleDeleteCmd(a))
	return c
}

func (a *app) schedule(ctx context.Context, name string) (client.ScheduleHandle, error) {
	wc, err := a.Workflows(ctx)
	if err != nil {
		return nil, err
	}
	return wc.Temporal.ScheduleClient().GetHandle(ctx, workflows.ScheduleID(wc.Installation, name)), nil
}

// overlapNames say what a schedule does with a run due while the last one still runs.
var overlapNames = map[enums.ScheduleOverlapPolicy]string{
	enums.SCHEDULE_OVERLAP_POLICY_SKIP:            "skip",
	enums.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE:      "buffer_one",
	enums.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL:      "buffer_all",
	enums.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER:    "cancel_other",
	enums.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER: "terminate_other",
	enums.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL:       "allow_all",
}

// notFound turns Temporal's not-found into billrun's.
func notFound(name string, err error) error {
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("schedule %q: %w", name, model.ErrNotFound)
	}
	return err
}

func scheduleCreateCmd(a *app) *cobra.Command {
	var f scheduleFlags
	c := &cobra.Command{
		Use:   "create NAME (--plans|--installments) (--cron EXPR | --every DURATION) | create NAME --daily-report [--issuer CODE]",
		Short: "Create a schedule of recurring bill runs; each run bills the period before its nominal time",
		Example: `  billrun schedule create monthly-plans --plans --cron "0 6 1 * *"        # on the 1st, bill last month
  billrun schedule create daily-installments --installments --every 24h
  billrun schedule create daily-report-UYE --daily-report --issuer UYE  # UY: DGI's daily report of the day before, at 02:00 Montevideo`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			name := args[0]
			if f.dailyReport {
				return f.createDailyReport(cmd, a, name)
			}
			source, spec, err := f.check(ctx, a, name)
			if err != nil {
				return err
			}
			if f.template != "" {
				if err := f.applyTemplate(cmd, a, source); err != nil {
					return err
				}
			}
			id, err := f.create(ctx, a, name, source, spec)
			if err != nil {
				return err
			}
			return a.emit(map[string]any{"schedule": name, "id": id, "source": source, "period": f.period, "time_zone": f.timeZone}, func() {
				fmt.Fprintf(a.out, "schedule %s created: %s, each run bills the %s before it (id %s)\n", name, source, f.period, id)
			})
		},
	}
	fl := c.Flags()
	fl.BoolVar(&f.plans, "plans", false, "bill billing-plan events")
	fl.BoolVar(&f.installments, "installments", false, "bill contract installments")
	fl.StringVar(&f.cron, "cron", "", "cron expression, in --time-zone")
	fl.StringVar(&f.timeZone, "time-zone", "", "time zone of the cron expression, of the periods billed and of the invoices' date (IANA name; default: the issuer's)")
	fl.StringVar(&f.every, "every", "", "interval, e.g. 24h")
	fl.StringVar(&f.period, "period", "", "day | week | month billed before each run (default from the timing)")
	fl.StringVar(&f.grouping, "grouping", "by-entity", "none | by-entity | per-customer | per-line")
	fl.StringVar(&f.series, "series", "", "only plans or contracts of this series")
	fl.StringVar(&f.template, "template", "", "a billing template bounding every run (source kinds, grouping, series)")
	fl.BoolVar(&f.paused, "paused", false, "create it paused")
	fl.BoolVar(&f.dailyReport, "daily-report", false, "UY: send DGI the issuer's daily report of the day before each run (default --cron \"0 2 * * *\" in America/Montevideo)")
	fl.StringVar(&f.issuer, "issuer", "", "with --daily-report: the Uruguayan issuer (default: the only one)")
	return c
}

func scheduleListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List billrun's schedules",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			wc, err := a.Workflows(cmd.Context())
			if err != nil {
				return err
			}
			prefix := workflows.ScheduleID(wc.Installation, "")
			it, err := wc.Temporal.ScheduleClient().List(cmd.Context(), client.ScheduleListOptions{})
			if err != nil {
				return err
			}
			rows := []scheduleRow{}
			for it.HasNext() {
				s, err := it.Next()
				if err != nil {
					return err
				}
				if !strings.HasPrefix(s.ID, prefix) {
					continue
				}
				r := scheduleRow{Name: strings.TrimPrefix(s.ID, prefix), Paused: s.Paused}
				for _, t := range s.NextActionTimes {
					r.Next = append(r.Next, t.UTC().Format(time.RFC3339))
				}
				rows = append(rows, r)
			}
			return a.emit(rows, func() { printSchedules(a.out, rows) })
		},
	}
}

func scheduleDescribeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "describe NAME",
		Short: "Show a schedule: timing, state, recent and next runs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := a.schedule(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			d, err := h.Describe(cmd.Context())
			if err != nil {
				return notFound(args[0], err)
			}
			v := scheduleView{Schedule: args[0], Paused: d.Schedule.State.Paused, Note: d.Schedule.State.Note,
				Actions: d.Info.NumActions, Skipped: d.Info.NumActionsSkippedOverlap, Recent: []string{}, Next: []string{}}
			for _, r := range d.Info.RecentActions {
				v.Recent = append(v.Recent, r.ScheduleTime.UTC().Format(time.RFC3339)+" "+r.StartWorkflowResult.WorkflowID)
			}
			loc := time.UTC
			if spec := d.Schedule.Spec; spec != nil && spec.TimeZoneName != "" {
				if l, err := time.LoadLocation(spec.TimeZoneName); err == nil {
					loc = l
				}
			}
			for _, t := range d.Info.NextActionTimes {
				v.Next = append(v.Next, t.In(loc).Format(time.RFC3339)) // in the schedule's zone
			}
			if p := d.Schedule.Policy; p != nil {
				v.Overlap = overlapNames[p.Overlap]
			}
			if spec := d.Schedule.Spec; spec != nil {
				v.Cron, v.TimeZone = spec.CronExpressions, spec.TimeZoneName
				var cron string
				if p := d.Memo.GetFields()["cron"]; p != nil && converter.GetDefaultDataConverter().FromPayload(p, &cron) == nil && cron != "" && len(v.Cron) == 0 {
					v.Cron = []string{cron}
				}
				for _, i := range spec.Intervals {
					v.Every = append(v.Every, i.Every.String())
				}
			}
			return a.emit(v, func() { printSchedule(a.out, v) })
		},
	}
}

func schedulePauseCmd(a *app, pause bool) *cobra.Command {
	use, short := "unpause NAME", "Resume a paused schedule"
	if pause {
		use, short = "pause NAME", "Pause a schedule (no runs until unpaused)"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := a.schedule(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if pause {
				err = h.Pause(cmd.Context(), client.SchedulePauseOptions{Note: "paused with billrun"})
			} else {
				err = h.Unpause(cmd.Context(), client.ScheduleUnpauseOptions{Note: "unpaused with billrun"})
			}
			if err != nil {
				return notFound(args[0], err)
			}
			return a.emit(map[string]any{"schedule": args[0], "paused": pause}, func() {
				fmt.Fprintf(a.out, "schedule %s paused=%v\n", args[0], pause)
			})
		},
	}
}

func scheduleTriggerCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "trigger NAME",
		Short: "Run a schedule now (its period is derived from now; a period billed already bills nothing again)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := a.schedule(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := h.Trigger(cmd.Context(), client.ScheduleTriggerOptions{Overlap: enums.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL}); err != nil {
				return notFound(args[0], err)
			}
			return a.emit(map[string]any{"schedule": args[0], "triggered": true}, func() { fmt.Fprintf(a.out, "schedule %s triggered\n", args[0]) })
		},
	}
}

func scheduleBackfillCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "backfill NAME FROM TO",
		Short:   "Run the schedule's missed runs between FROM and TO (RFC 3339 times or dates); billed periods bill nothing again",
		Example: `  billrun schedule backfill monthly-plans 2026-09-01 2026-11-02`,
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, err1 := parseTime(args[1])
			to, err2 := parseTime(args[2])
			var probs []string
			if err1 != nil {
				probs = append(probs, "FROM: "+err1.Error())
			}
			if err2 != nil {
				probs = append(probs, "TO: "+err2.Error())
			}
			if err1 == nil && err2 == nil && !to.After(from) {
				probs = append(probs, fmt.Sprintf("TO %s is not after FROM %s", args[2], args[1]))
			}
			if len(probs) > 0 {
				return &model.InputError{Problems: probs}
			}
			h, err := a.schedule(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			err = h.Backfill(cmd.Context(), client.ScheduleBackfillOptions{Backfill: []client.ScheduleBackfill{
				{Start: from, End: to, Overlap: enums.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL},
			}})
			if err != nil {
				return notFound(args[0], err)
			}
			return a.emit(map[string]any{"schedule": args[0], "from": from, "to": to}, func() {
				fmt.Fprintf(a.out, "schedule %s backfilled from %s to %s\n", args[0], from.Format(time.RFC3339), to.Format(time.RFC3339))
			})
		},
	}
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, fmt.Errorf("%q is not a date (YYYY-MM-DD) or an RFC 3339 time", s)
	}
	return t, nil
}

func scheduleDeleteCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a schedule (its batches stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := a.schedule(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := h.Delete(cmd.Context()); err != nil {
				return notFound(args[0], err)
			}
			return a.emit(map[string]any{"schedule": args[0], "deleted": true}, func() { fmt.Fprintf(a.out, "schedule %s deleted\n", args[0]) })
		},
	}
}

// defaultPeriod is the period a schedule bills when none is named: a day for runs more
// often than weekly, a week for those more often than monthly, else a month (and a month
// for cron expressions).
func defaultPeriod(interval time.Duration) string {
	switch {
	case interval == 0:
		return "month"
	case interval < 7*24*time.Hour:
		return "day"
	case interval < 28*24*time.Hour:
		return "week"
	}
	return "month"
}
