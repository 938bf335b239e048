package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"billrun/activities"
	"billrun/activities/dataset"
	"billrun/schema"
	"billrun/workflows"
)

type benchOpts struct {
	invoices, lines, window, workers int
	csdDir, workerBin                string
	keep                             bool
	skipBare, skipCeiling            bool
}

// runFigures are one run's measurements.
type runFigures struct {
	Invoices         int     `json:"invoices"`
	WallSeconds      float64 `json:"wall_s"`
	InvoicesPerSec   float64 `json:"invoices_per_s"`
	P50              float64 `json:"p50_s"`
	P95              float64 `json:"p95_s"`
	P99              float64 `json:"p99_s"`
	MaxHistoryEvents int64   `json:"max_history_events,omitempty"`
	BatchRuns        int     `json:"batch_runs,omitempty"`
}

type benchResult struct {
	Invoices       int         `json:"invoices"`
	Lines          int         `json:"lines"`
	Window         int         `json:"window"`
	Workers        int         `json:"workers"`
	Full           runFigures  `json:"full"`
	Ceiling        *runFigures `json:"ceiling,omitempty"`
	Bare           *runFigures `json:"bare,omitempty"`
	FullOverCeil   float64     `json:"full_over_ceiling,omitempty"` // throughput ratio
	FullOverBare   float64     `json:"full_over_bare,omitempty"`    // throughput ratio
	WorkerPeakRSSM float64     `json:"worker_peak_rss_mb"`
	CPUs           int         `json:"cpus"`
}

func benchCmd(a *app) *cobra.Command {
	var o benchOpts
	c := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark a real bill run on the local stack against its ceiling (no-op activities) and bare activities; prints one JSON line",
		Example: `  . .dev/demo/env && bin/billrun bench --invoices 1000 --lines 3
  bin/billrun bench --invoices 1000 --workers 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.invoices <= 0 || o.lines <= 0 || o.window <= 0 || o.workers <= 0 {
				return &activities.InputError{Problems: []string{"--invoices, --lines, --window and --workers must be positive"}}
			}
			res, err := runBench(cmd.Context(), a, o)
			if err != nil {
				return err
			}
			b, _ := json.Marshal(res)
			fmt.Fprintln(a.out, string(b))
			return nil
		},
	}
	fl := c.Flags()
	fl.IntVar(&o.invoices, "invoices", 1000, "invoices in the bill run")
	fl.IntVar(&o.lines, "lines", 3, "lines per invoice")
	fl.IntVar(&o.window, "window", workflows.DefaultWindow, "invoice workflows running at once")
	fl.IntVar(&o.workers, "workers", 1, "billrun-worker processes for the full run")
	fl.StringVar(&o.csdDir, "csd-dir", "../shared/fiscal/csd", "folder with SAT's test CSD (EKU9003173C9.cer/.key)")
	fl.StringVar(&o.workerBin, "worker-bin", "", "the billrun-worker binary (default: beside this one)")
	fl.BoolVar(&o.keep, "keep", false, "keep the benchmark's databases (dropped by default)")
	fl.BoolVar(&o.skipBare, "skip-bare", false, "do not measure the bare reference")
	fl.BoolVar(&o.skipCeiling, "skip-ceiling", false, "do not measure the ceiling reference")
	return c
}

// benchDataset is N orders of K lines, one invoice each, for customers with e-mail.
func benchDataset(o benchOpts, csdDir string) *dataset.Dataset {
	vat16 := decimal.NewFromInt(16)
	d := &dataset.Dataset{
		Currencies: []dataset.Currency{{Code: "MXN", Decimals: 2}},
		Issuers: []dataset.Issuer{{Code: "I", RFC: "EKU9003173C9", Name: "ESCUELA KEMPER URGATE", FiscalRegime: "601", PostalCode: "42501",
			Currency: "MXN", CSDCertificate: filepath.Join(csdDir, "EKU9003173C9.cer"), CSDKey: filepath.Join(csdDir, "EKU9003173C9.key")}},
		PaymentTerms: []dataset.PaymentTerm{{Code: "NET30", Kind: "credit", Days: 30, MetodoPago: "PPD"}},
		Warehouses:   []dataset.Warehouse{{Code: "W", Name: "W"}},
		Series:       []dataset.Series{{Code: "A", Issuer: "I", DocumentKind: "invoice"}},
	}
	for i := 0; i < 50; i++ {
		d.Customers = append(d.Customers, dataset.Customer{Code: fmt.Sprintf("C%d", i), Name: fmt.Sprintf("Cliente Ñandú %d", i),
			TaxID: "URE180429TM6", TaxIDKind: "tax_registration", FiscalRegime: "601", PostalCode: "65000", CFDIUse: "G03",
			Email: fmt.Sprintf("c%d@bench.example", i), PaymentTerms: "NET30", InvoicingMethod: "per-order"})
	}
	for k := 0; k < o.lines; k++ {
		stocked := k%2 == 0
		it := dataset.Item{Code: fmt.Sprintf("P%d", k), Description: fmt.Sprintf("Artículo %d", k), UnitPrice: decimal.NewFromInt(int64(10 + k)),
			VATRate: &vat16, Stocked: &stocked}
		d.Items = append(d.Items, it)
		d.Stock = append(d.Stock, dataset.Stock{Warehouse: "W", Item: it.Code, OnHand: decimal.NewFromInt(int64(o.invoices) * 10)})
	}
	for n := 1; n <= o.invoices; n++ {
		ord := dataset.Order{Number: int64(n), Customer: fmt.Sprintf("C%d", n%50), Series: "A", Warehouse: "W", Currency: "MXN", Date: "2026-11-01"}
		for k := 0; k < o.lines; k++ {
			ord.Lines = append(ord.Lines, dataset.OrderLine{Item: fmt.Sprintf("P%d", k), Ordered: decimal.NewFromInt(int64(1 + (n+k)%5))})
		}
		d.Orders = append(d.Orders, ord)
	}
	return d
}

// benchDB creates, migrates and fills a database of its own on the stack's cluster.
func benchDB(ctx context.Context, o benchOpts, name string, idOffset int64) (string, *pgxpool.Pool, error) {
	admin := os.Getenv("BILLRUN_PG_ADMIN_URL")
	if admin == "" {
		return "", nil, fmt.Errorf("BILLRUN_PG_ADMIN_URL is not set: source .dev/demo/env (make demo) first")
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "create database "+name); err != nil {
		return "", nil, err
	}
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	dbURL := u.String()
	mc, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", nil, err
	}
	defer mc.Close(ctx)
	if _, _, err := schema.Migrate(ctx, mc); err != nil {
		return "", nil, err
	}
	if _, err := mc.Exec(ctx, fmt.Sprintf(`alter sequence invoices_id_seq restart with %d`, idOffset)); err != nil {
		return "", nil, err
	}
	csd, err := filepath.Abs(o.csdDir)
	if err != nil {
		return "", nil, err
	}
	db, err := activities.Connect(ctx, dbURL)
	if err != nil {
		return "", nil, err
	}
	if _, err := dataset.Import(ctx, db, benchDataset(o, csd)); err != nil {
		db.Close()
		return "", nil, err
	}
	return dbURL, db, nil
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func figures(n int, wall time.Duration, per []float64) runFigures {
	return runFigures{Invoices: n, WallSeconds: round3(wall.Seconds()), InvoicesPerSec: round3(float64(n) / wall.Seconds()),
		P50: round3(percentile(per, 0.50)), P95: round3(percentile(per, 0.95)), P99: round3(percentile(per, 0.99))}
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// visibility reads, for a batch, every invoice workflow's duration and the largest history
// of any of its workflows (the batch's runs and the children).
func visibility(ctx context.Context, tc client.Client, ns, batchID string, want int) ([]float64, int64, int, error) {
	var per []float64
	var maxHist int64
	deadline := time.Now().Add(2 * time.Minute)
	for {
		per, maxHist = nil, 0
		var token []byte
		for {
			resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, PageSize: 1000, NextPageToken: token,
				Query: fmt.Sprintf("BillrunBatchId = '%s' AND WorkflowType = 'InvoiceWorkflow' AND ExecutionStatus != 'Running'", batchID)})
			if err != nil {
				return nil, 0, 0, err
			}
			for _, e := range resp.Executions {
				per = append(per, e.GetCloseTime().AsTime().Sub(e.GetStartTime().AsTime()).Seconds())
				maxHist = max(maxHist, e.GetHistoryLength())
			}
			if token = resp.NextPageToken; len(token) == 0 {
				break
			}
		}
		if len(per) >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second) // visibility trails the workflows a little
	}
	runs := 0
	resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, PageSize: 1000,
		Query: fmt.Sprintf("WorkflowId = '%s'", workflows.BatchWorkflowID(batchID))})
	if err != nil {
		return nil, 0, 0, err
	}
	for _, e := range resp.Executions {
		runs++
		maxHist = max(maxHist, e.GetHistoryLength())
	}
	return per, maxHist, runs, nil
}

// peakRSS reads a process's peak resident memory (VmHWM) in MB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return round3(kb / 1024)
		}
	}
	return 0
}

func runBench(ctx context.Context, a *app, o benchOpts) (benchResult, error) {
	res := benchResult{Invoices: o.invoices, Lines: o.lines, Window: o.window, Workers: o.workers, CPUs: runtime.NumCPU()}
	// The benchmark seals with SAT's public test CSD, whose password is public too.
	if os.Getenv("BILLRUN_CSD_PASSWORD") == "" {
		os.Setenv("BILLRUN_CSD_PASSWORD", "12345678a")
	}
	tc, err := a.Temporal()
	if err != nil {
		return res, err
	}
	stamp := time.Now().UnixNano() / 1000 % 1_000_000_000
	offset := stamp * 1_000_000

	// Full: the real pipeline in worker processes, as deployed.
	name := fmt.Sprintf("billrun_bench_%d", stamp)
	dbURL, db, err := benchDB(ctx, o, name, offset)
	if err != nil {
		return res, err
	}
	defer db.Close()
	if !o.keep {
		defer dropDB(name)
		defer dropDB(name + "_bare")
	}
	queue := "bench-" + strconv.FormatInt(stamp, 10)
	bin := o.workerBin
	if bin == "" {
		exe, _ := os.Executable()
		bin = filepath.Join(filepath.Dir(exe), "billrun-worker")
	}
	var procs []*exec.Cmd
	for i := 0; i < o.workers; i++ {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "BILLRUN_TASK_QUEUE="+queue, "LOG_LEVEL=error")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return res, fmt.Errorf("start %s (build it with make build): %w", bin, err)
		}
		procs = append(procs, cmd)
	}
	stop := func() {
		for _, p := range procs {
			res.WorkerPeakRSSM = max(res.WorkerPeakRSSM, peakRSS(p.Process.Pid))
			_ = p.Process.Signal(syscall.SIGTERM)
			_ = p.Wait()
		}
	}
	batchID := "BENCH-" + strconv.FormatInt(stamp, 10)
	if _, err := activities.CreateBatch(ctx, db, batchID, activities.BatchParams{SourceKind: activities.SourceOrders, OrdersFrom: 1,
		OrdersTo: int64(o.invoices), Series: "A", InvoiceDate: time.Now().Format(time.DateOnly), Rate: decimal.NewFromInt(1), Grouping: "none"}); err != nil {
		stop()
		return res, err
	}
	start := time.Now()
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.BatchWorkflowID(batchID), TaskQueue: queue},
		workflows.BatchWorkflow, workflows.BatchInput{BatchID: batchID, Window: o.window})
	if err == nil {
		err = run.Get(ctx, nil)
	}
	wall := time.Since(start)
	stop()
	if err != nil {
		return res, err
	}
	var done int
	if err := db.QueryRow(ctx, `select count(*) from invoices where batch_id = $1 and status = 'completed' and delivery_status = 'sent'`, batchID).Scan(&done); err != nil {
		return res, err
	}
	if done != o.invoices {
		return res, fmt.Errorf("full run: %d of %d invoices completed, sealed and sent", done, o.invoices)
	}
	per, maxHist, runs, err := visibility(ctx, tc, a.cfg.TemporalNamespace, batchID, o.invoices)
	if err != nil {
		return res, err
	}
	res.Full = figures(o.invoices, wall, per)
	res.Full.MaxHistoryEvents, res.Full.BatchRuns = maxHist, runs

	// Ceiling: the same fan-out on the same server, activities doing nothing.
	if !o.skipCeiling {
		cq := queue + "-ceiling"
		w := worker.New(tc, cq, worker.Options{})
		registerNoop(w, o.invoices, offset+500_000)
		if err := w.Start(); err != nil {
			return res, err
		}
		cid := batchID + "-CEILING"
		start := time.Now()
		run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.BatchWorkflowID(cid), TaskQueue: cq},
			workflows.BatchWorkflow, workflows.BatchInput{BatchID: cid, Window: o.window})
		if err == nil {
			err = run.Get(ctx, nil)
		}
		wall := time.Since(start)
		w.Stop()
		if err != nil {
			return res, err
		}
		per, maxHist, runs, err := visibility(ctx, tc, a.cfg.TemporalNamespace, cid, o.invoices)
		if err != nil {
			return res, err
		}
		f := figures(o.invoices, wall, per)
		f.MaxHistoryEvents, f.BatchRuns = maxHist, runs
		res.Ceiling = &f
		res.FullOverCeil = round3(res.Full.InvoicesPerSec / f.InvoicesPerSec)
	}

	// Bare: the same activity functions in a plain loop, one process, no Temporal.
	if !o.skipBare {
		bname := name + "_bare"
		_, bdb, err := benchDB(ctx, o, bname, offset+800_000)
		if err != nil {
			return res, err
		}
		defer bdb.Close()
		acts := &activities.Activities{DB: bdb, Log: zap.NewNop(), Mail: activities.MailConfig{Addr: a.cfg.SMTPHost + ":" + a.cfg.SMTPPort, From: a.cfg.MailFrom}}
		bid := batchID + "-BARE"
		if _, err := activities.CreateBatch(ctx, bdb, bid, activities.BatchParams{SourceKind: activities.SourceOrders, OrdersFrom: 1,
			OrdersTo: int64(o.invoices), Series: "A", InvoiceDate: time.Now().Format(time.DateOnly), Rate: decimal.NewFromInt(1), Grouping: "none"}); err != nil {
			return res, err
		}
		start := time.Now()
		if _, err := acts.PlanBatch(ctx, bid); err != nil {
			return res, err
		}
		refs, err := acts.ListOpenInvoices(ctx, bid, 0, o.invoices)
		if err != nil {
			return res, err
		}
		var per []float64
		for _, r := range refs {
			t0 := time.Now()
			if _, err := acts.PriceInvoice(ctx, r.ID); err != nil {
				return res, err
			}
			for _, step := range []func() error{
				func() error { return acts.DischargeStock(ctx, r.ID, 1) },
				func() error { return acts.PostReceivable(ctx, r.ID, 1) },
				func() error { _, err := acts.CompleteInvoice(ctx, r.ID, 1); return err },
				func() error { return acts.SealInvoice(ctx, r.ID) },
				func() error { return acts.PrintInvoice(ctx, r.ID) },
				func() error { return acts.DeliverInvoice(ctx, r.ID, 1) },
			} {
				if err := step(); err != nil {
					return res, fmt.Errorf("bare invoice %d: %w", r.ID, err)
				}
			}
			per = append(per, time.Since(t0).Seconds())
		}
		f := figures(len(refs), time.Since(start), per)
		res.Bare = &f
		res.FullOverBare = round3(res.Full.InvoicesPerSec / f.InvoicesPerSec)
	}
	return res, nil
}

func dropDB(name string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("BILLRUN_PG_ADMIN_URL"))
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "drop database if exists "+name+" with (force)")
}
