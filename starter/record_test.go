package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
	"google.golang.org/protobuf/encoding/protojson"

	"billrun/internal/batching"
	"billrun/internal/model"
	"billrun/workflows"
)

// recordingGeneration prefixes the files TestRecordHistories writes. Bump it when a workflow
// changes: recordings of the code before stay beside the new ones, so both branches of
// every GetVersion keep a history (workflows' TestEveryVersionBranchHasARecordedHistory).
const recordingGeneration = "v7"

// TestRecordHistories records histories of real runs for the replay tests in
// workflows/testdata: a batch that continues as new, a retry signalled during paging, a
// scheduled run, a resend, a credit note and a cancellation. It runs only when
// BILLRUN_RECORD_HISTORIES names the folder to write to (make record-histories); the
// replay test replays whatever is recorded there.
func TestRecordHistories(t *testing.T) {
	dir, h, tc := recorder(t)
	wc := workflows.Client{Temporal: tc, TaskQueue: h.cfg.TaskQueue, Installation: h.inst}
	ctx := context.Background()
	save := func(name, workflowID string) {
		t.Helper()
		saveHistories(t, tc, h.cfg.TemporalNamespace, dir, name, fmt.Sprintf("WorkflowId = '%s'", workflowID))
	}

	// A batch that continues as new, with a retry signalled while it pages.
	h.importJSON(ordersDataset(12, 18)) // stock for 9 orders of 2: three fail
	id := "REC-" + fmt.Sprint(time.Now().UnixNano())
	if _, err := batching.Create(ctx, h.st, id, model.BatchParams{SourceKind: "orders", OrdersFrom: 1, OrdersTo: 12, Series: "A",
		InvoiceDate: "2026-11-23", Rate: decimal.NewFromInt(1), Grouping: "none"}); err != nil {
		t.Fatal(err)
	}
	if err := wc.StartBatch(ctx, workflows.BatchInput{BatchID: id, Window: 2, PageSize: 4, HistoryBudget: 20}, "recorded"); err != nil {
		t.Fatal(err)
	}
	h.waitFor("a failed invoice", time.Minute, func() bool { return h.int(`select count(*) from invoices where status = 'failed'`) > 0 })
	if err := wc.RetryBatch(ctx, id, nil, "2026-11-23"); err != nil {
		t.Fatal(err)
	}
	if err := tc.GetWorkflow(ctx, workflows.BatchWorkflowID(h.inst, id), "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	_ = tc.GetWorkflow(ctx, workflows.PublishWorkflowID(h.inst, id), "").Get(ctx, nil)
	save("batch-continued-retried", workflows.BatchWorkflowID(h.inst, id))
	save("invoice", workflows.InvoiceWorkflowID(h.inst, int64(h.int(`select min(id) from invoices where status = 'completed'`))))
	save("invoice-failed", workflows.InvoiceWorkflowID(h.inst, int64(h.int(`select min(id) from invoices where status = 'failed'`))))
	save("publish", workflows.PublishWorkflowID(h.inst, id))

	// A scheduled run.
	name := fmt.Sprintf("rec%d", time.Now().UnixNano()%1e9)
	h.mustRun("schedule", "create", name, "--installments", "--every", "1h", "--paused")
	defer h.run("schedule", "delete", name) //nolint:errcheck
	h.mustRun("schedule", "trigger", name)
	waitActions(t, h, name, 1)
	handle := tc.ScheduleClient().GetHandle(ctx, workflows.ScheduleID(h.inst, name))
	d, err := handle.Describe(ctx)
	if err != nil || len(d.Info.RecentActions) == 0 {
		t.Fatalf("schedule: %v", err)
	}
	save("scheduled", d.Info.RecentActions[0].StartWorkflowResult.WorkflowID)

	// A resend of a sealed, printed and e-mailed invoice of the demo.
	h.mustRun("import", "../examples/demo.json")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1001-1002", "--series", "A", "--date", "2026-11-23", "--wait")
	save("publish-demo", workflows.PublishWorkflowID(h.inst, sum.BatchID)) // sealed invoices waking it, stamped, printed, sent
	sent := int64(h.int(`select min(id) from invoices where batch_id = $1 and delivery_status = 'sent'`, sum.BatchID))
	h.mustRun("invoice", "resend", fmt.Sprint(sent))
	save("delivery", workflows.DeliveryWorkflowID(h.inst, sent, 2))

	// A credit note (a return) on it, and the cancellation of the other invoice, which the
	// receiver accepts while the workflow waits.
	h.waitFor("both invoices e-mailed", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, sum.BatchID) == 2
	})
	h.mustRun("invoice", "return", fmt.Sprint(sent), "--line", "1", "--qty", "1", "--date", "2026-11-24", "--wait")
	save("credit-note", workflows.CreditNoteWorkflowID(h.inst, sent, 1))
	other := int64(h.int(`select id from invoices where batch_id = $1 and id <> $2`, sum.BatchID, sent))
	h.mustRun("invoice", "cancel", fmt.Sprint(other), "--reason", "02", "--poll-every", "1s")
	h.waitFor("cancellation answered", time.Minute, func() bool {
		return h.int(`select count(*) from cancellations where invoice_id = $1 and status in ('pending', 'cancelled')`, other) == 1
	})
	if h.int(`select count(*) from cancellations where invoice_id = $1 and status = 'pending'`, other) == 1 {
		h.sandboxAnswer(h.str(`select uuid from fiscal_documents where invoice_id = $1`, other), true)
	}
	if err := tc.GetWorkflow(ctx, workflows.CancelWorkflowID(h.inst, other), "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	save("cancellation", workflows.CancelWorkflowID(h.inst, other))

	// A monthly issuer's sweep of the months whose payments wait, then one payment of its
	// receipt cancelled: the cancellation starts the month's receipt again for the other.
	importEKU(h, "monthly", true)
	b, noB := h.billed("1301")
	h.mustRun("payment", "record", noB, "5.00", "--date", "2026-11-23", "--key", "rec-p1")
	h.mustRun("payment", "receipt", "rec-p1", "--wait") // by hand: a receipt of its own
	save("payment-receipt", workflows.PaymentReceiptWorkflowID(h.inst, b, int64(h.int(`select id from receivable_payments where request_key = 'rec-p1'`))))
	h.mustRun("payment", "record", noB, "10.00", "--date", "2026-11-24", "--key", "rec-m1")
	h.mustRun("payment", "record", noB, "20.00", "--date", "2026-11-25", "--key", "rec-m2")
	h.mustRun("payment", "receipts", "--pending", "--issuer", "EKU", "--wait")
	through := time.Now().AddDate(0, -1, 0).Format("2006-01")
	save("monthly-receipts", workflows.MonthlyReceiptsWorkflowID(h.inst, "EKU", "through-"+through))
	receipt := h.int(`select max(receipt_id) from payment_receipt_documents`)
	h.mustRun("payment", "cancel", "rec-m1", "--wait")
	h.waitRestated(receipt)
	save("cancellation-restated", workflows.CancelWorkflowID(h.inst, int64(receipt)))
}

// recorder is what a recording test needs: the folder BILLRUN_RECORD_HISTORIES names (the
// test is skipped without it), a harness on the test stack, and a Temporal client (closed
// with the test).
func recorder(t *testing.T) (string, *harness, client.Client) {
	t.Helper()
	dir := os.Getenv("BILLRUN_RECORD_HISTORIES")
	if dir == "" {
		t.Skip("BILLRUN_RECORD_HISTORIES is not set")
	}
	h := newHarness(t, true)
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	return dir, h, tc
}

// saveHistories writes the history of every run the visibility query finds to dir, named
// by the recording generation, name and run.
func saveHistories(t *testing.T, tc client.Client, namespace, dir, name, query string) {
	t.Helper()
	ctx := context.Background()
	resp, err := tc.WorkflowService().ListWorkflowExecutions(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, Query: query})
	if err != nil || len(resp.Executions) == 0 {
		t.Fatalf("%s: %v (%d runs)", query, err, len(resp.Executions))
	}
	for i, e := range resp.Executions {
		var events history.History
		it := tc.GetWorkflowHistory(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), false, 0)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			events.Events = append(events.Events, ev)
		}
		raw, err := protojson.MarshalOptions{Indent: " "}.Marshal(&events)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, fmt.Sprintf("%s-%s-run%d.json", recordingGeneration, name, len(resp.Executions)-i))
		if err := os.WriteFile(file, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("recorded %s (%d events)", file, len(events.Events))
	}
}
