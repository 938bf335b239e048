package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"billrun/activities"
	"billrun/internal/store"
	"billrun/schema/testdb"
	"billrun/worker/config"
	"billrun/workflows"
)

// harness is one test's billrun: its own database and task queue on the shared test stack,
// an in-process worker, and the CLI as an operator runs it.
type harness struct {
	t    *testing.T
	cfg  config.Config
	st   *store.Store
	db   *pgxpool.Pool // the test's own connection, for checks
	inst string        // the test database's installation id
}

func newHarness(t *testing.T, withWorker bool) *harness {
	t.Helper()
	return newHarnessOn(t, testdb.New(t), withWorker)
}

// newHarnessOn is a harness on the database at dbURL (migrated already).
func newHarnessOn(t *testing.T, dbURL string, withWorker bool) *harness {
	t.Helper()
	t.Setenv("BILLRUN_CSD_PASSWORD", "12345678a") // SAT's public test key
	cfg, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = dbURL
	cfg.TemporalAddress = testdb.TemporalAddress(t)
	cfg.TaskQueue = fmt.Sprintf("test-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
	h := &harness{t: t, cfg: cfg}
	st, err := cfg.Store(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	db, err := pgxpool.New(context.Background(), cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	h.st, h.db = st, db
	if h.inst, err = st.Installation(context.Background()); err != nil {
		t.Fatal(err)
	}
	if withWorker {
		h.startWorker()
	}
	return h
}

func (h *harness) startWorker(opts ...activities.Option) {
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		h.t.Fatal(err)
	}
	w := worker.New(tc, h.cfg.TaskQueue, config.WorkerOptions())
	acts, err := h.cfg.Activities(h.st, h.inst)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, o := range opts {
		o(acts)
	}
	workflows.Register(w, acts, workflows.Client{Temporal: tc, TaskQueue: h.cfg.TaskQueue, Installation: h.inst, Timeouts: h.cfg.Timeouts})
	if err := w.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { w.Stop(); tc.Close() })
}

// run runs the CLI with args and returns what it printed.
func (h *harness) run(args ...string) (string, error) {
	var out bytes.Buffer
	a := &app{cfg: h.cfg, log: zap.NewNop(), out: &out}
	defer a.close()
	root := newRoot(a)
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&out)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

// batchID makes a batch id unique to this test run: workflow ids outlive a test's database
// on a Temporal server that stays up between runs.
func (h *harness) batchID(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

// mustRun runs a command that must do its work: it may end with exit code 3 (done, some
// invoices failed), which the test then checks itself.
func (h *harness) mustRun(args ...string) string {
	h.t.Helper()
	out, err := h.run(args...)
	if err != nil && exitCode(err) != exitFailures {
		h.t.Fatalf("billrun %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// runJSON runs a command with --json and decodes its answer.
func (h *harness) runJSON(v any, args ...string) {
	h.t.Helper()
	out := h.mustRun(append(args, "--json")...)
	rv := reflect.ValueOf(v).Elem()
	rv.Set(reflect.Zero(rv.Type())) // fields the answer omits must not keep an earlier value
	if err := json.Unmarshal([]byte(out), v); err != nil {
		h.t.Fatalf("billrun %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// importJSON writes a dataset to a file and imports it.
func (h *harness) importJSON(doc string) {
	h.t.Helper()
	h.mustRun("import", writeTemp(h.t, doc))
}

func (h *harness) int(sql string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (h *harness) bytes(sql string, args ...any) []byte {
	h.t.Helper()
	var b []byte
	if err := h.db.QueryRow(context.Background(), sql, args...).Scan(&b); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return b
}

func (h *harness) str(sql string, args ...any) string {
	h.t.Helper()
	var s string
	if err := h.db.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return s
}

// checkBooks asserts what must hold after any bill run: numbers gapless per series, one
// live receivable per completed invoice with terms that post one, no stock movement for a
// failed invoice that was not undone, no order line billed beyond its quantity.
func (h *harness) checkBooks() {
	h.t.Helper()
	if n := h.int(`select count(*) from (select series, count(*) c, min(number) lo, max(number) hi from invoices
		where number is not null group by series) s where lo <> 1 or hi <> c`); n != 0 {
		h.t.Errorf("numbering has gaps in %d series", n)
	}
	if n := h.int(`select count(*) from invoices v join payment_terms t on t.code = v.payment_terms
		where v.status = 'completed' and t.kind <> 'none' and v.document_kind not in ('payment_receipt', 'credit_note')
		  and (select count(*) from receivables r where r.invoice_id = v.id and r.status in ('open', 'paid')) <> 1`); n != 0 {
		h.t.Errorf("%d completed invoices without exactly one live receivable", n)
	}
	if n := h.int(`select count(*) from receivables r join invoices v on v.id = r.invoice_id where v.status <> 'completed' and r.status = 'open'`); n != 0 {
		h.t.Errorf("%d open receivables of invoices not completed", n)
	}
	if n := h.int(`select count(*) from invoices v join invoice_lines l on l.invoice_id = v.id
		join stock_movements m on m.invoice_line_id = l.id and m.attempt = v.attempt and m.direction = 'out'
		where v.status = 'failed' and not exists (select 1 from stock_movements u where u.invoice_line_id = l.id
		  and u.attempt = m.attempt and u.direction = 'in')`); n != 0 {
		h.t.Errorf("%d stock movements of failed invoices not undone", n)
	}
	if n := h.int(`select count(*) from sales_order_lines where qty_to_invoice + qty_in_billing + qty_invoiced > qty_ordered`); n != 0 {
		h.t.Errorf("%d order lines billed beyond their quantity", n)
	}
	if n := h.int(`select count(*) from (select source_id from invoice_lines l join invoices v on v.id = l.invoice_id
		where l.source_kind = 'order_line' group by source_id, v.batch_id having count(*) > 1) d`); n != 0 {
		h.t.Errorf("%d order lines on two invoices of one batch", n)
	}
}

func writeTemp(t *testing.T, doc string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
