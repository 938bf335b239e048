package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"billrun/activities/model"
	"billrun/workflows"
)

func batchCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "batch", Short: "Create, watch, approve and retry bill runs"}
	c.AddCommand(batchCreateCmd(a), batchStatusCmd(a), batchReportCmd(a), batchApproveCmd(a), batchRetryCmd(a))
	return c
}

func batchURL(a *app, id string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", a.cfg.WebUI, a.cfg.TemporalNamespace, workflows.BatchWorkflowID(id))
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
			p, err := workflows.BatchProgress(ctx, tc, id)
			if err != nil {
				continue
			}
			if line := progressLine(p); line != last {
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
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	s, err := st.ReadSummary(ctx, id)
	if err != nil {
		return err
	}
	type out struct {
		model.Summary
		WebUI string `json:"web_ui"`
	}
	return a.emit(out{s, batchURL(a, id)}, func() { printSummary(a.out, s, batchURL(a, id)) })
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
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			r, err := st.ReadReport(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.emit(r, func() { printReport(a.out, r) })
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
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			b, err := st.LoadBatch(ctx, args[0])
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
			if err := workflows.ApproveBatch(ctx, tc, b.ID); err != nil {
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

// retry asks the batch's workflow to retry failed invoices.
func retry(ctx context.Context, a *app, batchID string, invoiceIDs []int64, wait bool) error {
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	s, err := st.ReadSummary(ctx, batchID)
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
	if err := workflows.RetryBatch(ctx, tc, a.cfg.TaskQueue, batchID, invoiceIDs); err != nil {
		return err
	}
	if wait {
		return waitBatch(ctx, a, batchID)
	}
	return a.emit(map[string]any{"batch_id": batchID, "retrying": invoiceIDs}, func() {
		fmt.Fprintf(a.out, "batch %s: retry started; watch with 'billrun batch status %s'\n", batchID, batchID)
	})
}
