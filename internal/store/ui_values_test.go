package store_test

import (
	"strings"
	"testing"
	"time"

	"billrun/internal/importfmt"
	"billrun/internal/store"
)

// The UI value of a date is the latest imported on or before it, the threshold the setting
// in force; an import again replaces a day's value (upserted, written once).
func TestUILimitReadsTheLatestOnOrBefore(t *testing.T) {
	t.Parallel()
	w := newWorld(t) // the demo: UI 6.30 from 2026-01-01, 6.45 from 2026-11-01; 5,000 UI from 2026-01-01
	read := func(d time.Time) string {
		var got string
		w.mustTx(func(tx *store.Tx) error {
			ui, th, err := tx.UILimit(d)
			got = "none"
			if ui != nil {
				got = ui.Date.Format(time.DateOnly) + " " + ui.Value.String()
			}
			if th != nil {
				got += " / " + th.From.Format(time.DateOnly) + " " + th.UI.String()
			}
			return err
		})
		return got
	}
	if got := read(day(30)); got != "2026-11-01 6.45 / 2026-01-01 5000" {
		t.Errorf("on 2026-11-30: %s", got)
	}
	if got := read(day(1)); got != "2026-11-01 6.45 / 2026-01-01 5000" {
		t.Errorf("on its own day: %s", got)
	}
	if got := read(time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)); got != "none" {
		t.Errorf("before any: %s", got)
	}
	d, err := importfmt.Parse(strings.NewReader(`{"uy_ui_values": [{"date": "2026-11-01", "value": "6.4612"}], "uy_eticket_thresholds": [{"from": "2026-11-15", "ui": 10000}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := w.st.Import(w.ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(day(30)); got != "2026-11-01 6.4612 / 2026-11-15 10000" {
		t.Errorf("after the import: %s", got)
	}
	if n := w.count(`select count(*) from uy_ui_values`); n != 2 {
		t.Errorf("%d UI values, want the demo's 2 (one replaced)", n)
	}
}
