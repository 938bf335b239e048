package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"billrun/internal/fiscal"
	"billrun/internal/model"
	"billrun/workflows"
)

// monthlyFlags are what payment receipts is told.
type monthlyFlags struct {
	month, issuer, schedule, cron string
	paused, pending               bool
	wait                          waitFlags
}

// paymentReceiptsCmd makes a monthly issuer's payment receipts of a month now, or creates
// the Schedule that makes them every month before the 5th.
func paymentReceiptsCmd(a *app) *cobra.Command {
	var f monthlyFlags
	c := &cobra.Command{
		Use:   "receipts (--month YYYY-MM | --pending | --schedule NAME) [--issuer CODE]",
		Short: "MX, monthly issuers: one receipt (CFDI P) per receiver for a month's payments, now or by a Schedule before the 5th",
		Long: `An issuer imported with "payment_receipts": "monthly" issues its payment receipts once a
month: one CFDI de Recepción de Pagos per receiver, stating each of the month's payments of
its invoices paid in installments (PPD), due by the 5th of the next month (RMF 2.7.1.32).
--month makes the month's receipts now (one workflow per receiver; asked again, it makes
only what is missing: payments recorded since, and those a cancelled receipt stated that
stand). --pending does it for every month up to the last one with payments waiting — late
payments of a month already stated, payments left when an issuer went from monthly to
per-payment receipts (name it with --issuer). --schedule creates a Temporal Schedule that
does what --pending does on the 1st of every month at 06:00 Mexico City time (--cron to
change). A receipt issued after the 5th is issued all the same, and said to be late.`,
		Example: `  billrun payment receipts --month 2026-11 --wait
  billrun payment receipts --schedule monthly-receipts`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := f.check(ctx, a); err != nil {
				return err
			}
			if f.schedule != "" {
				return f.createSchedule(ctx, a)
			}
			return f.runNow(ctx, a)
		},
	}
	c.Flags().StringVar(&f.month, "month", "", "the month whose payments to state (YYYY-MM)")
	c.Flags().BoolVar(&f.pending, "pending", false, "every month up to the last one whose payments wait for a receipt")
	c.Flags().StringVar(&f.issuer, "issuer", "", "the monthly issuer (default: the only one)")
	c.Flags().StringVar(&f.schedule, "schedule", "", "create a Schedule of this NAME that makes the month before's receipts every month")
	c.Flags().StringVar(&f.cron, "cron", "0 6 1 * *", "with --schedule: when, in Mexico City time (before the 5th)")
	c.Flags().BoolVar(&f.paused, "paused", false, "with --schedule: create it paused")
	f.wait.bind(c, "until every receiver's receipt is sealed, stamped, printed and e-mailed")
	return c
}

// check reads the flags, naming every problem, and picks the issuer.
func (f *monthlyFlags) check(ctx context.Context, a *app) error {
	var probs []string
	given := 0
	for _, g := range []bool{f.month != "", f.schedule != "", f.pending} {
		if g {
			given++
		}
	}
	if given != 1 {
		probs = append(probs, "give exactly one of --month YYYY-MM, --pending, --schedule NAME")
	}
	if m, err := time.Parse("2006-01", f.month); f.month != "" && err != nil {
		probs = append(probs, fmt.Sprintf("--month: %q is not a month (YYYY-MM)", f.month))
	} else if f.month != "" && m.After(time.Now()) {
		probs = append(probs, fmt.Sprintf("--month: %s has not begun", f.month))
	}
	if f.schedule != "" && strings.ContainsAny(f.schedule, " /") {
		probs = append(probs, fmt.Sprintf("--schedule: %q must be a word without spaces or slashes", f.schedule))
	}
	if len(probs) > 0 {
		return &model.InputError{Problems: probs}
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	monthly, err := st.MonthlyIssuers(ctx)
	if err != nil {
		return err
	}
	mexican, err := st.MexicanIssuers(ctx)
	if err != nil {
		return err
	}
	switch {
	case f.issuer == "" && len(monthly) == 1:
		f.issuer = monthly[0]
	case f.issuer == "":
		return &model.InputError{Problems: []string{fmt.Sprintf("--issuer: give the monthly issuer (issuers with \"payment_receipts\": \"monthly\": %v)", monthly)}}
	case f.schedule != "" && !slices.Contains(monthly, f.issuer):
		return &model.InputError{Problems: []string{fmt.Sprintf("--issuer: %s does not issue monthly receipts (import it with \"payment_receipts\": \"monthly\"; monthly issuers: %v)", f.issuer, monthly)}}
	case !slices.Contains(mexican, f.issuer): // a per-payment issuer's leftovers may be stated
		return &model.InputError{Problems: []string{fmt.Sprintf("--issuer: %s is not a Mexican issuer: its payments take no receipts (Mexican issuers: %v)", f.issuer, mexican)}}
	}
	if f.pending { // up to the month before this one in Mexico, as the Schedule does
		today, _ := time.Parse(time.DateOnly, fiscal.Today("MX", time.Now()))
		f.month = today.AddDate(0, 0, 1-today.Day()).AddDate(0, -1, 0).Format("2006-01")
	}
	return nil
}

// runNow starts (or follows) the month's receipts, and with --wait waits for them.
func (f *monthlyFlags) runNow(ctx context.Context, a *app) error {
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	run, err := wc.StartMonthlyReceipts(ctx, f.issuer, f.month, f.pending)
	if err != nil {
		return err
	}
	var out workflows.MonthlyReceiptsOutcome
	if f.wait.wait {
		what := fmt.Sprintf("the payment receipts of %s for %s", f.issuer, f.month)
		if err := f.wait.run(ctx, what, workflowURL(a, run.GetID()), func(ctx context.Context) error {
			return waitRun(ctx, a, wc, run, what+": one per receiver, recorded, sealed, stamped, printed and e-mailed", &out)
		}); err != nil {
			return err
		}
	}
	return a.emit(map[string]any{"workflow_id": run.GetID(), "issuer": f.issuer, "month": f.month, "outcome": out}, func() {
		fmt.Fprintf(a.out, "payment receipts of %s for %s: workflow %s\n", f.issuer, f.month, run.GetID())
		if !f.wait.wait {
			fmt.Fprintf(a.out, "  web ui: %s\n", workflowURL(a, run.GetID()))
			return
		}
		if len(out.Months) > 0 {
			fmt.Fprintf(a.out, "  months with payments waiting: %s\n", strings.Join(out.Months, ", "))
		}
		fmt.Fprintf(a.out, "  %d issued, %d receivers had none waiting, %d under way in another run, %d failed\n", out.Issued, out.None, out.UnderWay, out.Failed)
		for _, x := range out.Failures {
			fmt.Fprintf(a.out, "  failed: %s\n", x)
		}
		for _, x := range out.Late {
			fmt.Fprintf(a.out, "  warning: %s\n", x)
		}
	})
}

// createSchedule creates the Schedule of the issuer's monthly receipts.
func (f *monthlyFlags) createSchedule(ctx context.Context, a *app) error {
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	id := workflows.ScheduleID(wc.Installation, f.schedule)
	_, err = wc.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      id,
		Spec:    client.ScheduleSpec{CronExpressions: []string{f.cron}, TimeZoneName: "America/Mexico_City"},
		Paused:  f.paused,
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL,
		// A run missed while Temporal was down still comes: each states its own month.
		CatchupWindow: 31 * 24 * time.Hour,
		Memo:          map[string]any{"cron": f.cron},
		Note:          fmt.Sprintf("billrun: payment receipts of %s, each run the month before's", f.issuer),
		Action: &client.ScheduleWorkflowAction{
			ID: strings.Replace(id, "-schedule-", "-scheduled-", 1), Workflow: workflows.MonthlyReceiptsWorkflow,
			Args:      []any{workflows.MonthlyReceiptsInput{Installation: wc.Installation, Issuer: f.issuer}},
			TaskQueue: a.cfg.TaskQueue, StaticSummary: fmt.Sprintf("Monthly payment receipts of %s (%s)", f.issuer, f.schedule),
		},
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return &model.InputError{Problems: []string{fmt.Sprintf("--schedule: schedule %q exists already", f.schedule)}}
	}
	if err != nil {
		return err
	}
	return a.emit(map[string]any{"schedule": f.schedule, "id": id, "issuer": f.issuer, "cron": f.cron}, func() {
		fmt.Fprintf(a.out, "schedule %s created: payment receipts of %s, %q in Mexico City, each run the month before's (id %s)\n", f.schedule, f.issuer, f.cron, id)
	})
}
