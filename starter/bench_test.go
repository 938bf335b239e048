package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"billrun/schema/testdb"
	"billrun/starter/bench"
)

// The benchmark runs end to end on the stack; its figures are for the README, not asserted.
func TestBenchRunsAndReportsEveryFigure(t *testing.T) {
	h := newHarness(t, false)
	bin := filepath.Join(t.TempDir(), "billrun-worker")
	if out, err := exec.Command("go", "build", "-o", bin, "../worker").CombinedOutput(); err != nil {
		t.Fatalf("build worker: %v\n%s", err, out)
	}
	before := h.int(`select count(*) from pg_database where datname like 'billrun_bench_%'`)
	out := h.mustRun("bench", "--invoices", "6", "--lines", "2", "--window", "3", "--worker-bin", bin, "--csd-dir", testdb.SAT(t, "csd"))
	var r bench.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Full == nil || r.Full.Invoices != 6 || r.EmptyChild == nil || r.Bare == nil || r.Bare.Invoices != 6 || r.Ratio <= 0 ||
		r.Full.MaxHistoryEvents <= 0 || r.WorkerPeakRSSM <= 0 || r.Full.P99 < r.Full.P50 {
		t.Fatalf("bench figures: %s", out)
	}
	// Issue 28, measure first: each step's time and SQL statements per invoice, from the
	// workers' own metrics.
	got := map[string]bench.Step{}
	for _, s := range r.Steps {
		got[s.Activity] = s
	}
	for _, step := range []string{"PriceInvoice", "DischargeStock", "PostReceivable", "CompleteInvoice", "SealInvoice"} {
		if s := got[step]; s.MsPerInvoice <= 0 || s.StatementsPerInvoice < 1 {
			t.Errorf("step %s: %+v (all: %s)", step, s, out)
		}
	}
	if n := h.int(`select count(*) from pg_database where datname like 'billrun_bench_%'`); n > before {
		t.Errorf("the benchmark left %d databases", n-before)
	}
}
