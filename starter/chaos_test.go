package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/api/workflowservice/v1"
	"go.uber.org/zap"

	"billrun/activities"
	"billrun/internal/fiscal"
	"billrun/internal/importfmt"
	"billrun/internal/store"
	"billrun/schema/testdb"
	"billrun/starter/bench"
	"billrun/workflows"
)

// The chaos run (issue 9): a bill run through the full pipeline — planning, numbering,
// sealing, printing, e-mail — on a PostgreSQL cluster and a mail sink of its own, while its
// worker is killed with SIGKILL K times, PostgreSQL is stopped for 10 s, the mail sink for
// 60 s, an operator retries an invoice and terminates another's workflow. Then it checks
// that nothing was lost, doubled or stranded. `make test` runs 200 invoices; `make chaos`
// runs BILLRUN_CHAOS_INVOICES (default 1,000) and prints the figures for the README.

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// chaosFigures are one chaos run's outcome.
type chaosFigures struct {
	Invoices     int      `json:"invoices"`
	Kills        int      `json:"worker_sigkills"`
	PGDown       float64  `json:"postgres_down_s"`
	SMTPDown     float64  `json:"mail_sink_down_s"`
	Completed    int      `json:"completed"`
	Failed       int      `json:"failed"`
	Terminated   int      `json:"failed_terminated"`
	Uncertain    int      `json:"deliveries_uncertain"`
	Sent         int      `json:"deliveries_sent"`
	Messages     int      `json:"messages_in_sink"`
	WallSeconds  float64  `json:"wall_s"`
	PublishLag   float64  `json:"publication_after_batch_and_mail_s"`
	Undisturbed  float64  `json:"undisturbed_wall_s"`
	Disruptions  []string `json:"disruptions"`
	LostDoubled  int      `json:"lost_or_doubled"`
	StillRunning int      `json:"workflows_left_running"`
}

func TestChaos(t *testing.T) {
	n := envInt("BILLRUN_CHAOS_INVOICES", 200)
	kills := envInt("BILLRUN_CHAOS_KILLS", 3)
	bin := buildWorker(t)
	pg := testdb.PrivatePostgres(t)
	calm := chaosRun(t, pg, bin, n, 0, false)
	f := chaosRun(t, pg, bin, n, kills, true)
	f.Undisturbed = calm.WallSeconds
	out, _ := json.Marshal(f)
	t.Logf("chaos: %s", out)
	if path := os.Getenv("BILLRUN_CHAOS_OUT"); path != "" {
		_ = os.WriteFile(path, append(out, '\n'), 0o644)
	}
}

// chaosData is the bench's dataset (one invoice per order, customers with e-mail, SAT's
// test CSD), with every 25th order also wanting an item that is out of stock: those fail.
func chaosData(t *testing.T, n int) *importfmt.Dataset {
	d := bench.Dataset(bench.Options{Invoices: n, Lines: 3}, testdb.SAT(t, "csd"))
	vat := decimal.NewFromInt(16)
	d.Items = append(d.Items, importfmt.Item{Code: "SCARCE", Description: "Artículo escaso", UnitPrice: decimal.NewFromInt(5), VATRate: &vat})
	d.Stock = append(d.Stock, importfmt.Stock{Warehouse: "W", Item: "SCARCE", OnHand: decimal.Zero})
	for i := range d.Orders {
		if (i+1)%25 == 0 {
			d.Orders[i].Lines = append(d.Orders[i].Lines, importfmt.OrderLine{Item: "SCARCE", Ordered: decimal.NewFromInt(1)})
		}
	}
	return d
}

func chaosRun(t *testing.T, pg *testdb.Postgres, bin string, n, kills int, disturb bool) chaosFigures {
	ctx := context.Background()
	name := fmt.Sprintf("billrun_chaos_%d", time.Now().UnixNano()%1e9)
	dbURL, err := store.CreateDatabase(ctx, pg.AdminURL, name)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, dbURL, false)
	if err := h.st.StartIDsAt(ctx, time.Now().UnixNano()/1000%1_000_000_000*1000); err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.Import(ctx, chaosData(t, n)); err != nil {
		t.Fatal(err)
	}
	smtpAddr := testdb.FreeAddr(t)
	h.cfg.SMTPHost, h.cfg.SMTPPort = "127.0.0.1", strings.TrimPrefix(smtpAddr, "127.0.0.1:")
	sink := testdb.StartMailpit(t, smtpAddr, filepath.Join(t.TempDir(), "mail.db"))
	var mu sync.Mutex
	worker := h.startWorkerProcess(bin)
	f := chaosFigures{Invoices: n, Kills: kills, Disruptions: []string{}}
	note := func(s string) {
		mu.Lock()
		f.Disruptions = append(f.Disruptions, s)
		mu.Unlock()
		t.Log(s)
	}

	id := h.batchID("CHAOS")
	start := time.Now()
	h.mustRun("batch", "create", "--id", id, "--orders", fmt.Sprintf("1-%d", n), "--series", "A", "--date", fiscal.Today("MX", time.Now()),
		"--grouping", "none", "--window", "50")
	final := func() int { // invoices completed or failed; -1 while the database is down
		var c int
		if err := h.db.QueryRow(ctx, `select count(*) from invoices where batch_id = $1 and status in ('completed', 'failed')`, id).Scan(&c); err != nil {
			return -1
		}
		return c
	}
	var wg sync.WaitGroup
	var mailBack time.Time
	if disturb {
		f.PGDown, f.SMTPDown = 10, 60
		sink.Stop()
		note("mail sink stopped for 60 s")
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(60 * time.Second)
			sink.Start()
			mu.Lock()
			mailBack = time.Now()
			mu.Unlock()
			note("mail sink back")
		}()
		tc, err := h.cfg.Temporal(zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		defer tc.Close()
		type step struct {
			at float64
			do func()
		}
		kill := func() {
			mu.Lock()
			_ = worker.Process.Kill()
			_ = worker.Wait()
			worker = h.startWorkerProcess(bin)
			mu.Unlock()
			note(fmt.Sprintf("worker killed with SIGKILL at %d/%d final", final(), n))
		}
		steps := []step{
			{0.20, func() {
				pg.Stop()
				note(fmt.Sprintf("PostgreSQL stopped for 10 s at %s", time.Since(start).Round(time.Second)))
				time.Sleep(10 * time.Second)
				pg.Start()
				note("PostgreSQL back")
			}},
			{0.40, func() {
				var inv int64
				if err := h.db.QueryRow(ctx, `select id from invoices where batch_id = $1 and status = 'processing' limit 1`, id).Scan(&inv); err != nil {
					note("no invoice processing to terminate: " + err.Error())
					return
				}
				if err := tc.TerminateWorkflow(ctx, workflows.InvoiceWorkflowID(h.inst, inv), "", "chaos: terminated by an operator"); err != nil {
					note(fmt.Sprintf("terminate invoice %d: %v", inv, err))
					return
				}
				note(fmt.Sprintf("invoice %d's workflow terminated", inv))
			}},
			{0.55, func() {
				var inv int64
				if err := h.db.QueryRow(ctx, `select id from invoices where batch_id = $1 and status = 'failed' and error_step = 'stock discharge' limit 1`, id).Scan(&inv); err != nil {
					note("no failed invoice to retry yet: " + err.Error())
					return
				}
				h.mustRun("import", writeTemp(t, `{"stock": [{"warehouse": "W", "item": "SCARCE", "on_hand": 1, "count": true}]}`))
				h.mustRun("invoice", "retry", fmt.Sprint(inv))
				note(fmt.Sprintf("stock of SCARCE fixed for one invoice, invoice %d retried", inv))
			}},
		}
		for k := 0; k < kills; k++ {
			steps = append(steps, step{0.1 + 0.8*float64(k)/float64(max(1, kills)), kill})
		}
		for len(steps) > 0 {
			next := 0
			for i := range steps {
				if steps[i].at < steps[next].at {
					next = i
				}
			}
			if c := final(); c >= 0 && float64(c) >= steps[next].at*float64(n) || time.Since(start) > 10*time.Minute {
				steps[next].do()
				steps = append(steps[:next], steps[next+1:]...)
				continue
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	deadline, wctx := time.Now().Add(15*time.Minute), context.Background()
	var endedAt []time.Time
	for _, wid := range []string{workflows.BatchWorkflowID(h.inst, id), workflows.PublishWorkflowID(h.inst, id)} {
		for {
			err := tc.GetWorkflow(wctx, wid, "").Get(wctx, nil)
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Second) // a retry run of the batch, or a publication started again
		}
		endedAt = append(endedAt, time.Now())
	}
	wg.Wait()
	// The publication ends within a minute of the batch, or of the mail server's return
	// (issue 21), every document sent.
	from := endedAt[0]
	if mailBack.After(from) {
		from = mailBack
	}
	f.PublishLag = endedAt[1].Sub(from).Seconds()
	if lag := endedAt[1].Sub(from); lag > time.Minute {
		t.Errorf("the publication ended %s after the batch and the mail server were done", lag.Round(time.Second))
	}
	h.waitFor("every document published", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and status = 'completed' and delivery_status = 'pending'`, id) == 0
	})
	f.WallSeconds = time.Since(start).Seconds()
	mu.Lock()
	_ = worker.Process.Kill()
	_ = worker.Wait()
	mu.Unlock()

	f.Completed = h.int(`select count(*) from invoices where batch_id = $1 and status = 'completed'`, id)
	f.Failed = h.int(`select count(*) from invoices where batch_id = $1 and status = 'failed'`, id)
	f.Terminated = h.int(`select count(*) from invoices where batch_id = $1 and error_step = $2`, id, activities.StepTerminated)
	f.Sent = h.int(`select count(*) from deliveries where status = 'sent'`)
	f.Uncertain = h.int(`select count(*) from deliveries where status = 'uncertain'`)
	checkChaos(t, h, tc, id, n, sink.API, &f)
	return f
}

// checkChaos holds a chaos run to what must hold whatever happened.
func checkChaos(t *testing.T, h *harness, tc interface {
	ListWorkflow(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
}, id string, n int, api string, f *chaosFigures) {
	t.Helper()
	bad := func(what string, count int) {
		if count != 0 {
			t.Errorf("%s: %d", what, count)
			f.LostDoubled += count
		}
	}
	// Every invoice final: completed, or failed with its step and reason.
	bad("invoices not final", h.int(`select count(*) from invoices where batch_id = $1 and (status not in ('completed', 'failed')
		or (status = 'failed' and (error_step = '' or error_reason = '')))`, id))
	if got := f.Completed + f.Failed; got != n {
		t.Errorf("%d invoices final, want %d", got, n)
	}
	// Numbers gapless and unique per series.
	bad("series with gaps or doubles", h.int(`select count(*) from (select series, count(*) c, count(distinct number) d, min(number) lo, max(number) hi
		from invoices where number is not null group by series) s where lo <> 1 or hi <> c or d <> c`))
	// Stock: each stocked line of a completed invoice moved out exactly once, of a failed one not at all.
	bad("stock movements not exactly once", h.int(`select count(*) from invoice_lines l join invoices v on v.id = l.invoice_id join items i on i.code = l.item
		where v.batch_id = $1 and i.stocked and not l.delivered and
		  (select count(*) filter (where m.direction = 'out') - count(*) filter (where m.direction = 'in') from stock_movements m where m.invoice_line_id = l.id)
		  <> case when v.status = 'completed' then 1 else 0 end`, id))
	// (P0 and P2 are the stocked items, each with 10 per invoice at the start.)
	bad("stock on hand not initial minus discharged", h.int(`select count(*) from stock s where s.item in ('P0', 'P2') and s.on_hand <> 10 * $1::numeric
		- coalesce((select sum(case when m.direction = 'out' then m.quantity else -m.quantity end) from stock_movements m
		            where m.item = s.item and m.warehouse = s.warehouse), 0)`, n))
	// Receivables: one open per completed invoice, none for a failed one.
	bad("receivables not exactly once", h.int(`select count(*) from invoices v where v.batch_id = $1 and
		(select count(*) from receivables r where r.invoice_id = v.id and r.status = 'open') <> case when v.status = 'completed' then 1 else 0 end`, id))
	// E-mail: exactly one message per sent delivery; an uncertain one at most one.
	msgs := sinkMessages(t, api)
	for _, m := range msgs {
		f.Messages += len(m)
	}
	rows, err := h.db.Query(context.Background(), `select message_id, status from deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid, status string
		if err := rows.Scan(&mid, &status); err != nil {
			t.Fatal(err)
		}
		got := len(msgs[mid])
		switch {
		case status == "sent" && got != 1, status == "uncertain" && got > 1, status != "sent" && status != "uncertain" && got != 0:
			t.Errorf("delivery %s (%s): %d messages", mid, status, got)
			f.LostDoubled++
		}
	}
	// No workflow of the batch left running.
	resp, err := tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Namespace: h.cfg.TemporalNamespace,
		Query: fmt.Sprintf("BillrunBatchId = '%s' AND ExecutionStatus = 'Running'", id)})
	if err != nil {
		t.Fatal(err)
	}
	f.StillRunning = len(resp.Executions)
	bad("workflows left running", f.StillRunning)
	h.checkBooks()
}
