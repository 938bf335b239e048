package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"billrun/internal/model"
)

// startWorkerProcess runs the real billrun-worker binary against this test's database and queue.
func (h *harness) startWorkerProcess(bin string) *exec.Cmd {
	h.t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+h.cfg.DatabaseURL,
		"TEMPORAL_ADDRESS="+h.cfg.TemporalAddress,
		"TEMPORAL_NAMESPACE="+h.cfg.TemporalNamespace,
		"BILLRUN_TASK_QUEUE="+h.cfg.TaskQueue,
		"SMTP_HOST="+h.cfg.SMTPHost, "SMTP_PORT="+h.cfg.SMTPPort,
		"LOG_LEVEL=error")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// buildWorker builds the real billrun-worker binary for a test.
func buildWorker(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "billrun-worker")
	if out, err := exec.Command("go", "build", "-o", bin, "../worker").CombinedOutput(); err != nil {
		t.Fatalf("build worker: %v\n%s", err, out)
	}
	return bin
}

func TestWorkerKilledMidBatchLosesAndDoublesNothing(t *testing.T) {
	h := newHarness(t, false)
	bin := buildWorker(t)
	const orders = 120
	h.importJSON(ordersDataset(orders, 10000))
	first := h.startWorkerProcess(bin)
	id := h.batchID("CRASH")
	h.mustRun("batch", "create", "--id", id, "--orders", "1-120", "--series", "A", "--date", "2026-11-23", "--grouping", "none")

	// Kill the worker with SIGKILL once some invoices are done and others are under way.
	deadline := time.Now().Add(2 * time.Minute)
	for h.int(`select count(*) from invoices where batch_id = $1 and status = 'completed'`, id) < 15 {
		if time.Now().After(deadline) {
			t.Fatal("the batch made no progress")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	done := h.int(`select count(*) from invoices where batch_id = $1 and status = 'completed'`, id)
	if done >= orders {
		t.Fatalf("the batch finished before the kill (%d completed): nothing was tested", done)
	}
	t.Logf("killed the worker with %d of %d invoices completed", done, orders)

	h.startWorkerProcess(bin)
	var sum model.Summary
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for {
		h.runJSON(&sum, "batch", "status", id)
		if sum.Status == "finished" || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if sum.Status != "finished" || sum.Completed != orders || sum.Failed != 0 {
		t.Fatalf("after restart: %+v", sum)
	}
	if n := h.int(`select count(*) from stock_movements`); n != orders {
		t.Errorf("%d stock movements, want exactly %d (one per stocked line)", n, orders)
	}
	if got := h.str(`select on_hand::text from stock where item = 'P'`); got != "9760.0000" {
		t.Errorf("stock of P %s, want 9760 (10000 − 120 × 2)", got)
	}
	if n := h.int(`select count(*) from receivables where status = 'open'`); n != orders {
		t.Errorf("%d open receivables, want %d", n, orders)
	}
	if n := h.int(`select max(number) from invoices`); n != orders {
		t.Errorf("last number %d, want %d", n, orders)
	}
	h.checkBooks()
}
