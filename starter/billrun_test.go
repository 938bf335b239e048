package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"billrun/internal/model"
	"billrun/workflows"
)

// The demo dataset holds seed 004's worked example, seed 002's partial quantities, a
// generic customer's order, a zero-priced order and an order over stock.
func TestDemoBillRunThenFixAndRetry(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1001-1099", "--series", "A", "--date", "2026-11-23", "--wait")
	if sum.Invoices != 6 || sum.Completed != 5 || sum.Failed != 1 || sum.Pending != 0 || sum.LinesSkipped != 4 || sum.Unsealed != 0 {
		t.Fatalf("summary %+v, want 6 invoices: 5 completed and sealed, 1 failed; 4 lines not invoiced", sum)
	}

	// Seed 004's example is its own invoice: 3150.00 + VAT 504.00 = 3654.00.
	if got := h.str(`select v.subtotal::text || ' ' || v.vat::text || ' ' || v.total::text from invoices v
		join invoice_lines l on l.invoice_id = v.id where l.source_ref = 'order 1001 line 1'`); got != "3150.0000 504.0000 3654.0000" {
		t.Errorf("seed 004 invoice: %s", got)
	}
	// Seed 002: only the quantity to invoice is billed; the rest stays pending.
	if got := h.str(`select string_agg(qty_invoiced::text || '/' || qty_ordered::text || '/' || qty_to_invoice::text, ' ' order by line_no)
		from sales_order_lines l join sales_orders o on o.id = l.order_id where o.number = 1002`); got != "6.0000/10.0000/0.0000 0.0000/5.0000/0.0000 12.0000/12.0000/0.0000" {
		t.Errorf("order 1002 quantities invoiced/ordered/to-invoice: %s", got)
	}
	if got := h.str(`select string_agg(number || ':' || status, ' ' order by number) from sales_orders where number in (1001, 1002, 1006)`); got != "1001:fulfilled 1002:approved 1006:approved" {
		t.Errorf("order statuses: %s", got)
	}
	// Stock: 100 + 6 of A out and the 100 committed released; delivered order 1005 is not invoiced and moves nothing.
	if got := h.str(`select on_hand::text || ' ' || committed::text from stock where item = 'A'`); got != "394.0000 0.0000" {
		t.Errorf("stock of A: %s", got)
	}
	if n := h.int(`select count(*) from stock_movements m join invoice_lines l on l.id = m.invoice_line_id where l.source_ref like 'order 1005%'`); n != 0 {
		t.Errorf("delivered order 1005 moved stock %d times", n)
	}
	// The report names every skipped line and the failed invoice with its reason.
	var rep model.Report
	h.runJSON(&rep, "batch", "report", sum.BatchID)
	reasons := ""
	for _, s := range rep.Skipped {
		reasons += s.Source + ": " + s.Reason + "\n"
	}
	for _, want := range []string{"order 1006 line 1: generic customer", "order 1007 line 1: zero price", "order 1007 line 2: zero price",
		"order 1005 line 1: delivered: a delivery note moved its stock"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("report lacks %q:\n%s", want, reasons)
		}
	}
	if len(rep.Failed) != 1 || rep.Failed[0].Step != model.StepStock || !strings.Contains(rep.Failed[0].Reason, "not enough stock of item TEQ") {
		t.Fatalf("failed invoices: %+v", rep.Failed)
	}
	failed := rep.Failed[0].InvoiceID
	if fix := rep.Failed[0].Fix; !strings.Contains(fix, `"item": "TEQ"`) || !strings.Contains(fix, fmt.Sprintf("billrun invoice retry %d", failed)) {
		t.Errorf("the report's fix: %q", fix)
	}
	h.checkBooks()

	// Retried before the data is fixed, the operator is warned the cause is still there.
	var asked map[string]any
	h.runJSON(&asked, "invoice", "retry", fmt.Sprint(failed))
	if w, _ := asked["warning"].(string); !strings.Contains(w, "fails at stock discharge") || !strings.Contains(w, "TEQ") {
		t.Errorf("retry with the cause still there: %v", asked)
	}
	h.waitFor("the retry to fail again", time.Minute, func() bool {
		return h.str(`select status || attempt from invoices where id = $1`, failed) == "failed2"
	})

	// Fix the data and retry that invoice alone: it completes with the next number.
	h.mustRun("import", "../examples/fix-stock.json")
	h.runJSON(&sum, "invoice", "retry", fmt.Sprint(failed), "--wait")
	if sum.Completed != 6 || sum.Failed != 0 {
		t.Fatalf("after retry: %+v", sum)
	}
	var inv model.InvoiceView
	h.runJSON(&inv, "invoice", "show", fmt.Sprint(failed))
	if inv.Status != "completed" || inv.Number == nil || *inv.Number != 5 || inv.Attempt != 3 {
		t.Fatalf("retried invoice: status %s number %v attempt %d", inv.Status, inv.Number, inv.Attempt)
	}
	steps := ""
	for _, e := range inv.Audit {
		steps += fmt.Sprintf("%s/%d/%s ", e.Step, e.Attempt, e.Outcome)
	}
	if !strings.Contains(steps, "stock discharge/1/failed") || !strings.Contains(steps, "stock discharge/2/failed") || !strings.Contains(steps, "completion/3/ok") {
		t.Errorf("audit trail: %s", steps)
	}
	// The customer without an e-mail address: a warning in status, named in the report with its fix.
	var st model.Summary
	h.runJSON(&st, "batch", "status", sum.BatchID)
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "not e-mailed: their customers have no e-mail address") {
		t.Errorf("status warnings: %v", st.Warnings)
	}
	h.runJSON(&rep, "batch", "report", sum.BatchID)
	if len(rep.Undelivered) != 1 || !strings.Contains(rep.Undelivered[0].Fix, "email") || !strings.Contains(rep.Undelivered[0].Fix, "billrun invoice resend") {
		t.Errorf("undelivered: %+v", rep.Undelivered)
	}
	h.checkBooks()
	h.checkFiscal(sum.BatchID)
	// Seed 000's rule: the national-id customer gets a ticket of series T with the generic RFC.
	if got := h.str(`select document_kind || ' ' || series || '-' || number from invoices where customer = 'JUAN'`); got != "ticket T-1" {
		t.Errorf("national-id customer's document: %s", got)
	}
	xml := h.mustRun("invoice", "xml", fmt.Sprint(h.int(`select id from invoices where customer = 'JUAN'`)))
	if !strings.Contains(xml, `Rfc="XAXX010101000"`) || !strings.Contains(xml, `<cfdi:InformacionGlobal`) {
		t.Errorf("ticket CFDI lacks the generic RFC or InformacionGlobal:\n%s", xml)
	}

	// Replaying the real histories of this run against the code passes.
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	for _, id := range []string{workflows.BatchWorkflowID(h.inst, sum.BatchID), workflows.InvoiceWorkflowID(h.inst, failed)} {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflow(workflows.BatchWorkflow)
		r.RegisterWorkflow(workflows.InvoiceWorkflow)
		r.RegisterWorkflow(workflows.PublishWorkflow)
		err := r.ReplayWorkflowExecution(context.Background(), tc.WorkflowService(), nil, h.cfg.TemporalNamespace, workflow.Execution{ID: id})
		if err != nil {
			t.Errorf("replay %s: %v", id, err)
		}
	}
}

const taxDataset = `{
  "currencies": [{"code": "MXN", "decimals": 2}],
  "issuers": [{"code": "I", "rfc": "EKU9003173C9", "name": "ESCUELA KEMPER URGATE", "fiscal_regime": "601", "postal_code": "42501", "currency": "MXN"}],
  "payment_terms": [{"code": "NET30", "kind": "credit", "days": 30}],
  "customers": [
    {"code": "C1", "name": "Uno", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration", "payment_terms": "NET30", "invoicing_method": "per-order"}
  ],
  "items": [
    {"code": "OK", "description": "Bien gravado", "unit_price": 100, "vat_rate": 16, "stocked": false},
    {"code": "BAD", "description": "Sin perfil fiscal", "unit_price": 100, "stocked": false}
  ],
  "warehouses": [{"code": "W", "name": "W"}],
  "series": [{"code": "A", "issuer": "I", "document_kind": "invoice", "closing_date": "2026-10-31"}],
  "orders": [
    {"number": 1, "customer": "C1", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01", "lines": [{"item": "OK", "ordered": 1}]},
    {"number": 2, "customer": "C1", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01", "lines": [{"item": "BAD", "ordered": 2}]}
  ]
}`

func TestBrokenTaxProfileFailsThenRetryNumbersNext(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(taxDataset)
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1-2", "--series", "A", "--date", "2026-11-23", "--wait")
	if sum.Completed != 1 || sum.Failed != 1 {
		t.Fatalf("summary %+v, want 1 completed and 1 failed", sum)
	}
	id := h.int(`select id from invoices where status = 'failed'`)
	if got := h.str(`select error_step || ': ' || error_reason from invoices where id = $1`, id); !strings.Contains(got, "pricing: tax setup: item BAD has no VAT rate") {
		t.Fatalf("failure: %s", got)
	}
	if n := h.int(`select count(*) from receivables where invoice_id = $1`, id); n != 0 {
		t.Fatalf("failed invoice posted %d receivables", n)
	}
	// Retrying before the fix fails the same way and takes no number.
	h.runJSON(&sum, "batch", "retry", sum.BatchID, "--wait")
	if sum.Failed != 1 || h.int(`select next_number from series where code = 'A'`) != 2 {
		t.Fatalf("retry without a fix: %+v, next number %d", sum, h.int(`select next_number from series where code = 'A'`))
	}
	h.importJSON(`{"items": [{"code": "BAD", "description": "Ya con perfil fiscal", "unit_price": 100, "vat_rate": 16, "stocked": false}]}`)
	h.runJSON(&sum, "invoice", "retry", fmt.Sprint(id), "--wait")
	if sum.Completed != 2 || sum.Failed != 0 {
		t.Fatalf("after fix and retry: %+v", sum)
	}
	if got := h.str(`select number || ' ' || total::text || ' ' || attempt from invoices where id = $1`, id); got != "2 232.0000 3" {
		t.Fatalf("retried invoice number/total/attempt: %s, want 2 232.0000 3", got)
	}
	h.checkBooks()
}

func ordersDataset(n int, stock int) string {
	var orders []string
	for i := 1; i <= n; i++ {
		orders = append(orders, fmt.Sprintf(`{"number": %d, "customer": "C%d", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01",
			"lines": [{"item": "P", "ordered": 2, "price": 10.50}, {"item": "S", "ordered": 1, "price": 99.99, "discount": 10}]}`, i, i%7))
	}
	var customers []string
	for i := 0; i < 7; i++ {
		terms := "NET30"
		if i%2 == 0 {
			terms = "CASH"
		}
		customers = append(customers, fmt.Sprintf(`{"code": "C%d", "name": "Cliente %d", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration", "payment_terms": %q}`, i, i, terms))
	}
	return fmt.Sprintf(`{
  "currencies": [{"code": "MXN", "decimals": 2}],
  "issuers": [{"code": "I", "rfc": "EKU9003173C9", "name": "ESCUELA KEMPER URGATE", "fiscal_regime": "601", "postal_code": "42501", "currency": "MXN"}],
  "payment_terms": [{"code": "NET30", "kind": "credit", "days": 30}, {"code": "CASH", "kind": "cash"}],
  "customers": [%s],
  "items": [{"code": "P", "description": "Producto", "unit_price": 10.5, "vat_rate": 16},
            {"code": "S", "description": "Servicio", "unit_price": 99.99, "vat_rate": 16, "isr_withholding_rate": 10, "stocked": false}],
  "warehouses": [{"code": "W", "name": "W"}],
  "stock": [{"warehouse": "W", "item": "P", "on_hand": %d}],
  "series": [{"code": "A", "issuer": "I", "document_kind": "invoice", "closing_date": "2026-10-31"}],
  "orders": [%s]
}`, strings.Join(customers, ","), stock, strings.Join(orders, ","))
}

func TestConcurrentBatchesOverOverlappingRangesBillEachLineOnce(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(ordersDataset(30, 1000))
	var wg sync.WaitGroup
	sums := make([]model.Summary, 2)
	for i, rng := range []string{"1-20", "10-30"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.runJSON(&sums[i], "batch", "create", "--orders", rng, "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--wait")
		}()
	}
	wg.Wait()
	if sums[0].Invoices+sums[1].Invoices != 30 || sums[0].Completed+sums[1].Completed != 30 {
		t.Fatalf("two batches made %d+%d invoices (%d+%d completed), want 30 in all", sums[0].Invoices, sums[1].Invoices, sums[0].Completed, sums[1].Completed)
	}
	if n := h.int(`select count(*) from (select source_id from invoice_lines group by source_id having count(*) > 1) d`); n != 0 {
		t.Fatalf("%d order lines billed twice", n)
	}
	if n := h.int(`select count(*) from sales_orders where status <> 'fulfilled'`); n != 0 {
		t.Fatalf("%d orders not fulfilled", n)
	}
	if got := h.str(`select on_hand::text from stock where item = 'P'`); got != "940.0000" {
		t.Fatalf("stock of P %s, want 940 (30 orders × 2)", got)
	}
	h.checkBooks()
}

func TestDraftBatchWaitsForApprovalThenCompletes(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(taxDataset)
	h.importJSON(`{"items": [{"code": "BAD", "description": "Con perfil fiscal", "unit_price": 100, "vat_rate": 16, "stocked": false}]}`)
	id := h.batchID("DRAFT")
	out := h.mustRun("batch", "create", "--id", id, "--orders", "1-2", "--series", "A", "--date", "2026-11-23", "--draft", "--wait")
	if !strings.Contains(out, "is a draft") {
		t.Fatalf("--wait on a draft batch: %s", out)
	}
	if s := h.str(`select status from batches where id = $1`, id); s != "awaiting_approval" {
		t.Fatalf("draft batch is %s", s)
	}
	// Priced drafts, no number, no effect until approval.
	if got := h.str(`select string_agg(status || ' ' || total::text, ', ' order by group_no) from invoices`); got != "draft 116.0000, draft 232.0000" {
		t.Fatalf("drafts: %s", got)
	}
	if n := h.int(`select count(*) from receivables`) + h.int(`select next_number - 1 from series`); n != 0 {
		t.Fatalf("a draft batch had effects before approval")
	}
	h.mustRun("batch", "approve", id)
	// Creating the same batch id again is a no-op; --wait follows the running batch.
	out = h.mustRun("batch", "create", "--id", id, "--orders", "1-2", "--series", "A", "--date", "2026-11-23", "--draft", "--wait")
	var sum model.Summary
	h.runJSON(&sum, "batch", "status", id)
	if sum.Status != "finished" || sum.Completed != 2 {
		t.Fatalf("after approval: %+v\n%s", sum, out)
	}
	h.checkBooks()
}

// Approval is an informed decision: a draft batch's report lists its drafts with customer
// and amounts, and says which would fail and why; after approval exactly those fail.
func TestDraftReviewSaysWhatWillFail(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	id := h.batchID("REVIEW")
	h.mustRun("batch", "create", "--id", id, "--orders", "1001-1099", "--series", "A", "--date", "2026-11-23", "--draft", "--wait")
	var rep model.Report
	h.runJSON(&rep, "batch", "report", id)
	if len(rep.Drafts) != 6 {
		t.Fatalf("%d drafts, want 6: %+v", len(rep.Drafts), rep.Drafts)
	}
	var predicted []int64
	for _, d := range rep.Drafts {
		if d.Customer == "" || d.Lines == 0 || len(d.Sources) == 0 {
			t.Errorf("draft without customer, lines or sources: %+v", d)
		}
		if d.Problem != "" {
			predicted = append(predicted, d.InvoiceID)
			if !strings.Contains(d.Problem, "fails at stock discharge: not enough stock of item TEQ in warehouse CENTRAL") {
				t.Errorf("draft %d: %s", d.InvoiceID, d.Problem)
			}
		}
	}
	h.mustRun("batch", "approve", id)
	h.waitFor("the batch finished", 2*time.Minute, func() bool { return h.str(`select status from batches where id = $1`, id) == "finished" })
	h.runJSON(&rep, "batch", "report", id)
	if len(rep.Drafts) != 0 || len(rep.Failed) != len(predicted) || len(predicted) != 1 || rep.Failed[0].InvoiceID != predicted[0] {
		t.Errorf("predicted to fail %v; failed %+v", predicted, rep.Failed)
	}
}

// Seed 001's billing templates: a batch made from one takes its defaults and cannot widen
// it — another source kind, orders beyond its range, a looser grouping, another series
// when its series is fixed are refused, naming the template.
func TestBillingTemplateBoundsABatch(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"templates": [{"name": "MAYORISTA", "sources": ["orders"], "orders_from": 1001, "orders_to": 1003,
		"grouping": "none", "series": "A", "fixed_series": true}]}`)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--orders", "1001-1099"}, "template MAYORISTA: orders 1001-1099 go beyond its range 1001-1003"},
		{[]string{"--grouping", "by-entity"}, "template MAYORISTA: grouping by-entity is less restrictive than its none"},
		{[]string{"--series", "T"}, "template MAYORISTA: its series A may not be overridden"},
		{[]string{"--plans", "--period", "2026-11-01..2026-11-30"}, "template MAYORISTA: allows orders, not plans"},
	} {
		args := append([]string{"batch", "create", "--template", "MAYORISTA", "--date", "2026-11-23"}, c.args...)
		if msg := h.mustFail(args...); !strings.Contains(msg, c.want) {
			t.Errorf("%v: %q, want %q", c.args, msg, c.want)
		}
	}
	if n := h.int(`select count(*) from batches`); n != 0 {
		t.Fatalf("refused batches wrote %d", n)
	}
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--template", "MAYORISTA", "--date", "2026-11-23", "--wait")
	if got := h.str(`select params->>'template' || ' ' || grouping || ' ' || (params->>'orders_from') || '-' || (params->>'orders_to') from batches where id = $1`, sum.BatchID); got != "MAYORISTA none 1001-1003" {
		t.Errorf("the batch made from the template: %s", got)
	}
	// Orders 1002 and 1003 are TANGO's: with grouping none, one invoice per order.
	if sum.Invoices != 3 {
		t.Errorf("invoices %d, want 3 (one per order): %+v", sum.Invoices, sum)
	}
	var ts []map[string]any
	h.runJSON(&ts, "template", "list")
	if len(ts) != 1 {
		t.Errorf("template list: %v", ts)
	}
}

// billrun demo --json answers one JSON document, whose batch parts are the summaries: the
// orders' bill run, and the Uruguayan installments' (draft, then approved); it creates the
// Uruguayan issuer's daily-report Schedule.
func TestDemoCommandPrintsOneJSONDocument(t *testing.T) {
	h := newHarness(t, true)
	var doc struct {
		Import       map[string]int
		Batch        model.Summary
		UruguayDraft model.Summary `json:"uruguay_draft"`
		Uruguay      model.Summary
		Schedule     map[string]any `json:"daily_report_schedule"`
	}
	h.runJSON(&doc, "demo", "--file", "../examples/demo.json", "--date", "2026-11-23")
	defer h.run("schedule", "delete", "daily-report-UYE")
	if doc.Schedule["issuer"] != "UYE" || doc.Schedule["time_zone"] != "America/Montevideo" {
		t.Errorf("the demo's daily-report Schedule: %v", doc.Schedule)
	}
	if doc.Batch.Invoices != 6 || doc.Batch.Failed != 1 || doc.Import["orders"] == 0 || doc.Import["caes"] != 4 {
		t.Errorf("demo --json: %+v", doc)
	}
	checkUruguayDemo(h, doc.UruguayDraft, doc.Uruguay)
}
