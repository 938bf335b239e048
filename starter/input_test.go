package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"billrun/internal/importfmt"
	"billrun/internal/model"
)

func TestBadBatchInputIsRefusedAndWritesNothing(t *testing.T) {
	h := newHarness(t, false) // nothing may reach a worker
	h.importJSON(taxDataset)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown series", []string{"--orders", "1-2", "--series", "NOPE"}, `--series: unknown series "NOPE"`},
		{"date before closing date", []string{"--orders", "1-2", "--series", "A", "--date", "2026-10-15"}, "--date: invoice date 2026-10-15 is not after series A's closing date 2026-10-31"},
		{"closing date itself", []string{"--orders", "1-2", "--series", "A", "--date", "2026-10-31"}, "closing date"},
		{"not a date", []string{"--orders", "1-2", "--series", "A", "--date", "23/11/2026"}, `--date: "23/11/2026" is not a date`},
		{"empty range", []string{"--orders", "500-600", "--series", "A"}, "--orders: no sales order has a number in 500-600"},
		{"FROM > TO", []string{"--orders", "2-1", "--series", "A"}, "--orders: FROM 2 is greater than TO 1"},
		{"not a range", []string{"--orders", "abc", "--series", "A"}, `--orders: "abc" is not a range`},
		{"unknown customer", []string{"--orders", "1-2", "--series", "A", "--customers", "C1,GHOST"}, `--customers: unknown customer "GHOST"`},
		{"rate zero", []string{"--orders", "1-2", "--series", "A", "--rate", "0"}, "--rate: the exchange rate must be greater than 0"},
		{"rate negative", []string{"--orders", "1-2", "--series", "A", "--rate", "-1.5"}, "--rate: the exchange rate must be greater than 0"},
		{"grouping", []string{"--orders", "1-2", "--series", "A", "--grouping", "random"}, `--grouping: "random" is not one of`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"batch", "create"}, c.args...)
			if !strings.Contains(strings.Join(c.args, " "), "--date") {
				args = append(args, "--date", "2026-11-23")
			}
			out, err := h.run(args...)
			var in *model.InputError
			if !errors.As(err, &in) {
				t.Fatalf("err = %v (%s), want an input error", err, out)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not say %q", err, c.want)
			}
		})
	}
	if n := h.int(`select count(*) from batches`) + h.int(`select count(*) from invoices`); n != 0 {
		t.Fatalf("bad input wrote %d batches and invoices", n)
	}
	if n := h.int(`select count(*) from sales_order_lines where qty_in_billing > 0`); n != 0 {
		t.Fatalf("bad input claimed %d order lines", n)
	}
	for _, args := range [][]string{
		{"batch", "status", "B999"}, {"batch", "report", "B999"}, {"batch", "retry", "B999"}, {"batch", "approve", "B999"},
		{"invoice", "show", "424242"}, {"invoice", "retry", "424242"},
	} {
		_, err := h.run(args...)
		if !errors.Is(err, model.ErrNotFound) {
			t.Errorf("billrun %s: err = %v, want not found", strings.Join(args, " "), err)
		}
	}
	if _, err := h.run("invoice", "show", "x1"); err == nil || !strings.Contains(err.Error(), `invoice: "x1" is neither an invoice id`) {
		t.Errorf("invoice show x1: %v", err)
	}
}

func TestDryRunShowsInvoicesAndWritesNothing(t *testing.T) {
	h := newHarness(t, false)
	h.importJSON(taxDataset)
	var plan model.PlanOutcome
	h.runJSON(&plan, "batch", "create", "--orders", "1-2", "--series", "A", "--date", "2026-11-23", "--dry-run")
	if len(plan.Invoices) != 2 || !plan.Invoices[0].Total.Equal(decimal.RequireFromString("116")) {
		t.Fatalf("dry run: %+v", plan.Invoices)
	}
	if plan.Invoices[1].Problem == "" {
		t.Errorf("dry run does not show that order 2 cannot be priced")
	}
	if n := h.int(`select count(*) from batches`) + h.int(`select count(*) from invoices`) + h.int(`select count(*) from sales_order_lines where qty_in_billing > 0`); n != 0 {
		t.Fatalf("dry run wrote %d rows", n)
	}
}

func TestImportReportsEveryMistakeAndWritesNothing(t *testing.T) {
	h := newHarness(t, false)
	bad := strings.NewReplacer(
		`"rfc": "EKU9003173C9"`, `"rfc": "not-an-rfc"`, // 1: issuers[0].rfc
		`"kind": "credit"`, `"kind": "someday"`, // 2: payment_terms[0].kind
		`"vat_rate": 16, "stocked": false}`, `"vat_rate": 160, "stocked": false}`, // 3: items[0].vat_rate
		`"document_kind": "invoice"`, `"document_kind": "receipt"`, // 4: series[0].document_kind
		`{"item": "BAD", "ordered": 2}`, `{"item": "GHOST", "ordered": 2}`, // 5: orders[1].lines[0].item
	).Replace(taxDataset)
	_, err := h.run("import", writeTemp(t, bad))
	var inv *importfmt.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("err = %v, want an invalid dataset", err)
	}
	want := []string{
		"issuers[0] (I): rfc",
		"payment_terms[0] (NET30): kind",
		"items[0] (OK): vat_rate",
		"series[0] (A): document_kind",
		"orders[1] (number 2) lines[0]: item",
	}
	got := map[string]bool{}
	for _, p := range inv.Problems {
		got[p.Record+": "+p.Field] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing problem %q in:\n%s", w, err)
		}
	}
	if len(inv.Problems) != 5 {
		t.Errorf("%d problems, want exactly the 5 mistakes:\n%s", len(inv.Problems), err)
	}
	for _, table := range []string{"currencies", "issuers", "customers", "items", "sales_orders"} {
		if n := h.int(`select count(*) from ` + table); n != 0 {
			t.Errorf("%s has %d rows after a refused import", table, n)
		}
	}
	if _, err := h.run("import", writeTemp(t, `{"customers": [], "typo_field": 1}`)); err == nil || !strings.Contains(err.Error(), "typo_field") {
		t.Errorf("an unknown field is not named: %v", err)
	}
}

// Importing the demo again (make demo is safe to re-run) never rewinds stock that moved
// since: it is kept, and a physical count ("count": true) adjusts it with a record of what
// it was. Files an issuer points at must exist and be what they say.
func TestImportNeverRewindsStock(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.mustRun("batch", "create", "--orders", "1001-1001", "--series", "A", "--date", "2026-11-23", "--wait")
	moved := h.str(`select on_hand::text from stock where warehouse = 'CENTRAL' and item = 'B'`)
	if moved != "800.0000" {
		t.Fatalf("stock of B after billing 200: %s", moved)
	}
	out := h.mustRun("import", "../examples/demo.json")
	if got := h.str(`select on_hand::text from stock where warehouse = 'CENTRAL' and item = 'B'`); got != moved {
		t.Errorf("importing the demo again rewound stock of B to %s (was %s)", got, moved)
	}
	if !strings.Contains(out, `stock kept: moved since ("count": true adjusts it)`) {
		t.Errorf("the import does not say it kept stock: %s", out)
	}
	h.importJSON(`{"stock": [{"warehouse": "CENTRAL", "item": "B", "on_hand": 790, "committed": 0, "count": true}]}`)
	if got := h.str(`select on_hand::text || ' ' || (select string_agg(kind || ' ' || on_hand_before::text || '>' || on_hand_after::text, ', ' order by id)
		from stock_adjustments where item = 'B') from stock where warehouse = 'CENTRAL' and item = 'B'`); got != "790.0000 opening 0.0000>1000.0000, count 800.0000>790.0000" {
		t.Errorf("stock of B and its adjustments after a count: %s", got)
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "not-a-cert.cer")
	if err := os.WriteFile(bad, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	msg := h.mustFail("import", writeTemp(t, `{"issuers": [{"code": "EKU", "rfc": "EKU9003173C9", "name": "ESCUELA KEMPER URGATE", "fiscal_regime": "601",
		"postal_code": "42501", "currency": "MXN", "email": "facturas@kemper.example",
		"csd_certificate": "`+bad+`", "csd_key": "`+filepath.Join(dir, "missing.key")+`"}]}`))
	for _, want := range []string{"issuers[0] (EKU): csd_certificate: " + bad + " is not an X.509 certificate", "issuers[0] (EKU): csd_key: open " + filepath.Join(dir, "missing.key")} {
		if !strings.Contains(msg, want) {
			t.Errorf("import of bad CSD files: %s\nwant %q", msg, want)
		}
	}
}

// Seed 002: after a partial bill run the rest of an order line is billable again once the
// next quantity to invoice is set, never more than is pending.
func TestRestOfAPartialOrder(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.mustRun("batch", "create", "--orders", "1002-1002", "--series", "A", "--date", "2026-11-23", "--wait")
	line := func() string {
		return h.str(`select qty_invoiced::text || '/' || qty_ordered::text || '/' || qty_to_invoice::text
			from sales_order_lines l join sales_orders o on o.id = l.order_id where o.number = 1002 and l.line_no = 1`)
	}
	if got := line(); got != "6.0000/10.0000/0.0000" {
		t.Fatalf("order 1002 line 1 after the partial run: %s", got)
	}
	if msg := h.mustFail("order", "to-invoice", "1002", "--line", "1", "--qty", "4.5"); !strings.Contains(msg, "4.5 is more than the 4 pending") {
		t.Errorf("more than pending: %s", msg)
	}
	if msg := h.mustFail("order", "to-invoice", "1002", "--line", "9", "--qty", "1"); !strings.Contains(msg, "order 1002 line 9: not found") {
		t.Errorf("unknown line: %s", msg)
	}
	h.mustRun("order", "to-invoice", "1002", "--line", "1", "--qty", "4")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1002-1002", "--series", "A", "--date", "2026-11-23", "--wait")
	if sum.Completed != 1 || line() != "10.0000/10.0000/0.0000" {
		t.Errorf("the rest billed: %+v, line %s", sum, line())
	}
}

// Issue 27: no choice silently ignored. --customers selects installments by their
// contract's payer; a plans batch refuses --contracts (exit 2, naming the flag): a plan
// bills every entity by quota (its --customers choose plans by their customer: seed 003,
// TestPlansOfCustomersAndTheirAssociatedEntities).
func TestCustomersFilterAppliesOrIsRefused(t *testing.T) {
	h := newHarness(t, false)
	h.mustRun("import", "../examples/demo.json")
	var all, one model.PlanOutcome
	h.runJSON(&all, "batch", "create", "--installments", "--due-until", "2026-11-23", "--date", "2026-11-23", "--dry-run")
	h.runJSON(&one, "batch", "create", "--installments", "--due-until", "2026-11-23", "--date", "2026-11-23", "--customers", "BINALOR", "--dry-run")
	if len(all.Invoices) < 2 || len(one.Invoices) == 0 || len(one.Invoices) >= len(all.Invoices) {
		t.Fatalf("--customers BINALOR: %d drafts of %d", len(one.Invoices), len(all.Invoices))
	}
	for _, d := range one.Invoices {
		if d.Customer != "BINALOR" {
			t.Errorf("--customers BINALOR made a draft for %s", d.Customer)
		}
	}
	_, err := h.run("batch", "create", "--plans", "--period", "2026-11-01..2026-11-30", "--date", "2026-11-23", "--contracts", "C-1", "--dry-run")
	var in *model.InputError
	if !errors.As(err, &in) || !strings.Contains(err.Error(), "--contracts: applies to installments, not to plans: a billing plan bills every entity") {
		t.Errorf("--contracts on a plans batch: %v", err)
	}
}

// Seed 001's "one invoice per line": --grouping per-line makes a draft of every line.
func TestGroupingPerLine(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	var perLine, byEntity model.PlanOutcome
	h.runJSON(&byEntity, "batch", "create", "--orders", "1001-1001", "--series", "A", "--date", "2026-11-23", "--dry-run")
	h.runJSON(&perLine, "batch", "create", "--orders", "1001-1001", "--series", "A", "--date", "2026-11-23", "--grouping", "per-line", "--dry-run")
	lines := 0
	for _, d := range byEntity.Invoices {
		lines += d.Lines
	}
	if len(perLine.Invoices) != lines || lines < 2 {
		t.Fatalf("per-line: %d drafts of %d lines", len(perLine.Invoices), lines)
	}
	for _, d := range perLine.Invoices {
		if d.Lines != 1 {
			t.Errorf("a per-line draft of %d lines", d.Lines)
		}
	}
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1001-1001", "--series", "A", "--date", "2026-11-23", "--grouping", "per-line", "--wait")
	if sum.Completed != lines {
		t.Errorf("a per-line batch: %+v, want %d invoices", sum, lines)
	}
}

// Seed 003: only an active plan's events bill. An inactive plan's events are not selected;
// made active again, they are.
func TestInactivePlansDoNotBill(t *testing.T) {
	h := newHarness(t, false)
	h.mustRun("import", "../examples/demo.json")
	dry := func() int {
		var plan model.PlanOutcome
		h.runJSON(&plan, "batch", "create", "--plans", "--period", "2026-11-01..2026-11-30", "--date", "2026-11-30", "--dry-run")
		return len(plan.Invoices)
	}
	active := dry()
	if active == 0 {
		t.Fatal("the demo plan bills nothing in November")
	}
	if out := h.mustRun("plan", "state", "PLAN-MANT", "inactive"); !strings.Contains(out, "inactive (was active)") {
		t.Errorf("plan state: %s", out)
	}
	if n := dry(); n != 0 {
		t.Errorf("an inactive plan made %d drafts", n)
	}
	h.mustRun("plan", "state", "PLAN-MANT", "active")
	if n := dry(); n != active {
		t.Errorf("active again: %d drafts, want %d", n, active)
	}
	if _, err := h.run("plan", "state", "PLAN-MANT", "asleep"); err == nil {
		t.Error("a state that is none was taken")
	}
}
