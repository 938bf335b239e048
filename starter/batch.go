package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"billrun/internal/batching"
	"billrun/internal/model"
	"billrun/workflows"
)

func batchCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "batch", Short: "Create, watch, approve or reject, retry and resume bill runs"}
	c.AddCommand(batchCreateCmd(a), batchListCmd(a), batchStatusCmd(a), batchReportCmd(a), batchApproveCmd(a), batchExcludeCmd(a), batchRejectCmd(a), batchRetryCmd(a), batchResumeCmd(a))
	return c
}

func batchURL(a *app, wc workflows.Client, id string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", a.cfg.WebUI, a.cfg.TemporalNamespace, workflows.BatchWorkflowID(wc.Installation, id))
}

// waitBatch shows live progress until the batch's invoices are final and its documents
// published (printed and e-mailed, or failed with a reason), then the summary. A draft batch
// stops the wait at approval.
func waitBatch(ctx context.Context, a *app, id string) error {
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		done <- wc.Temporal.GetWorkflow(ctx, workflows.BatchWorkflowID(wc.Installation, id), "").Get(ctx, nil)
	}()
	last := ""
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for billing := true; billing; {
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("batch %s: %w", id, err)
			}
			billing = false
		case <-tick.C:
			p, err := wc.BatchProgress(ctx, id)
			if err != nil {
				continue
			}
			if line := progressLine(p); line != last && !a.jsonOut {
				fmt.Fprintln(a.out, line)
				last = line
			}
			if p.Status == "awaiting_approval" {
				if !a.jsonOut {
					fmt.Fprintf(a.out, "batch %s is a draft: review it with 'billrun batch report %s', then 'billrun batch approve %s'\n", id, id, id)
				}
				return showStatus(ctx, a, id)
			}
		}
	}
	if err := waitPublished(ctx, a, wc, id); err != nil {
		return err
	}
	return showStatus(ctx, a, id)
}

// waitPublished waits for the batch's publication workflow, showing what it waits on.
func waitPublished(ctx context.Context, a *app, wc workflows.Client, id string) error {
	run := wc.Temporal.GetWorkflow(ctx, workflows.PublishWorkflowID(wc.Installation, id), "")
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, nil) }()
	last := ""
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				return nil // nothing was sealed: nothing to publish
			}
			return err
		case <-tick.C:
			s, err := summary(ctx, a, wc, id)
			if err != nil || a.jsonOut {
				continue
			}
			if line := publishLine(s); line != last {
				fmt.Fprintln(a.out, line)
				last = line
			}
		}
	}
}

// summary reads a batch's summary, with the steps Temporal keeps retrying.
func summary(ctx context.Context, a *app, wc workflows.Client, id string) (model.Summary, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return model.Summary{}, err
	}
	s, err := st.ReadSummary(ctx, id)
	if err != nil {
		return s, err
	}
	_, waits := retrying(ctx, wc.Temporal, workflows.BatchWorkflowID(wc.Installation, id))
	publishing, pwaits := retrying(ctx, wc.Temporal, workflows.PublishWorkflowID(wc.Installation, id))
	s.Waiting = append(append(s.Waiting, waits...), pwaits...)
	s.Warnings = summaryWarnings(s)
	if s.Status == "finished" && publishing {
		// Every invoice is final, and its documents are still being stamped, printed or
		// mailed: the batch is not done until they are.
		s.Status = "publishing"
	}
	return s, nil
}

// retrying tells whether a workflow runs, and lists its pending activities that failed at
// least once, with their last error: what a batch waits on (a database or a mail server down).
func retrying(ctx context.Context, tc client.Client, workflowID string) (bool, []string) {
	d, err := tc.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return false, nil
	}
	var out []string
	for _, p := range d.GetPendingActivities() {
		if p.GetAttempt() > 1 {
			out = append(out, fmt.Sprintf("%s (attempt %d): %s", p.GetActivityType().GetName(), p.GetAttempt(), p.GetLastFailure().GetMessage()))
		}
	}
	return true, out
}

func showStatus(ctx context.Context, a *app, id string) error {
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	s, err := summary(ctx, a, wc, id)
	if err != nil {
		return err
	}
	type out struct {
		model.Summary
		WebUI string `json:"web_ui"`
	}
	if err := a.emit(out{s, batchURL(a, wc, id)}, func() { printSummary(a.out, s, batchURL(a, wc, id)) }); err != nil {
		return err
	}
	if s.Failed > 0 {
		return &failuresError{fmt.Sprintf("batch %s: %d invoice(s) failed (billrun batch report %s)", id, s.Failed, id)}
	}
	return nil
}

func batchStatusCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "status ID",
		Short: "Show a batch's summary: lines, invoices by status, printing and e-mail, amounts, and what it waits on",
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
			r, err := batching.Report(cmd.Context(), st, args[0])
			if err != nil {
				return err
			}
			for _, fs := range [][]model.FailedInvoice{r.Failed, r.Unsealed, r.Undelivered} {
				for i := range fs {
					fs[i].Fix = remedy(fs[i])
				}
			}
			return a.emit(r, func() { printReport(a.out, r) })
		},
	}
}

func batchApproveCmd(a *app) *cobra.Command {
	var w waitFlags
	var exclude string
	c := &cobra.Command{
		Use:   "approve ID [--exclude INVOICE,...]",
		Short: "Approve a draft batch: its priced drafts go on to completion, those excluded voided (approving it again is a no-op)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			if exclude != "" {
				done, err := excludeDrafts(ctx, a, st, args[0], exclude)
				if err != nil {
					return err
				}
				if !a.jsonOut {
					sayExcluded(a, args[0], done)
				}
			}
			b, err := st.LoadBatch(ctx, args[0])
			if err != nil {
				return err
			}
			approved := b.Params.Draft && (b.Status == "running" || b.Status == "finished")
			if b.Status != "awaiting_approval" && !approved {
				return fmt.Errorf("batch %s is %s, not awaiting approval", b.ID, b.Status)
			}
			if !approved {
				wc, err := a.Workflows(ctx)
				if err != nil {
					return err
				}
				if err := wc.ApproveBatch(ctx, b.ID); err != nil {
					return err
				}
			}
			if w.wait {
				return waitBatchFor(ctx, a, w, b.ID)
			}
			return a.emit(map[string]string{"batch_id": b.ID, "approved": "true"}, func() {
				if approved {
					fmt.Fprintf(a.out, "batch %s was approved already (%s)\n", b.ID, b.Status)
					return
				}
				fmt.Fprintf(a.out, "batch %s approved\n", b.ID)
			})
		},
	}
	c.Flags().StringVar(&exclude, "exclude", "", "draft invoices (ids, comma-separated) to take out first: voided, their sources billable again")
	w.bind(c, "until the batch ends and its documents are published")
	return c
}

func batchRetryCmd(a *app) *cobra.Command {
	var w waitFlags
	var date string
	c := &cobra.Command{
		Use:   "retry ID",
		Short: "Retry every failed invoice of a batch (after fixing their data), and reseal those whose sealing failed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, id := cmd.Context(), args[0]
			if err := requestRetry(ctx, a, id, nil, date); err != nil {
				return err
			}
			if w.wait {
				return waitBatchFor(ctx, a, w, id)
			}
			return a.emit(map[string]any{"batch_id": id, "retrying": true}, func() {
				fmt.Fprintf(a.out, "batch %s: retry started; watch with 'billrun batch status %s'\n", id, id)
			})
		},
	}
	w.bind(c, "until the retried invoices are final and published")
	c.Flags().StringVar(&date, "date", "", "the retried invoices' date, never before the series' last numbered date"+todayHelp)
	return c
}

// requestRetry asks the batch's workflow to retry failed invoices (all when invoiceIDs is
// empty), or reseal and restamp those whose fiscal steps failed.
func requestRetry(ctx context.Context, a *app, batchID string, invoiceIDs []int64, date string) error {
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	var countries []string
	if len(invoiceIDs) == 1 {
		c, err := st.InvoiceCountry(ctx, invoiceIDs[0])
		if err != nil {
			return err
		}
		countries = []string{c}
	} else if countries, err = st.BatchCountries(ctx, batchID); err != nil {
		return err
	}
	if date == "" {
		if date, err = issuerToday("--date", countries, time.Now()); err != nil {
			return err
		}
	} else if err := notAfterToday("--date", date, countries, time.Now()); err != nil {
		return err
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return &model.InputError{Problems: []string{fmt.Sprintf("--date: %q is not a date (YYYY-MM-DD)", date)}}
	}
	s, err := st.ReadSummary(ctx, batchID)
	if err != nil {
		return err
	}
	if s.Failed == 0 && s.Unsealed == 0 {
		return fmt.Errorf("batch %s has no failed or unsealed invoice to retry", batchID)
	}
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	return wc.RetryBatch(ctx, batchID, invoiceIDs, date)
}

// waitBatchFor is waitBatch bounded by --timeout.
func waitBatchFor(ctx context.Context, a *app, w waitFlags, id string) error {
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	return w.run(ctx, "batch "+id, batchURL(a, wc, id), func(ctx context.Context) error { return waitBatch(ctx, a, id) })
}

func batchResumeCmd(a *app) *cobra.Command {
	var w waitFlags
	c := &cobra.Command{
		Use: "resume ID",
		Short: "Start a batch's workflow again when it is gone (terminated, or its history lost): it plans where planning " +
			"stopped and runs every invoice that is not final",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, id := cmd.Context(), args[0]
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			if _, err := st.LoadBatch(ctx, id); err != nil {
				return err
			}
			wc, err := a.Workflows(ctx)
			if err != nil {
				return err
			}
			if err := wc.ResumeBatch(ctx, id, a.cfg.Timeouts); err != nil {
				return fmt.Errorf("batch %s: %w", id, err)
			}
			if w.wait {
				return waitBatchFor(ctx, a, w, id)
			}
			return a.emit(map[string]string{"batch_id": id, "resumed": "true"}, func() {
				fmt.Fprintf(a.out, "batch %s resumed; watch with 'billrun batch status %s'\n", id, id)
			})
		},
	}
	w.bind(c, "until the batch ends and its documents are published")
	return c
}
