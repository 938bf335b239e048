package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/internal/store"
	"billrun/schema/testdb"
	"billrun/workflows"
)

// waitFor polls cond until it holds or the deadline passes.
func (h *harness) waitFor(what string, d time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// holdStock locks the stock row of item until the returned release is called: invoices that
// discharge it wait, their workflows running.
func (h *harness) holdStock(item string) (release func()) {
	h.t.Helper()
	ctx := context.Background()
	lock, err := h.db.Begin(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := lock.Exec(ctx, `select * from stock where item = $1 for update`, item); err != nil {
		h.t.Fatal(err)
	}
	release = func() { _ = lock.Rollback(ctx) }
	h.t.Cleanup(release) // a failed test must not hold the connection
	return release
}

// Issue 9.3: an invoice workflow terminated from outside (the Web UI, the CLI) is
// reconciled by its batch — its attempt undone, failed at step "terminated" — and a retry
// completes it. (Steps already running in the terminated workflow's current task finish
// first, each checking the invoice under its row lock; here its worker was killed, so the
// invoice is caught processing.)
func TestTerminatedInvoiceIsReconciledThenRetried(t *testing.T) {
	h := newHarness(t, false)
	bin := buildWorker(t)
	h.importJSON(ordersDataset(3, 100))
	release := h.holdStock("P")
	worker := h.startWorkerProcess(bin)
	id := h.batchID("TERM")
	h.mustRun("batch", "create", "--id", id, "--orders", "1-3", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--window", "1")
	h.waitFor("an invoice processing", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and status = 'processing'`, id) == 1
	})
	inv := int64(h.int(`select id from invoices where batch_id = $1 and status = 'processing'`, id))
	_ = worker.Process.Kill()
	_ = worker.Wait()
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if err := tc.TerminateWorkflow(context.Background(), workflows.InvoiceWorkflowID(h.inst, inv), "", "stopped by the operator"); err != nil {
		t.Fatal(err)
	}
	release()
	h.startWorker()
	h.waitFor("the batch to finish", 2*time.Minute, func() bool { return h.str(`select status from batches where id = $1`, id) == "finished" })
	if got := h.str(`select status || ' ' || error_step || ': ' || error_reason from invoices where id = $1`, inv); !strings.HasPrefix(got, "failed terminated: its workflow was terminated") {
		t.Fatalf("terminated invoice: %s", got)
	}
	if got := h.str(`select on_hand::text from stock where item = 'P'`); got != "96.0000" {
		t.Fatalf("stock of P %s, want 96 (the two other invoices' 2 each)", got)
	}
	var sum model.Summary
	h.runJSON(&sum, "invoice", "retry", fmt.Sprint(inv), "--wait")
	if sum.Completed != 3 || sum.Failed != 0 {
		t.Fatalf("after the retry: %+v", sum)
	}
	h.checkBooks()
}

// Issue 9.3: a batch workflow terminated mid-way (its running invoices abandoned, not
// killed) is resumed by `batch resume`, which runs every invoice that is not final, once.
func TestTerminatedBatchIsResumed(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(ordersDataset(40, 1000))
	release := h.holdStock("P")
	id := h.batchID("RESUME")
	h.mustRun("batch", "create", "--id", id, "--orders", "1-40", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--window", "4")
	h.waitFor("four invoices running", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and status = 'processing'`, id) == 4
	})
	if msg := h.mustFail("batch", "resume", id); !strings.Contains(msg, "running") { // one batch, one workflow
		t.Fatalf("resuming a running batch: %s", msg)
	}
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if err := tc.TerminateWorkflow(context.Background(), workflows.BatchWorkflowID(h.inst, id), "", "stopped by the operator"); err != nil {
		t.Fatal(err)
	}
	h.mustRun("batch", "resume", id)
	release()
	h.waitFor("the resumed batch to finish", 2*time.Minute, func() bool { return h.str(`select status from batches where id = $1`, id) == "finished" })
	var sum model.Summary
	h.runJSON(&sum, "batch", "status", id)
	if sum.Completed != 40 || sum.Failed != 0 {
		t.Fatalf("after resume: %+v", sum)
	}
	if n := h.int(`select count(*) from stock_movements`); n != 40 {
		t.Errorf("%d stock movements, want 40", n)
	}
	h.checkBooks()
}

// mustFail runs a command that must fail and returns its error text.
func (h *harness) mustFail(args ...string) string {
	h.t.Helper()
	out, err := h.run(args...)
	if err == nil {
		h.t.Fatalf("billrun %s succeeded:\n%s", strings.Join(args, " "), out)
	}
	return err.Error()
}

// Issue 9.6: planning that meets data the database refuses stops the batch with the
// reason (no endless retry); once the data is fixed, `batch resume` finishes it.
func TestPlanningStopsOnBadDataThenResumes(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(ordersDataset(5, 100))
	ctx := context.Background()
	// Bad data the import would refuse, reaching the tables another way: the database
	// refuses it while the batch plans.
	if _, err := h.db.Exec(ctx, `
		create function refuse_line() returns trigger language plpgsql as $$
		begin raise exception using errcode = '22003', message = 'numeric field overflow in order line'; end $$;
		create trigger refuse_line before insert on batch_lines for each row execute function refuse_line()`); err != nil {
		t.Fatal(err)
	}
	id := h.batchID("BADDATA")
	h.mustRun("batch", "create", "--id", id, "--orders", "1-5", "--series", "A", "--date", "2026-11-23")
	var sum model.Summary
	h.waitFor("the batch to stop", time.Minute, func() bool {
		h.runJSON(&sum, "batch", "status", id)
		return sum.Error != ""
	})
	if !strings.Contains(sum.Error, "numeric field overflow") || !strings.Contains(sum.Error, "22003") {
		t.Fatalf("stopped with %q", sum.Error)
	}
	if _, err := h.db.Exec(ctx, `drop trigger refuse_line on batch_lines`); err != nil {
		t.Fatal(err)
	}
	h.runJSON(&sum, "batch", "resume", id, "--wait")
	if sum.Completed != 5 || sum.Error != "" {
		t.Fatalf("after the fix and resume: %+v", sum)
	}
	h.checkBooks()
}

// Issue 9.6: a source line beyond what billrun bills is refused at batch creation, named.
func TestHugeSourceLineIsRefusedAtBatchCreation(t *testing.T) {
	h := newHarness(t, false)
	h.importJSON(ordersDataset(2, 100))
	if _, err := h.db.Exec(context.Background(), `update sales_order_lines set qty_ordered = 99999999999999, qty_to_invoice = 99999999999999,
		unit_price = 999999999999 where line_no = 1 and order_id = (select id from sales_orders where number = 2)`); err != nil {
		t.Fatal(err)
	}
	msg := h.mustFail("batch", "create", "--orders", "1-2", "--series", "A", "--date", "2026-11-23")
	if !strings.Contains(msg, "order 2 line 1: quantity to invoice × price") || h.int(`select count(*) from batches`) != 0 {
		t.Fatalf("refusal: %s", msg)
	}
}

// Issue 9.7: a retry is dated no earlier than the series' last numbered date, so an invoice
// retried after a later one was numbered completes instead of failing on the date.
func TestRetryIsRedatedAfterTheSeriesLastDate(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(ordersDataset(2, 0)) // no stock yet
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1-1", "--series", "A", "--date", "2026-11-10", "--wait")
	if sum.Failed != 1 {
		t.Fatalf("order 1 should fail for stock: %+v", sum)
	}
	failed := h.int(`select id from invoices where batch_id = $1`, sum.BatchID)
	h.importJSON(`{"stock": [{"warehouse": "W", "item": "P", "on_hand": 10, "count": true}]}`)
	h.runJSON(&sum, "batch", "create", "--orders", "2-2", "--series", "A", "--date", "2026-11-20", "--wait")
	if sum.Completed != 1 {
		t.Fatalf("order 2: %+v", sum)
	}
	h.runJSON(&sum, "invoice", "retry", fmt.Sprint(failed), "--date", "2026-11-15", "--wait")
	if sum.Completed != 1 {
		t.Fatalf("the retried invoice did not complete: %+v", sum)
	}
	if got := h.str(`select number || ' ' || invoice_date::text from invoices where id = $1`, failed); got != "2 2026-11-20" {
		t.Fatalf("retried invoice number and date: %s, want 2 dated 2026-11-20 (the series' last date)", got)
	}
}

// Issue 9.11: two installations (databases) sharing one Temporal namespace, with the same
// batch id and the same invoice ids, both bill; a batch id Temporal would refuse is refused
// before anything is written.
func TestTwoInstallationsShareANamespace(t *testing.T) {
	h1, h2 := newHarness(t, true), newHarness(t, true)
	id := h1.batchID("SAME")
	var sums [2]model.Summary
	var wg sync.WaitGroup
	for i, h := range []*harness{h1, h2} {
		h.importJSON(ordersDataset(3, 100))
		if err := h.st.StartIDsAt(context.Background(), 7_000_000_000); err != nil { // the same invoice ids in both
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.runJSON(&sums[i], "batch", "create", "--id", id, "--orders", "1-3", "--series", "A", "--date", "2026-11-23", "--wait")
		}()
	}
	wg.Wait()
	if sums[0].Completed != 3 || sums[1].Completed != 3 || h1.inst == h2.inst {
		t.Fatalf("summaries %+v / %+v (installations %s, %s)", sums[0], sums[1], h1.inst, h2.inst)
	}
	if activities.MessageID(h1.inst, 7_000_000_000, 1) == activities.MessageID(h2.inst, 7_000_000_000, 1) {
		t.Fatal("two installations share a Message-ID")
	}
	for _, bad := range []string{"with space", "a/b", strings.Repeat("x", 200)} {
		if msg := h1.mustFail("batch", "create", "--id", bad, "--orders", "1-3", "--series", "A", "--date", "2026-11-24"); !strings.Contains(msg, "--id:") {
			t.Errorf("--id %q: %s", bad, msg)
		}
	}
	if n := h1.int(`select count(*) from batches`); n != 1 {
		t.Fatalf("%d batches after refused ids, want 1", n)
	}
}

// Issue 9.12: a worker started before its database waits for it, saying why, and works
// once the database is there.
func TestWorkerWaitsForItsDatabase(t *testing.T) {
	h := newHarness(t, false)
	bin := buildWorker(t)
	// A database that does not exist yet, on the test cluster.
	name := fmt.Sprintf("billrun_late_%d", time.Now().UnixNano()%1e9)
	url := strings.Replace(testdb.AdminURL(t), "/postgres?", "/"+name+"?", 1)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "TEMPORAL_ADDRESS="+h.cfg.TemporalAddress, "BILLRUN_TASK_QUEUE="+h.cfg.TaskQueue, "LOG_LEVEL=info")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	logs := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs <- sc.Text()
		}
		close(logs)
	}()
	waitLog := func(what string) {
		t.Helper()
		timeout := time.After(time.Minute)
		for {
			select {
			case l, ok := <-logs:
				if !ok {
					t.Fatalf("the worker exited before logging %q", what)
				}
				if strings.Contains(l, what) {
					return
				}
			case <-timeout:
				t.Fatalf("the worker never logged %q", what)
			}
		}
	}
	waitLog("database not ready")
	t.Cleanup(func() { _ = store.DropDatabase(context.Background(), testdb.AdminURL(t), name) })
	if _, err := store.CreateDatabase(context.Background(), testdb.AdminURL(t), name); err != nil {
		t.Fatal(err)
	}
	waitLog("billrun worker started")
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	h.cfg.DatabaseURL = url
	st, err := h.cfg.Store(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h.st = st
	h.mustRun("import", writeTemp(t, ordersDataset(2, 100)))
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1-2", "--series", "A", "--date", "2026-11-23", "--wait")
	if sum.Completed != 2 {
		t.Fatalf("through the late worker: %+v", sum)
	}
}
