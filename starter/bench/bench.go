// Package bench measures a real bill run on the local stack against references measured in
// the same run on the same server: it makes a synthetic dataset in databases of its own,
// runs billrun-worker processes, and reads the figures from Temporal's visibility.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"billrun/activities"
	"billrun/internal/batching"
	"billrun/internal/fiscal"
	"billrun/internal/model"
	"billrun/internal/store"
	"billrun/workflows"
)

// Options are a benchmark's parameters.
type Options struct {
	Invoices, Lines, Window, Workers int
	CSDDir, WorkerBin                string
	Keep                             bool
	SkipBare, SkipEmpty              bool
	SkipFull                         bool
	RetryMidway                      bool      // send a retry signal when half the invoices are final
	Progress                         io.Writer // progress lines while it runs (nil: none)
	// The stack: PostgreSQL's admin URL, Temporal's namespace; Activities builds the bare
	// run's activities (mail server, PAC) on a store, as the worker does.
	AdminURL, Namespace string
	Activities          func(*store.Store) (*activities.Activities, error)
}

// Result is one benchmark's JSON line.
type Result struct {
	Invoices   int      `json:"invoices"`
	Lines      int      `json:"lines"`
	Window     int      `json:"window"`
	Workers    int      `json:"workers"`
	Full       *Figures `json:"full,omitempty"`
	EmptyChild *Figures `json:"empty_child,omitempty"`
	Bare       *Figures `json:"bare,omitempty"`
	// Ratio is full ms per invoice / (empty child ms + bare ms): what the pipeline costs
	// against its floor, one durable child per invoice plus the work done without Temporal.
	Ratio          float64 `json:"ratio,omitempty"`
	WorkerPeakRSSM float64 `json:"worker_peak_rss_mb"`
	CPUs           int     `json:"cpus"`
	// Steps are the full run's cost per invoice by activity, from the workers' metrics.
	Steps []Step `json:"steps,omitempty"`
}

// Run measures full, empty-child and bare runs of o.Invoices invoices.
func Run(ctx context.Context, tc client.Client, o Options) (Result, error) {
	res := Result{Invoices: o.Invoices, Lines: o.Lines, Window: o.Window, Workers: o.Workers, CPUs: runtime.NumCPU()}
	if o.AdminURL == "" {
		return res, fmt.Errorf("BILLRUN_PG_ADMIN_URL is not set: source .dev/demo/env (make demo) first")
	}
	// The benchmark seals with SAT's public test CSD, whose password is public too.
	if os.Getenv("BILLRUN_CSD_PASSWORD") == "" {
		os.Setenv("BILLRUN_CSD_PASSWORD", "12345678a")
	}
	stamp := time.Now().UnixNano() / 1000 % 1_000_000_000
	offset := stamp * 1_000_000
	name := fmt.Sprintf("billrun_bench_%d", stamp)
	if !o.Keep {
		defer store.DropDatabase(context.Background(), o.AdminURL, name)         //nolint:errcheck
		defer store.DropDatabase(context.Background(), o.AdminURL, name+"_bare") //nolint:errcheck
	}

	if !o.SkipFull {
		if err := full(ctx, tc, o, name, offset, stamp, &res); err != nil {
			return res, err
		}
	}
	inst := "bench" + strconv.FormatInt(stamp%1000, 10)
	batchID := "BENCH-" + strconv.FormatInt(stamp, 10)

	// Empty child: the same batch workflow and fan-out on the same server, children empty.
	if !o.SkipEmpty {
		ec := workflows.Client{Temporal: tc, TaskQueue: "bench-" + strconv.FormatInt(stamp, 10) + "-empty", Installation: inst}
		w := worker.New(tc, ec.TaskQueue, worker.Options{})
		registerEmpty(w, ec, o.Invoices, offset+500_000)
		if err := w.Start(); err != nil {
			return res, err
		}
		eid := batchID + "-EMPTY"
		wall, err := runBatch(ctx, ec, nil, eid, o, false)
		w.Stop()
		if err != nil {
			return res, err
		}
		f, err := measured(ctx, ec, o, eid, wall)
		if err != nil {
			return res, err
		}
		res.EmptyChild = &f
	}

	// Bare: the same activity functions in a plain loop, one process, no Temporal.
	if !o.SkipBare {
		f, err := bare(ctx, o, name+"_bare", offset+800_000, batchID+"-BARE")
		if err != nil {
			return res, err
		}
		res.Bare = &f
	}
	if res.Full != nil && res.EmptyChild != nil && res.Bare != nil {
		res.Ratio = round3(msPer(*res.Full) / (msPer(*res.EmptyChild) + msPer(*res.Bare)))
	}
	return res, nil
}

// full runs the real pipeline in billrun-worker processes, as deployed, and measures it.
func full(ctx context.Context, tc client.Client, o Options, name string, offset, stamp int64, res *Result) error {
	dbURL, st, err := database(ctx, o, name, offset)
	if err != nil {
		return err
	}
	defer st.Close()
	inst, err := st.Installation(ctx)
	if err != nil {
		return err
	}
	batchID := "BENCH-" + strconv.FormatInt(stamp, 10)
	wc := workflows.Client{Temporal: tc, TaskQueue: "bench-" + strconv.FormatInt(stamp, 10), Installation: inst}
	procs, addrs, err := startWorkers(o, dbURL, wc.TaskQueue)
	if err != nil {
		return err
	}
	scraped := func() { // before the workers stop: each step's cost, from their own metrics
		if s, err := stepsOf(ctx, addrs, o.Invoices); err == nil {
			res.Steps = s
		} else {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		}
	}
	stop := func() {
		for _, p := range procs {
			res.WorkerPeakRSSM = max(res.WorkerPeakRSSM, peakRSS(p.Process.Pid))
			_ = p.Process.Signal(syscall.SIGTERM)
			_ = p.Wait()
		}
	}
	if _, err := batching.Create(ctx, st, batchID, params(o)); err != nil {
		stop()
		return err
	}
	statements, counted := st.Statements(ctx)
	wall, err := runBatch(ctx, wc, st, batchID, o, true)
	if err == nil {
		scraped()
	}
	stop()
	if err != nil {
		return err
	}
	done, err := st.CountDone(ctx, batchID)
	if err != nil {
		return err
	}
	if done != o.Invoices {
		return fmt.Errorf("full run: %d of %d invoices completed, sealed, printed and sent", done, o.Invoices)
	}
	f, err := measured(ctx, wc, o, batchID, wall)
	if err != nil {
		return err
	}
	if after, ok := st.Statements(ctx); ok && counted {
		f.StatementsPerInvoice = round3(float64(after-statements) / float64(o.Invoices))
	}
	f.PlanSeconds = planTime(ctx, wc, batchID)
	res.Full = &f
	return nil
}

// msPer is a run's wall time per invoice in milliseconds.
func msPer(f Figures) float64 { return f.WallSeconds * 1000 / float64(f.Invoices) }

func params(o Options) model.BatchParams {
	return model.BatchParams{SourceKind: model.SourceOrders, OrdersFrom: 1, OrdersTo: int64(o.Invoices), Series: "A",
		InvoiceDate: fiscal.Today("MX", time.Now()), Rate: decimal.NewFromInt(1), Grouping: "none"}
}

// database creates, migrates and fills a database of its own on the stack's cluster.
func database(ctx context.Context, o Options, name string, idOffset int64) (string, *store.Store, error) {
	dbURL, err := store.CreateDatabase(ctx, o.AdminURL, name)
	if err != nil {
		return "", nil, err
	}
	st, err := store.Open(ctx, dbURL, 40)
	if err != nil {
		return "", nil, err
	}
	csd, err := filepath.Abs(o.CSDDir)
	if err == nil {
		err = st.StartIDsAt(ctx, idOffset)
	}
	if err == nil {
		_, err = st.Import(ctx, Dataset(o, csd))
	}
	if err != nil {
		st.Close()
		return "", nil, err
	}
	return dbURL, st, nil
}

// startWorkers runs o.Workers billrun-worker processes on the benchmark's database and queue.
func startWorkers(o Options, dbURL, queue string) ([]*exec.Cmd, []string, error) {
	bin := o.WorkerBin
	if bin == "" {
		exe, _ := os.Executable()
		bin = filepath.Join(filepath.Dir(exe), "billrun-worker")
	}
	var procs []*exec.Cmd
	var addrs []string
	for i := 0; i < o.Workers; i++ {
		addr, err := freeAddr()
		if err != nil {
			return nil, nil, err
		}
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "BILLRUN_TASK_QUEUE="+queue, "LOG_LEVEL=error", "BILLRUN_METRICS_ADDR="+addr)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			for _, p := range procs {
				_ = p.Process.Kill()
				_ = p.Wait()
			}
			return nil, nil, fmt.Errorf("start %s (build it with make build): %w", bin, err)
		}
		procs, addrs = append(procs, cmd), append(addrs, addr)
	}
	return procs, addrs, nil
}

// runBatch runs a recorded batch's workflow to its end — and, with published, its
// publication too (every document printed and e-mailed) — and answers the wall time. With
// a store it prints progress every few seconds and, when asked, sends a retry signal once
// half the invoices are final.
func runBatch(ctx context.Context, wc workflows.Client, st *store.Store, batchID string, o Options, published bool) (time.Duration, error) {
	start := time.Now()
	if err := wc.StartBatch(ctx, workflows.BatchInput{BatchID: batchID, Window: o.Window}, "Benchmark "+batchID); err != nil {
		return 0, err
	}
	done := make(chan struct{})
	defer close(done)
	if st != nil {
		go watch(ctx, wc, st, batchID, o, start, done)
	}
	err := wc.Temporal.GetWorkflow(ctx, workflows.BatchWorkflowID(wc.Installation, batchID), "").Get(ctx, nil)
	if err == nil && published {
		err = wc.Temporal.GetWorkflow(ctx, workflows.PublishWorkflowID(wc.Installation, batchID), "").Get(ctx, nil)
	}
	return time.Since(start), err
}

// watch prints a batch's progress and sends the midway retry.
func watch(ctx context.Context, wc workflows.Client, st *store.Store, batchID string, o Options, start time.Time, done <-chan struct{}) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	retried := !o.RetryMidway
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			final, published, err := st.Progress(ctx, batchID)
			if err != nil {
				continue
			}
			if o.Progress != nil {
				el := time.Since(start).Seconds()
				fmt.Fprintf(o.Progress, "[bench] %s %.0fs: %d/%d final (%.1f/s), %d published\n", batchID, el, final, o.Invoices, float64(final)/el, published)
			}
			if !retried && final*2 >= o.Invoices {
				retried = true
				err := wc.RetryBatch(ctx, batchID, nil, fiscal.Today("MX", time.Now()))
				if o.Progress != nil {
					fmt.Fprintf(o.Progress, "[bench] %s: retry signal sent at %d/%d (%v)\n", batchID, final, o.Invoices, err)
				}
			}
		}
	}
}

func measured(ctx context.Context, wc workflows.Client, o Options, batchID string, wall time.Duration) (Figures, error) {
	hs, err := visibility(ctx, wc, o.Namespace, batchID, o.Invoices)
	if err != nil {
		return Figures{}, err
	}
	f := figures(o.Invoices, wall, hs.per)
	f.MaxHistoryEvents, f.BatchRuns = hs.maxEvents, hs.batchRuns
	f.EventsPerInvoice = round3(float64(hs.events) / float64(o.Invoices))
	f.HistoryBytesPerInv = round3(float64(hs.size) / float64(o.Invoices))
	return f, nil
}

// bare calls the activity functions in a plain loop in this process, without Temporal.
func bare(ctx context.Context, o Options, name string, idOffset int64, batchID string) (Figures, error) {
	_, st, err := database(ctx, o, name, idOffset)
	if err != nil {
		return Figures{}, err
	}
	defer st.Close()
	acts, err := o.Activities(st)
	if err != nil {
		return Figures{}, err
	}
	if _, err := batching.Create(ctx, st, batchID, params(o)); err != nil {
		return Figures{}, err
	}
	start := time.Now()
	if _, err := acts.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: batchID}); err != nil {
		return Figures{}, err
	}
	open, err := acts.Planning.ListOpenInvoices(ctx, activities.OpenPage{BatchID: batchID, AfterGroup: 0, Limit: o.Invoices})
	refs := open.Invoices
	if err != nil {
		return Figures{}, err
	}
	var per []float64
	for _, r := range refs {
		t0 := time.Now()
		if _, err := acts.Invoicing.PriceInvoice(ctx, activities.InvoiceStep{InvoiceID: r.ID}); err != nil {
			return Figures{}, err
		}
		for _, step := range []func() error{
			func() error {
				return acts.Invoicing.DischargeStock(ctx, activities.InvoiceStep{InvoiceID: r.ID, Attempt: 1})
			},
			func() error {
				return acts.Invoicing.PostReceivable(ctx, activities.InvoiceStep{InvoiceID: r.ID, Attempt: 1})
			},
			func() error {
				_, err := acts.Invoicing.CompleteInvoice(ctx, activities.InvoiceStep{InvoiceID: r.ID, Attempt: 1})
				return err
			},
			func() error {
				_, err := acts.Publication.SealInvoice(ctx, activities.Document{InvoiceID: r.ID})
				return err
			},
			func() error { return acts.Publication.StampInvoice(ctx, activities.Document{InvoiceID: r.ID}) },
			func() error { return acts.Publication.PrintInvoice(ctx, activities.Document{InvoiceID: r.ID}) },
			func() error {
				return acts.Publication.DeliverInvoice(ctx, activities.Delivery{InvoiceID: r.ID, Seq: 1})
			},
		} {
			if err := step(); err != nil {
				return Figures{}, fmt.Errorf("bare invoice %d: %w", r.ID, err)
			}
		}
		per = append(per, time.Since(t0).Seconds())
	}
	return figures(len(refs), time.Since(start), per), nil
}
