package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"billrun/workflows"
)

// historyLengths are the current history lengths of a batch's workflows (batch, publication,
// invoices) and of the extra workflow ids given.
func historyLengths(t *testing.T, h *harness, tc client.Client, batchID string, extra ...string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: h.cfg.TemporalNamespace,
		Query: fmt.Sprintf("BillrunBatchId = '%s' AND ExecutionStatus = 'Running'", batchID)})
	if err != nil {
		t.Fatal(err)
	}
	ids := extra
	for _, e := range resp.Executions {
		ids = append(ids, e.GetExecution().GetWorkflowId())
	}
	out := map[string]int64{}
	for _, id := range ids {
		d, err := tc.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		out[id] = d.GetWorkflowExecutionInfo().GetHistoryLength()
	}
	return out
}

// Issue 21: a batch with one invoice whose workflow never finishes (started on a task queue
// no worker polls, as if its queue were paused) keeps every history flat while it waits:
// the batch follows it with one long-polling activity, the publication sleeps on a signal.
// Terminated, it is reconciled, and a retry completes and publishes it.
func TestStuckInvoiceKeepsEveryHistoryFlat(t *testing.T) {
	h, _, _ := publishingHarness(t)
	if _, err := h.st.Import(context.Background(), retryDataset(t, 6)); err != nil {
		t.Fatal(err)
	}
	h.importJSON(`{"items": [{"code": "BAD", "description": "Ya con perfil fiscal", "unit_price": 100, "vat_rate": 16, "stocked": false}]}`)
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	ctx := context.Background()
	id := h.batchID("STUCK")
	h.mustRun("batch", "create", "--id", id, "--orders", "1-6", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--draft")
	h.waitFor("the draft", time.Minute, func() bool { return h.str(`select status from batches where id = $1`, id) == "awaiting_approval" })
	stuck := int64(h.int(`select id from invoices where batch_id = $1 order by group_no limit 1 offset 2`, id))
	stuckID := workflows.InvoiceWorkflowID(h.inst, stuck)
	if _, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: stuckID, TaskQueue: "nobody-polls-" + id},
		"InvoiceWorkflow", workflows.InvoiceInput{InvoiceID: stuck, BatchID: id}); err != nil {
		t.Fatal(err)
	}
	h.mustRun("batch", "approve", id)
	h.waitFor("the other five e-mailed", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, id) == 5
	})
	time.Sleep(2 * time.Second) // the last pass's events land
	before := historyLengths(t, h, tc, id, stuckID)
	time.Sleep(20 * time.Second)
	after := historyLengths(t, h, tc, id, stuckID)
	for wid, n := range after {
		t.Logf("%s: %d events, %+d in 20 s", wid, n, n-before[wid])
		if n-before[wid] > 0 {
			t.Errorf("%s grew by %d events while waiting on the stuck invoice", wid, n-before[wid])
		}
	}
	if _, ok := after[workflows.BatchWorkflowID(h.inst, id)]; !ok {
		t.Fatal("the batch ended with an invoice still running")
	}

	// The operator ends the stuck workflow: the batch reconciles the invoice, then a retry
	// completes it and its publication sends it.
	if err := tc.TerminateWorkflow(ctx, stuckID, "", "stuck: ended by the operator"); err != nil {
		t.Fatal(err)
	}
	if err := tc.GetWorkflow(ctx, workflows.BatchWorkflowID(h.inst, id), "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := h.str(`select status || ' ' || error_step from invoices where id = $1`, stuck); got != "failed terminated" {
		t.Fatalf("the stuck invoice after its workflow was terminated: %s", got)
	}
	h.mustRun("invoice", "retry", fmt.Sprint(stuck), "--wait", "--timeout", "2m")
	if got := h.str(`select status || ' ' || fiscal_status || ' ' || delivery_status from invoices where id = $1`, stuck); got != "completed pdf sent" {
		t.Fatalf("the retried invoice: %s", got)
	}
	h.checkBooks()
}

// Issue 21: a batch that continues as new every few children carries its running children
// to the next run instead of draining its window, and follows them there: with a retry
// signalled while it pages, every invoice ends final (none left open, none run twice at
// once), and its publication ends.
func TestContinueAsNewCarriesRunningChildren(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(ordersDataset(12, 18)) // stock for 9 orders of 2: three fail
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	wc := workflows.Client{Temporal: tc, TaskQueue: h.cfg.TaskQueue, Installation: h.inst}
	ctx := context.Background()
	id := h.batchID("CARRY")
	h.mustRun("batch", "create", "--id", id, "--orders", "1-12", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--draft")
	h.waitFor("the draft", time.Minute, func() bool { return h.str(`select status from batches where id = $1`, id) == "awaiting_approval" })
	// The draft's workflow waits for approval; this test runs the batch itself, with a
	// budget that continues as new every few children.
	if err := tc.TerminateWorkflow(ctx, workflows.BatchWorkflowID(h.inst, id), "", "replaced by the test's run"); err != nil {
		t.Fatal(err)
	}
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.BatchWorkflowID(h.inst, id), TaskQueue: h.cfg.TaskQueue},
		workflows.BatchWorkflow, workflows.BatchInput{BatchID: id, Installation: h.inst, Continued: true, Window: 3, PageSize: 4, HistoryBudget: 20})
	if err != nil {
		t.Fatal(err)
	}
	h.waitFor("a failed invoice", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and status = 'failed'`, id) > 0
	})
	if err := wc.RetryBatch(ctx, id, nil, "2026-11-23"); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := tc.GetWorkflow(wctx, run.GetID(), "").Get(wctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := tc.GetWorkflow(wctx, workflows.PublishWorkflowID(h.inst, id), "").Get(wctx, nil); err != nil {
		t.Fatalf("the publication did not end: %v (%s)", err, h.str(`select string_agg(id || ' ' || status || ' ' || fiscal_status, '; ') from invoices where batch_id = $1`, id))
	}
	if n := h.int(`select count(*) from invoices where batch_id = $1 and (status in ('draft', 'processing')
		or (status = 'completed' and fiscal_status = 'unsealed' and fiscal_error = ''))`, id); n != 0 {
		t.Fatalf("%d invoices left open: %s", n, h.str(`select string_agg(id || ' ' || status || ' ' || fiscal_status, '; ') from invoices where batch_id = $1`, id))
	}
	resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: h.cfg.TemporalNamespace,
		Query: fmt.Sprintf("WorkflowId = '%s'", run.GetID())})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Executions) < 4 {
		t.Fatalf("%d runs: the budget should have continued the batch as new several times", len(resp.Executions))
	}
	h.checkBooks()
}
