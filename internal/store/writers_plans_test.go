package store_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// A plan event changes (SetPlanEvent) only before a batch bills it: one a batch holds or
// has billed refuses any change, two events of a plan never share a date, and a state the
// schema does not have is refused by the database.

func TestPlanEventChangesOnlyBeforeItBills(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	events, err := w.st.ListPlanEvents(w.ctx, "PLAN-MANT")
	if err != nil || len(events) < 12 {
		t.Fatalf("events: %d %v", len(events), err)
	}
	oct, nov, december := events[9], events[10], events[11]
	w.create("PLAN", model.BatchParams{SourceKind: model.SourcePlans, PeriodFrom: "2026-11-01", PeriodTo: "2026-11-30",
		Series: "A", InvoiceDate: "2026-11-23", Rate: decimal.NewFromInt(1), Grouping: rules.GroupNone})
	w.selectAll("PLAN") // November's event: in billing
	for _, c := range []struct {
		name        string
		id          int64
		date, state string
		want        string // the event's date and state after
		refused     func(error) bool
	}{
		{"suspend October's", oct.ID, "", "suspended", oct.Date + " suspended", nil},
		{"plan it again, a day later", oct.ID, "2026-11-01", "planned", "2026-11-01 planned", nil},
		{"the same again", oct.ID, "2026-11-01", "planned", "2026-11-01 planned", nil},
		{"onto December's date", oct.ID, december.Date, "", "2026-11-01 planned", func(err error) bool { return errors.Is(err, store.ErrEventDateTaken) }},
		{"a state there is not", oct.ID, "", "billed", "2026-11-01 planned", func(err error) bool { return refusedBy(err, "billing_events_state_check") }},
		{"November's, a batch billing it", nov.ID, "", "cancelled", nov.Date + " in_billing", isInput},
		{"an event there is not", 999999, "", "cancelled", "", func(err error) bool { return errors.Is(err, model.ErrNotFound) }},
	} {
		e, err := w.st.SetPlanEvent(w.ctx, c.id, c.date, c.state)
		switch {
		case c.refused != nil && !c.refused(err):
			t.Errorf("%s: %v, want refused", c.name, err)
		case c.refused == nil && (err != nil || e.Date+" "+e.State != c.want):
			t.Errorf("%s: %+v %v, want %s", c.name, e, err, c.want)
		}
		if c.want != "" {
			got := w.row(`select event_date::text || ' ' || state from billing_events where id = $1`, c.id)
			if got != c.want {
				t.Errorf("%s: event %q, want %q", c.name, got, c.want)
			}
		}
	}
	// Billed, November's event stays as it was billed.
	w.group("PLAN")
	for _, id := range w.invoices("PLAN") {
		w.complete(id)
	}
	if _, err := w.st.SetPlanEvent(w.ctx, nov.ID, "2026-11-29", ""); !isInput(err) {
		t.Errorf("moving an executed event: %v", err)
	}
	if got := w.row(`select event_date::text || ' ' || state from billing_events where id = $1`, nov.ID); got != nov.Date+" executed" {
		t.Errorf("November's event %q, want it executed on %s", got, nov.Date)
	}
}
