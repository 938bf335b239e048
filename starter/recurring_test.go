package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"billrun/internal/fiscal"
	"billrun/internal/model"
	"billrun/workflows"
)

func TestInstallmentBillRunKeepsReferencesAndBillsOnce(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--installments", "--due-until", "2026-11-30", "--partner", "SOCIO", "--recurring", "--date", "2026-11-23", "--wait")
	if sum.Invoices != 1 || sum.Completed != 1 || sum.LinesInvoiced != 2 {
		t.Fatalf("summary %+v, want one invoice with the two complete installments", sum)
	}
	// Payer ≠ partner (seed 000): the contract's payer is billed; the line keeps its references.
	if got := h.str(`select v.customer || ' ' || v.total::text from invoices v where v.batch_id = $1`, sum.BatchID); got != "FORSETI 1774.8000" {
		t.Errorf("invoice payer and total: %s, want FORSETI and 2 × (850 − 10 %%) × 1.16", got)
	}
	if got := h.str(`select string_agg(l.partner || ' ' || (l.refs->>'expense_report') || ' ' || (l.refs->>'activity') || ' ' || l.discount_pct::text, '; ' order by l.line_no)
		from invoice_lines l join invoices v on v.id = l.invoice_id where v.batch_id = $1`, sum.BatchID); got != "SOCIO IG-0101 ACT-7 10.0000; SOCIO IG-0102 ACT-7 10.0000" {
		t.Errorf("installment lines: %s", got)
	}
	// Seed 000: the line references are shown by invoice show and printed on the PDF.
	id := h.int(`select id from invoices where batch_id = $1`, sum.BatchID)
	if show := h.mustRun("invoice", "show", fmt.Sprint(id)); !strings.Contains(show, "refs: activity ACT-7, contract C-2026-01, contract_line 1, expense_report IG-0102") {
		t.Errorf("invoice show does not list the line's references:\n%s", show)
	}
	h.waitFor("the invoice printed", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and fiscal_status = 'pdf'`, id) == 1
	})
	pdf := filepath.Join(t.TempDir(), "i.pdf")
	h.mustRun("invoice", "pdf", fmt.Sprint(id), "-o", pdf)
	if text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output(); err != nil || !strings.Contains(squeeze(string(text)), squeeze("informe de gastos IG-0101")) {
		t.Errorf("the PDF does not print the line's references (%v):\n%s", err, text)
	}
	if got := h.str(`select string_agg(i.state, ' ' order by i.seq) from installments i join contract_lines l on l.id = i.contract_line_id
		join contracts c on c.id = l.contract_id where c.number = 'C-2026-01'`); got != "billed billed draft" {
		t.Errorf("installment states: %s", got)
	}
	// The Mexican series only: the dataset's Uruguayan contracts are billed in the demo.
	h.runJSON(&sum, "batch", "create", "--installments", "--series", "A", "--due-until", "2026-12-31", "--date", "2026-11-23", "--wait")
	if sum.Invoices != 0 {
		t.Fatalf("a second run billed %d invoices; billed and draft installments must not be billed", sum.Invoices)
	}
	h.checkBooks()
}

const planData = `{
  "currencies": [{"code": "MXN", "decimals": 2}],
  "issuers": [{"code": "I", "rfc": "EKU9003173C9", "name": "ESCUELA KEMPER URGATE", "fiscal_regime": "601", "postal_code": "42501", "currency": "MXN"}],
  "payment_terms": [{"code": "NET30", "kind": "credit", "days": 30}],
  "customers": [
    {"code": "P1", "name": "Uno", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration", "payment_terms": "NET30"},
    {"code": "P2", "name": "Dos", "tax_id": "MASO451221PM4", "tax_id_kind": "tax_registration", "payment_terms": "NET30"},
    {"code": "P3", "name": "Tres", "tax_id": "TRES800101", "tax_id_kind": "national_id", "payment_terms": "NET30"}
  ],
  "items": [{"code": "M", "description": "Mantenimiento", "unit_price": 100, "vat_rate": 16, "stocked": false}],
  "series": [{"code": "A", "issuer": "I", "document_kind": "invoice", "closing_date": "2025-12-31"},
             {"code": "T", "issuer": "I", "document_kind": "ticket", "closing_date": "2025-12-31"}],
  "document_kinds": [{"tax_id_kind": "national_id", "document_kind": "ticket", "series": "T"}],
  "billing_plans": [
    {"code": "THIRDS", "customer": "P1", "series": "A", "currency": "MXN", "payment_terms": "NET30",
     "every": 1, "unit": "month", "start": "2026-01-31", "end": "2026-06-30",
     "items": [{"item": "M", "quantity": 1, "price": 100.00}],
     "entities": [{"customer": "P1", "quota": 33.33}, {"customer": "P2", "quota": 33.33}, {"customer": "P3", "quota": 33.34}]},
    {"code": "DATED", "customer": "P2", "series": "A", "currency": "MXN", "payment_terms": "NET30",
     "dates": [%s], "items": [{"item": "M", "quantity": 3, "price": 33.33, "discount": 5}],
     "entities": [{"customer": "P2", "quota": 60}, {"customer": "P3", "quota": 40}]}
  ]
}`

func TestPlanBillRunSplitsByQuotaAndExecutesEvents(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(fmt.Sprintf(planData, `"2026-02-10", "2026-03-10"`))
	// Month ends: Jan 31 → Feb 28 → Mar 31 …
	var events []model.PlanEvent
	h.runJSON(&events, "plan", "events", "THIRDS")
	var dates []string
	for _, e := range events {
		dates = append(dates, e.Date)
	}
	if strings.Join(dates, " ") != "2026-01-31 2026-02-28 2026-03-31 2026-04-30 2026-05-31 2026-06-30" {
		t.Fatalf("THIRDS events: %v", dates)
	}
	// Cancelled, suspended and inactive events are never billed.
	h.mustRun("plan", "event", "set", fmt.Sprint(events[1].ID), "--state", "cancelled")
	h.mustRun("plan", "event", "set", fmt.Sprint(events[2].ID), "--state", "suspended")
	var dated []model.PlanEvent
	h.runJSON(&dated, "plan", "events", "DATED")
	h.mustRun("plan", "event", "set", fmt.Sprint(dated[1].ID), "--state", "inactive")

	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--plans", "--period", "2026-01-01..2026-03-31", "--grouping", "none", "--date", "2026-04-01", "--wait")
	if sum.Failed != 0 || sum.Completed != sum.Invoices {
		t.Fatalf("summary %+v", sum)
	}
	// THIRDS Jan 31: 100.00 as 33.33 + 33.33 + 33.34; DATED Feb 10: 3 × 33.33 − 5 % = 94.99 as 56.99 + 38.00.
	got := h.str(`select string_agg(l.source_ref || '=' || l.subtotal::numeric(18,2)::text, ' ' order by l.source_ref)
		from invoice_lines l join invoices v on v.id = l.invoice_id where v.batch_id = $1`, sum.BatchID)
	want := "plan DATED event 2026-02-10 item 1 entity P2=56.99 plan DATED event 2026-02-10 item 1 entity P3=38.00 " +
		"plan THIRDS event 2026-01-31 item 1 entity P1=33.33 plan THIRDS event 2026-01-31 item 1 entity P2=33.33 plan THIRDS event 2026-01-31 item 1 entity P3=33.34"
	if got != want {
		t.Fatalf("split lines:\n got %s\nwant %s", got, want)
	}
	// The document kind rule reaches plan entities too: the national-id entity gets tickets.
	if got := h.str(`select string_agg(distinct customer || ' ' || series || ' ' || document_kind, ', ' order by customer || ' ' || series || ' ' || document_kind)
		from invoices where batch_id = $1`, sum.BatchID); got != "P1 A invoice, P2 A invoice, P3 T ticket" {
		t.Errorf("document kinds by entity: %s", got)
	}
	states := h.str(`select string_agg(p.code || ' ' || e.event_date || ' ' || e.state, ', ' order by p.code, e.event_date)
		from billing_events e join billing_plans p on p.id = e.plan_id where e.event_date <= '2026-03-31'`)
	if states != "DATED 2026-02-10 executed, DATED 2026-03-10 inactive, THIRDS 2026-01-31 executed, THIRDS 2026-02-28 cancelled, THIRDS 2026-03-31 suspended" {
		t.Fatalf("event states: %s", states)
	}
	// Seed 003: plan events shows each event's documents, filtered by period.
	var shown []model.PlanEvent
	h.runJSON(&shown, "plan", "events", "THIRDS", "--from", "2026-01-01", "--to", "2026-02-28")
	if len(shown) != 2 || len(shown[0].Documents) != 3 || len(shown[1].Documents) != 0 {
		t.Errorf("THIRDS' events of January and February with their documents: %+v", shown)
	}
	for _, d := range shown[0].Documents {
		if !strings.HasSuffix(d, " completed") {
			t.Errorf("a document of THIRDS' January event: %q", d)
		}
	}
	if msg := h.mustFail("plan", "events"); !strings.Contains(msg, "PLAN: give a billing plan, or --contract") {
		t.Errorf("plan events with nothing to choose by: %s", msg)
	}
	// Executed events refuse changes; the same period again bills nothing.
	_, err := h.run("plan", "event", "set", fmt.Sprint(events[0].ID), "--date", "2026-02-01")
	var in *model.InputError
	if !errors.As(err, &in) || !strings.Contains(err.Error(), "is executed: it cannot change") {
		t.Fatalf("changing an executed event: %v", err)
	}
	h.runJSON(&sum, "batch", "create", "--plans", "--period", "2026-01-01..2026-03-31", "--date", "2026-04-01", "--wait")
	if sum.Invoices != 0 {
		t.Fatalf("billing the same period again made %d invoices", sum.Invoices)
	}
	h.checkBooks()
}

func TestRecurringBadInput(t *testing.T) {
	h := newHarness(t, false)
	bad := strings.NewReplacer(`"quota": 33.34`, `"quota": 33.30`, `"end": "2026-06-30"`, `"end": "2025-06-30"`).
		Replace(fmt.Sprintf(planData, `"2026-02-10"`))
	_, err := h.run("import", writeTemp(t, bad))
	if err == nil || !strings.Contains(err.Error(), "quotas sum to 99.96, not 100") || !strings.Contains(err.Error(), "end: 2025-06-30 is before start 2026-01-31") {
		t.Fatalf("import of bad plans: %v", err)
	}
	if n := h.int(`select count(*) from billing_plans`); n != 0 {
		t.Fatalf("%d plans written", n)
	}
	// The database holds the quota rule too, whatever writes to it.
	h.importJSON(fmt.Sprintf(planData, `"2026-02-10"`))
	if _, err := h.db.Exec(context.Background(), `update billing_entities set quota = 50 where customer = 'P3' and plan_id = (select id from billing_plans where code = 'DATED')`); err == nil ||
		!strings.Contains(err.Error(), "not 100") {
		t.Fatalf("quotas off 100 accepted by the database: %v", err)
	}
	if _, err := h.run("plan", "events", "NOPE"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown plan: %v", err)
	}
	for _, args := range [][]string{
		{"schedule", "create", "x", "--plans", "--every", "0s"},
		{"schedule", "create", "x", "--plans", "--every", "-1h"},
		{"schedule", "create", "x", "--plans"},
		{"schedule", "create", "x", "--every", "1h"},
		{"batch", "create", "--plans", "--period", "2026-03-01..2026-02-01"},
		{"batch", "create", "--installments"},
	} {
		_, err := h.run(args...)
		var in *model.InputError
		if !errors.As(err, &in) {
			t.Errorf("billrun %s: %v, want an input error", strings.Join(args, " "), err)
		}
	}
	if n := h.int(`select count(*) from batches`); n != 0 {
		t.Errorf("bad input wrote %d batches", n)
	}
}

// waitActions waits until the schedule has run n times in all and those runs have ended.
func waitActions(t *testing.T, h *harness, name string, n int) {
	t.Helper()
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	handle := tc.ScheduleClient().GetHandle(context.Background(), workflows.ScheduleID(h.inst, name))
	deadline := time.Now().Add(2 * time.Minute)
	for {
		d, err := handle.Describe(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if int(d.Info.NumActions) >= n && len(d.Info.RunningWorkflows) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("schedule %s: %d runs, %d running; wanted %d ended", name, d.Info.NumActions, len(d.Info.RunningWorkflows), n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestScheduleBillsEachPeriodOnceWhateverRunsIt(t *testing.T) {
	h := newHarness(t, true)
	// The schedule's zone defaults to its issuer's: the day before is Mexico City's.
	yesterday := time.Now().In(fiscal.Zone("MX")).AddDate(0, 0, -1).Format(time.DateOnly)
	h.importJSON(fmt.Sprintf(planData, `"`+yesterday+`"`))
	name := fmt.Sprintf("t%d", time.Now().UnixNano()%1e9)
	h.mustRun("schedule", "create", name, "--plans", "--every", "2s", "--period", "day")
	t.Cleanup(func() { _, _ = h.run("schedule", "delete", name) })

	waitActions(t, h, name, 2)
	h.mustRun("schedule", "pause", name)
	waitActions(t, h, name, 2)
	batch := h.str(`select string_agg(id, ',') from batches where schedule = $1`, name)
	if batch != fmt.Sprintf("S-%s-%s..%s", name, yesterday, yesterday) {
		t.Fatalf("schedule's batches: %q, want one for yesterday", batch)
	}
	invoices := h.int(`select count(*) from invoices where status = 'completed'`)
	if invoices != 2 { // DATED's event, split 60/40 between P2 and P3
		t.Fatalf("%d invoices completed, want 2", invoices)
	}
	var d struct {
		Actions  int64
		Overlap  string
		TimeZone string `json:"time_zone"`
	}
	h.runJSON(&d, "schedule", "describe", name)
	if d.Overlap != "buffer_all" || d.TimeZone != "America/Mexico_City" { // a run held back bills its own period later: none is lost
		t.Fatalf("schedule policy: overlap %q, time zone %q", d.Overlap, d.TimeZone)
	}

	// Triggering the same period again bills nothing.
	h.mustRun("schedule", "trigger", name)
	waitActions(t, h, name, int(d.Actions)+1)
	// Neither does a backfill over runs whose period is billed.
	from, to := time.Now().UTC().Add(-5*time.Second), time.Now().UTC()
	h.mustRun("schedule", "backfill", name, from.Format(time.RFC3339), to.Format(time.RFC3339))
	waitActions(t, h, name, int(d.Actions)+2)
	if n := h.int(`select count(*) from invoices`); n != invoices {
		t.Fatalf("trigger and backfill made %d invoices, want still %d", n, invoices)
	}
	if n := h.int(`select count(*) from batches`); n != 1 {
		t.Fatalf("%d batches, want 1", n)
	}
	var list []struct {
		Name   string
		Paused bool
	}
	h.runJSON(&list, "schedule", "list")
	found := false
	for _, s := range list {
		found = found || (s.Name == name && s.Paused)
	}
	if !found {
		t.Errorf("schedule list lacks the paused %s: %+v", name, list)
	}
	h.checkBooks()
	_ = client.ScheduleListOptions{}
}

// A cron schedule shows its cron expression as given and its next runs in its zone, the
// issuer's by default.
func TestScheduleDescribeShowsCronAndNextRunsInItsZone(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	name := fmt.Sprintf("c%d", time.Now().UnixNano()%1e9)
	h.mustRun("schedule", "create", name, "--plans", "--cron", "0 6 1 * *", "--series", "A", "--paused")
	t.Cleanup(func() { _, _ = h.run("schedule", "delete", name) })
	var v scheduleView
	h.runJSON(&v, "schedule", "describe", name)
	if len(v.Cron) != 1 || v.Cron[0] != "0 6 1 * *" || v.TimeZone != "America/Mexico_City" || len(v.Next) == 0 {
		t.Fatalf("describe: %+v", v)
	}
	next, err := time.Parse(time.RFC3339, v.Next[0])
	if err != nil || next.Day() != 1 || next.Hour() != 6 || !strings.HasSuffix(v.Next[0], "-06:00") {
		t.Errorf("next run %q, want the 1st at 06:00 in Mexico City", v.Next[0])
	}
}
