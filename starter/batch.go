package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"billrun/activities"
	"billrun/workflows"
)

func batchCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "batch", Short: "Create, watch, approve and retry bill runs"}
	c.AddCommand(batchCreateCmd(a), batchStatusCmd(a), batchReportCmd(a), batchApproveCmd(a), batchRetryCmd(a))
	return c
}

// parseRange reads FROM-TO.
func parseRange(s string) (int64, int64, error) {
	from, to, ok := strings.Cut(s, "-")
	f, err1 := strconv.ParseInt(strings.TrimSpace(from), 10, 64)
	t, err2 := strconv.ParseInt(strings.TrimSpace(to), 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, &activities.InputError{Problems: []string{fmt.Sprintf("--orders: %q is not a range FROM-TO of order numbers", s)}}
	}
	return f, t, nil
}

type createFlags struct {
	id, orders, series, date, rate, grouping, customers string
	draft, dryRun, wait, zeroPrice, full9999, negStock  bool
	installments, plans, recurring, nonRecurring        bool
	dueUntil, partner, period                           string
}

func (f createFlags) params() (activities.BatchParams, error) {
	p := activities.BatchParams{SourceKind: activities.SourceOrders, Series: f.series, InvoiceDate: f.date, Grouping: f.grouping,
		Draft: f.draft, AllowZeroPrice: f.zeroPrice, Discount9999Is100: f.full9999, AllowNegativeStock: f.negStock}
	var probs []string
	sources := 0
	for _, on := range []bool{f.orders != "", f.installments, f.plans} {
		if on {
			sources++
		}
	}
	switch {
	case sources != 1:
		probs = append(probs, "source: give exactly one of --orders FROM-TO, --installments, --plans")
	case f.installments:
		p.SourceKind, p.DueUntil, p.Partner = activities.SourceInstallments, f.dueUntil, f.partner
		if f.dueUntil == "" {
			probs = append(probs, "--due-until: required with --installments")
		}
		if f.recurring && f.nonRecurring {
			probs = append(probs, "--recurring and --non-recurring exclude each other")
		} else if f.recurring || f.nonRecurring {
			r := f.recurring
			p.Recurring = &r
		}
	case f.plans:
		p.SourceKind = activities.SourcePlans
		from, to, ok := strings.Cut(f.period, "..")
		if !ok {
			probs = append(probs, fmt.Sprintf("--period: %q is not FROM..TO (dates YYYY-MM-DD)", f.period))
		}
		p.PeriodFrom, p.PeriodTo = from, to
	default:
		if from, to, err := parseRange(f.orders); err != nil {
			probs = append(probs, err.Error())
		} else {
			p.OrdersFrom, p.OrdersTo = from, to
		}
		if f.series == "" {
			probs = append(probs, "--series: required")
		}
	}
	rate, err := decimal.NewFromString(f.rate)
	if err != nil {
		probs = append(probs, fmt.Sprintf("--rate: %q is not a number", f.rate))
	}
	p.Rate = rate
	for _, c := range strings.Split(f.customers, ",") {
		if c = strings.TrimSpace(c); c != "" {
			p.Customers = append(p.Customers, c)
		}
	}
	if len(probs) > 0 {
		return p, &activities.InputError{Problems: probs}
	}
	return p, nil
}

func batchCreateCmd(a *app) *cobra.Command {
	var f createFlags
	c := &cobra.Command{
		Use:   "create",
		Short: "Create a bill run over sales orders, contract installments or billing-plan events, and start it",
		Example: `  billrun batch create --orders 1001-1010 --series A --wait
  billrun batch create --installments --due-until 2026-11-30 --partner SOCIO --recurring --wait
  billrun batch create --plans --period 2026-11-01..2026-11-30 --grouping per-customer --wait
  billrun batch create --orders 1001-1010 --series A --draft      # price, then wait for 'batch approve'
  billrun batch create --orders 1001-1010 --series A --dry-run    # show what it would make, write nothing`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			p, err := f.params()
			if err != nil {
				return err
			}
			db, err := a.DB(ctx)
			if err != nil {
				return err
			}
			acts := &activities.Activities{DB: db, Log: a.log}
			if f.dryRun {
				out, err := activities.DryRun(ctx, acts, p)
				if err != nil {
					return err
				}
				return a.emit(out, func() { printPlan(a, out) })
			}
			tc, err := a.Temporal() // before writing, so a missing Temporal leaves no orphan batch
			if err != nil {
				return err
			}
			id, err := activities.CreateBatch(ctx, db, f.id, p)
			if err != nil {
				return err
			}
			if err := startBatch(ctx, tc, a.cfg.TaskQueue, id, batchSummaryLine(id, p)); err != nil {
				return err
			}
			if f.wait {
				return waitBatch(ctx, a, id)
			}
			return a.emit(map[string]string{"batch_id": id, "workflow_id": workflows.BatchWorkflowID(id), "web_ui": batchURL(a, id)}, func() {
				fmt.Fprintf(a.out, "batch %s started\n  watch: billrun batch status %s\n  web ui: %s\n", id, id, batchURL(a, id))
			})
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.id, "id", "", "batch id (default: next B-number); creating the same id again is a no-op")
	fl.StringVar(&f.orders, "orders", "", "bill approved sales orders numbered FROM-TO")
	fl.BoolVar(&f.installments, "installments", false, "bill contract installments in state complete (seed 000)")
	fl.StringVar(&f.dueUntil, "due-until", "", "with --installments: due up to this date")
	fl.StringVar(&f.partner, "partner", "", "with --installments: only this partner's contracts")
	fl.BoolVar(&f.recurring, "recurring", false, "with --installments: only recurring ones")
	fl.BoolVar(&f.nonRecurring, "non-recurring", false, "with --installments: only non-recurring ones")
	fl.BoolVar(&f.plans, "plans", false, "bill billing-plan events in state planned (seed 003)")
	fl.StringVar(&f.period, "period", "", "with --plans: events dated FROM..TO")
	fl.StringVar(&f.series, "series", "", "numbering series; only its orders are billed (required with --orders; a filter otherwise)")
	fl.StringVar(&f.date, "date", time.Now().Format(time.DateOnly), "invoice date YYYY-MM-DD, after the series' closing date")
	fl.StringVar(&f.rate, "rate", "1", "exchange rate for the whole batch, > 0")
	fl.StringVar(&f.grouping, "grouping", "by-entity", "none | by-entity | per-customer (the customer's invoicing method may restrict it)")
	fl.StringVar(&f.customers, "customers", "", "only these customers, comma-separated")
	fl.BoolVar(&f.draft, "draft", false, "stop after pricing the drafts and wait for 'batch approve'")
	fl.BoolVar(&f.dryRun, "dry-run", false, "plan and price without writing anything; show the invoices it would make")
	fl.BoolVar(&f.wait, "wait", false, "show live progress until the batch ends")
	fl.BoolVar(&f.zeroPrice, "allow-zero-price", false, "bill orders with zero-priced lines (else they are reported)")
	fl.BoolVar(&f.full9999, "discount-9999-is-100", false, "treat a 99.99 % discount as 100 %")
	fl.BoolVar(&f.negStock, "allow-negative-stock", false, "let stock go negative (else such invoices fail)")
	return c
}

func startBatch(ctx context.Context, tc client.Client, taskQueue, id, summary string) error {
	_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflows.BatchWorkflowID(id),
		TaskQueue:             taskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.AttrBatchID.ValueSet(id), workflows.AttrBatchStatus.ValueSet("created")),
		StaticSummary:         summary,
	}, workflows.BatchWorkflow, workflows.BatchInput{BatchID: id})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil // the same batch id was started before: one batch, one workflow
	}
	return err
}

func batchURL(a *app, id string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", a.cfg.WebUI, a.cfg.TemporalNamespace, workflows.BatchWorkflowID(id))
}

func printPlan(a *app, out activities.PlanOutcome) {
	fmt.Fprintf(a.out, "dry run: %d lines selected, %d skipped, %d invoices would be made (nothing written)\n",
		out.LinesSelected, out.LinesSkipped, len(out.Invoices))
	for _, d := range out.Invoices {
		extra := ""
		if d.Problem != "" {
			extra = "  ! " + d.Problem
		}
		fmt.Fprintf(a.out, "  #%-3d %-10s %-3s %2d lines  subtotal %10s  VAT %9s  total %10s  %s%s\n",
			d.GroupNo, d.Customer, d.Currency, d.Lines, d.Subtotal.StringFixed(2), d.VAT.StringFixed(2), d.Total.StringFixed(2),
			strings.Join(d.Sources, ", "), extra)
	}
	printSkipped(a, out.Skipped)
}

func printSkipped(a *app, skipped []activities.SkippedLine) {
	if len(skipped) == 0 {
		return
	}
	fmt.Fprintln(a.out, "not invoiced:")
	for _, s := range skipped {
		fmt.Fprintf(a.out, "  %-22s %-10s %-8s qty %s: %s\n", s.Source, s.Customer, s.Item, s.Quantity, s.Reason)
	}
}

// waitBatch shows live progress by the batch workflow's query until it ends, then the summary.
func waitBatch(ctx context.Context, a *app, id string) error {
	tc, err := a.Temporal()
	if err != nil {
		return err
	}
	run := tc.GetWorkflow(ctx, workflows.BatchWorkflowID(id), "")
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, nil) }()
	last := ""
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("batch %s: %w", id, err)
			}
			return showStatus(ctx, a, id)
		case <-tick.C:
			if a.jsonOut {
				continue
			}
			var p workflows.Progress
			v, err := tc.QueryWorkflow(ctx, workflows.BatchWorkflowID(id), "", workflows.QueryProgress)
			if err != nil || v.Get(&p) != nil {
				continue
			}
			line := fmt.Sprintf("batch %s %-17s invoices %d: %d completed, %d failed, %d running",
				id, p.Status, p.Invoices, p.Completed, p.Failed, p.Running)
			if line != last {
				fmt.Fprintln(a.out, line)
				last = line
			}
			if p.Status == "awaiting_approval" {
				fmt.Fprintf(a.out, "batch %s is a draft: review it with 'billrun batch report %s', then 'billrun batch approve %s'\n", id, id, id)
				return nil
			}
		}
	}
}

func showStatus(ctx context.Context, a *app, id string) error {
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	s, err := activities.ReadSummary(ctx, db, id)
	if err != nil {
		return err
	}
	type out struct {
		activities.Summary
		WebUI string `json:"web_ui"`
	}
	return a.emit(out{s, batchURL(a, id)}, func() {
		fmt.Fprintf(a.out, "batch %s: %s\n", s.BatchID, s.Status)
		fmt.Fprintf(a.out, "  lines:    %d selected, %d invoiced, %d not invoiced\n", s.LinesSelected, s.LinesInvoiced, s.LinesSkipped)
		fmt.Fprintf(a.out, "  invoices: %d total, %d completed, %d failed, %d pending\n", s.Invoices, s.Completed, s.Failed, s.Pending)
		if s.Unsealed > 0 {
			fmt.Fprintf(a.out, "  fiscal:   %d completed but not sealed (see batch report)\n", s.Unsealed)
		}
		for _, cur := range slices.Sorted(maps.Keys(s.Amounts)) {
			fmt.Fprintf(a.out, "  amount:   %s %s completed\n", s.Amounts[cur], cur)
		}
		fmt.Fprintf(a.out, "  web ui:   %s\n", batchURL(a, id))
	})
}

func batchStatusCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "status ID",
		Short: "Show a batch's summary: lines, invoices by status, amounts",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return showStatus(cmd.Context(), a, args[0]) },
	}
}

func batchReportCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "report ID",
		Short: "List the lines not invoiced and the failed invoices of a batch, each with its reason",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			r, err := activities.ReadReport(cmd.Context(), db, args[0])
			if err != nil {
				return err
			}
			return a.emit(r, func() {
				fmt.Fprintf(a.out, "batch %s: %d lines not invoiced, %d invoices failed, %d not sealed\n", r.BatchID, len(r.Skipped), len(r.Failed), len(r.Unsealed))
				printSkipped(a, r.Skipped)
				if len(r.Failed) > 0 {
					fmt.Fprintln(a.out, "failed invoices:")
					for _, f := range r.Failed {
						fmt.Fprintf(a.out, "  invoice %-6d %-10s attempt %d, %s: %s\n", f.InvoiceID, f.Customer, f.Attempt, f.Step, f.Reason)
					}
					fmt.Fprintf(a.out, "fix the data, then: billrun batch retry %s (or billrun invoice retry ID)\n", r.BatchID)
				}
				if len(r.Unsealed) > 0 {
					fmt.Fprintln(a.out, "completed but not sealed:")
					for _, f := range r.Unsealed {
						fmt.Fprintf(a.out, "  invoice %-6d %-10s %s: %s\n", f.InvoiceID, f.Customer, f.Step, f.Reason)
					}
					fmt.Fprintf(a.out, "fix the cause, then: billrun batch retry %s (or billrun invoice reseal ID)\n", r.BatchID)
				}
			})
		},
	}
}

func batchApproveCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "approve ID",
		Short: "Approve a draft batch: its priced drafts go on to completion",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.DB(ctx)
			if err != nil {
				return err
			}
			b, err := activities.LoadBatch(ctx, db, args[0])
			if err != nil {
				return err
			}
			if b.Status != "awaiting_approval" {
				return fmt.Errorf("batch %s is %s, not awaiting approval", b.ID, b.Status)
			}
			tc, err := a.Temporal()
			if err != nil {
				return err
			}
			if err := tc.SignalWorkflow(ctx, workflows.BatchWorkflowID(b.ID), "", workflows.SignalApprove, nil); err != nil {
				return err
			}
			return a.emit(map[string]string{"batch_id": b.ID, "approved": "true"}, func() { fmt.Fprintf(a.out, "batch %s approved\n", b.ID) })
		},
	}
}

func batchRetryCmd(a *app) *cobra.Command {
	var wait bool
	c := &cobra.Command{
		Use:   "retry ID",
		Short: "Retry every failed invoice of a batch (after fixing their data)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return retry(cmd.Context(), a, args[0], nil, wait)
		},
	}
	c.Flags().BoolVar(&wait, "wait", false, "show live progress until the retry ends")
	return c
}

// retry asks the batch's workflow to retry failed invoices: a signal to the running batch,
// or a new retry-only run of the same workflow id when the batch has ended.
func retry(ctx context.Context, a *app, batchID string, invoiceIDs []int64, wait bool) error {
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	s, err := activities.ReadSummary(ctx, db, batchID)
	if err != nil {
		return err
	}
	if s.Failed == 0 && s.Unsealed == 0 {
		return fmt.Errorf("batch %s has no failed or unsealed invoice to retry", batchID)
	}
	tc, err := a.Temporal()
	if err != nil {
		return err
	}
	_, err = tc.SignalWithStartWorkflow(ctx, workflows.BatchWorkflowID(batchID), workflows.SignalRetry,
		workflows.RetryRequest{InvoiceIDs: invoiceIDs},
		client.StartWorkflowOptions{
			TaskQueue:             a.cfg.TaskQueue,
			WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			TypedSearchAttributes: temporal.NewSearchAttributes(workflows.AttrBatchID.ValueSet(batchID), workflows.AttrBatchStatus.ValueSet("running")),
			StaticSummary:         "Retry of failed invoices, batch " + batchID,
		}, workflows.BatchWorkflow, workflows.BatchInput{BatchID: batchID, RetryOnly: true})
	if err != nil {
		return err
	}
	if wait {
		return waitBatch(ctx, a, batchID)
	}
	return a.emit(map[string]any{"batch_id": batchID, "retrying": invoiceIDs}, func() {
		fmt.Fprintf(a.out, "batch %s: retry started; watch with 'billrun batch status %s'\n", batchID, batchID)
	})
}

func batchSummaryLine(id string, p activities.BatchParams) string {
	switch p.SourceKind {
	case activities.SourceInstallments:
		return fmt.Sprintf("Bill run %s: installments due until %s", id, p.DueUntil)
	case activities.SourcePlans:
		return fmt.Sprintf("Bill run %s: plan events %s..%s", id, p.PeriodFrom, p.PeriodTo)
	}
	return fmt.Sprintf("Bill run %s: orders %d-%d, series %s", id, p.OrdersFrom, p.OrdersTo, p.Series)
}
