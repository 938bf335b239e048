package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"billrun/internal/model"
)

// Seed 003: in a plan of items, one event not yet executed may change its lines'
// description, unit price, discount and quantity, or lose a line: that event bills its own
// items, split by quota like the plan's; the other events keep the plan's; once executed,
// the event refuses changes.
func TestEditAPlannedEventsItems(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	var events []model.PlanEvent
	h.runJSON(&events, "plan", "events", "PLAN-MANT", "--from", "2026-11-01", "--to", "2026-12-31")
	if len(events) != 2 {
		t.Fatalf("PLAN-MANT's events of November and December: %+v", events)
	}
	nov, dec := fmt.Sprint(events[0].ID), fmt.Sprint(events[1].ID)
	out := h.mustRun("plan", "event", "item", nov, "1", "--description", "Mantenimiento de noviembre", "--qty", "2", "--price", "900")
	if !strings.Contains(out, "Mantenimiento de noviembre") || !strings.Contains(out, "2 x 900") {
		t.Errorf("the event's items after the edit: %s", out)
	}
	for _, bad := range []struct{ args []string }{
		{[]string{"plan", "event", "item", nov, "1", "--remove"}},                 // its only line
		{[]string{"plan", "event", "item", nov, "7", "--price", "1"}},             // no such line
		{[]string{"plan", "event", "item", nov, "1", "--qty", "0"}},               // not positive
		{[]string{"plan", "event", "item", nov, "1", "--discount", "120"}},        // not a percent
		{[]string{"plan", "event", "item", nov, "1", "--price", "x"}},             // not a number
		{[]string{"plan", "event", "item", "999999", "1", "--price", "1"}},        // no such event
		{[]string{"plan", "event", "item", nov, "1", "--remove", "--price", "1"}}, // both
		{[]string{"plan", "event", "item", nov, "1"}},                             // nothing to change
	} {
		if _, err := h.run(bad.args...); err == nil {
			t.Errorf("%v was accepted", bad.args)
		}
	}
	if out := h.mustRun("plan", "events", "PLAN-MANT", "--from", "2026-11-01", "--to", "2026-12-31"); !strings.Contains(out, "(its own items)") {
		t.Errorf("plan events does not say which event bills its own items:\n%s", out)
	}

	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--plans", "--period", "2026-11-01..2026-12-31", "--grouping", "none", "--date", "2026-12-01", "--wait")
	if sum.Failed != 0 || sum.Completed != sum.Invoices || sum.Invoices == 0 {
		t.Fatalf("summary %+v", sum)
	}
	// November: 2 × 900 = 1,800.00 split 60/40; December: the plan's 850.00.
	got := h.str(`select string_agg(v.customer || ' ' || l.description || ' ' || (l.quantity * l.unit_price)::numeric(18,2)::text, '; ' order by l.source_ref)
		from invoice_lines l join invoices v on v.id = l.invoice_id where v.batch_id = $1`, sum.BatchID)
	want := "FORSETI Mantenimiento de noviembre (60 % of plan PLAN-MANT, 2026-11-30) 1080.00; SOCIO Mantenimiento de noviembre (40 % of plan PLAN-MANT, 2026-11-30) 720.00; " +
		"FORSETI Mantenimiento mensual (60 % of plan PLAN-MANT, 2026-12-31) 510.00; SOCIO Mantenimiento mensual (40 % of plan PLAN-MANT, 2026-12-31) 340.00"
	if got != want {
		t.Errorf("lines billed:\n got %s\nwant %s", got, want)
	}
	if msg := h.mustFail("plan", "event", "item", nov, "1", "--price", "1"); !strings.Contains(msg, "is executed") {
		t.Errorf("an executed event's items changed: %s", msg)
	}
	if n := h.int(`select count(*) from billing_event_items where event_id = $1`, events[1].ID); n != 0 || dec == nov {
		t.Errorf("December's event has %d items of its own", n)
	}
}

// associatesData re-imports SOCIO associated with FORSETI (a group's member) and gives
// SOCIO and TANGO (not associated) plans of their own billing in November.
const associatesData = `{
  "customers": [{"code": "SOCIO", "name": "Socio del Negocio Uno", "tax_id": "WATM640917J45", "tax_id_kind": "tax_registration",
     "fiscal_regime": "612", "postal_code": "34000", "email": "socio@socio.example", "payment_terms": "NET30", "associated_to": "FORSETI"}],
  "billing_plans": [
    {"code": "PLAN-SOCIO", "customer": "SOCIO", "series": "A", "currency": "MXN", "payment_terms": "NET30",
     "every": 1, "unit": "month", "start": "2026-11-30", "end": "2026-11-30",
     "items": [{"item": "MANT", "quantity": 1, "price": 100}], "entities": [{"customer": "SOCIO", "quota": 100}]},
    {"code": "PLAN-TANGO", "customer": "TANGO", "series": "A", "currency": "MXN", "payment_terms": "NET30",
     "every": 1, "unit": "month", "start": "2026-11-30", "end": "2026-11-30",
     "items": [{"item": "MANT", "quantity": 1, "price": 200}], "entities": [{"customer": "TANGO", "quota": 100}]}]}`

// Seed 003: a plans batch may take the plans of some customers (--customers: the plan's
// customer) and, asked to include associated entities, the plans of the customers
// associated with them; a customer is associated with another at import (named, checked).
func TestPlansOfCustomersAndTheirAssociatedEntities(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(associatesData)
	plans := func(flags ...string) string {
		t.Helper()
		var plan model.PlanOutcome
		h.runJSON(&plan, append([]string{"batch", "create", "--plans", "--period", "2026-11-01..2026-11-30", "--grouping", "none",
			"--date", "2026-12-01", "--dry-run"}, flags...)...)
		var out []string
		for _, inv := range plan.Invoices {
			for _, s := range inv.Sources {
				out = append(out, strings.Fields(s)[1]) // "plan PLAN-MANT event …"
			}
		}
		slices.Sort(out)
		return strings.Join(slices.Compact(out), ",")
	}
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{nil, "PLAN-MANT,PLAN-SOCIO,PLAN-TANGO"},
		{[]string{"--customers", "FORSETI"}, "PLAN-MANT"},
		{[]string{"--customers", "FORSETI", "--include-associated"}, "PLAN-MANT,PLAN-SOCIO"},
		{[]string{"--customers", "TANGO", "--include-associated"}, "PLAN-TANGO"},
	} {
		if got := plans(c.flags...); got != c.want {
			t.Errorf("%v: plans %s, want %s", c.flags, got, c.want)
		}
	}
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--plans", "--period", "2026-11-01..2026-11-30", "--grouping", "none", "--date", "2026-12-01",
		"--customers", "FORSETI", "--include-associated", "--wait")
	if !strings.Contains(sum.Selection, "customers FORSETI") || !strings.Contains(sum.Selection, "with their associated entities") || sum.Completed != 3 {
		t.Errorf("the batch: %+v", sum)
	}
	if msg := h.mustFail("batch", "create", "--plans", "--period", "2026-11-01..2026-11-30", "--date", "2026-12-01", "--include-associated"); !strings.Contains(msg, "--include-associated: give --customers") {
		t.Errorf("--include-associated alone: %s", msg)
	}
	for _, bad := range []struct{ data, want string }{
		{`{"customers": [{"code": "SOCIO", "name": "S", "tax_id": "WATM640917J45", "tax_id_kind": "tax_registration", "payment_terms": "NET30", "associated_to": "NOBODY"}]}`,
			`customers[0] (SOCIO): associated_to: unknown customer "NOBODY"`},
		{`{"customers": [{"code": "SOCIO", "name": "S", "tax_id": "WATM640917J45", "tax_id_kind": "tax_registration", "payment_terms": "NET30", "associated_to": "SOCIO"}]}`,
			`associated_to: a customer is not associated with itself`},
	} {
		if msg := h.mustFail("import", writeTemp(t, bad.data)); !strings.Contains(msg, bad.want) {
			t.Errorf("import: %s, want %s", msg, bad.want)
		}
	}
}

// Seed 003: a plan's own series is optional — the series is chosen when processing (the
// batch's --series; refused without one, naming the plans) — and a plan's associated
// contract's commercial conditions (payment terms, currency) prevail over the plan's, as
// its source order's (the header of the document it bills from) do when it has no contract.
func TestPlanSeriesChosenWhenProcessingAndContractTermsPrevail(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"billing_plans": [
		{"code": "PLAN-NOSER", "customer": "SOCIO", "currency": "MXN", "payment_terms": "NET30",
		 "every": 1, "unit": "month", "start": "2026-11-30", "end": "2026-11-30", "items": [{"item": "MANT", "quantity": 1, "price": 100}]},
		{"code": "PLAN-CT", "customer": "FORSETI", "contract": "C-2026-01", "series": "A", "currency": "USD", "payment_terms": "CASH",
		 "every": 1, "unit": "month", "start": "2026-11-30", "end": "2026-11-30", "items": [{"item": "MANT", "quantity": 1, "price": 200}]},
		{"code": "PLAN-SO", "customer": "SOCIO", "source_order": 1002, "series": "A", "currency": "USD", "payment_terms": "NET30",
		 "every": 1, "unit": "month", "start": "2026-11-30", "end": "2026-11-30", "items": [{"item": "MANT", "quantity": 1, "price": 300}]}]}`)
	if msg := h.mustFail("import", writeTemp(t, `{"billing_plans": [{"code": "PLAN-X", "customer": "SOCIO", "source_order": 99999, "currency": "MXN",
		"payment_terms": "NET30", "dates": ["2026-11-30"], "items": [{"item": "MANT", "quantity": 1, "price": 1}]}]}`)); !strings.Contains(msg, `billing_plans[0] (PLAN-X): source_order: unknown order "99999"`) {
		t.Errorf("a plan of an unknown source order: %s", msg)
	}
	args := []string{"batch", "create", "--plans", "--period", "2026-11-30..2026-11-30", "--grouping", "none", "--date", "2026-12-01"}
	if msg := h.mustFail(append(args, "--wait")...); !strings.Contains(msg, "--series: plans PLAN-NOSER name no series") {
		t.Errorf("a plan without a series, the batch naming none: %s", msg)
	}
	var sum model.Summary
	h.runJSON(&sum, append(args, "--series", "A", "--wait")...)
	if sum.Failed != 0 || sum.Completed != sum.Invoices || sum.Invoices == 0 {
		t.Fatalf("summary %+v", sum)
	}
	got := h.str(`select string_agg(distinct split_part(l.source_ref, ' ', 2) || ' ' || v.series || ' ' || v.currency || ' ' || v.payment_terms, '; ')
		from invoice_lines l join invoices v on v.id = l.invoice_id where v.batch_id = $1 and l.source_ref like 'plan PLAN-%'`, sum.BatchID)
	if want := "PLAN-CT A MXN NET30; PLAN-MANT A MXN NET30; PLAN-NOSER A MXN NET30; PLAN-SO A MXN CASH"; got != want {
		t.Errorf("plans billed:\n got %s\nwant %s", got, want)
	}
}
