package main

import (
	"strings"
	"testing"
	"time"

	"billrun/internal/fiscal"
)

func TestDefaultDatesAreTheIssuers(t *testing.T) {
	at := time.Date(2026, 12, 6, 2, 8, 0, 0, time.UTC) // the host's 6th, the 5th in both countries
	for _, c := range []struct {
		countries []string
		want      string
	}{
		{nil, "2026-12-05"}, {[]string{"MX"}, "2026-12-05"}, {[]string{"MX", "UY"}, "2026-12-05"},
	} {
		if got, err := issuerToday("--date", c.countries, at); err != nil || got != c.want {
			t.Errorf("%v: %q %v, want %s", c.countries, got, err, c.want)
		}
	}
	// 04:00 UTC: the 6th in Montevideo, still the 5th in Mexico City: the operator chooses.
	_, err := issuerToday("--date", []string{"MX", "UY"}, time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC))
	if err == nil || !strings.Contains(err.Error(), "--date: today is 2026-12-05 in America/Mexico_City (MX) but 2026-12-06 in America/Montevideo (UY)") {
		t.Fatalf("issuers on two days: %v", err)
	}
}

// A batch created with no --date is dated today in Mexico City; one dated tomorrow there
// is refused before anything is written: its CFDI would be signed before its own date.
func TestBatchDatesAreTheIssuersAndNeverSignedBeforeTheirDate(t *testing.T) {
	h := newHarness(t, false)
	h.startWorker()
	h.mustRun("import", "../examples/demo.json")
	today := h.batchID("TODAY")
	h.mustRun("batch", "create", "--id", today, "--orders", "1001-1001", "--series", "A", "--wait")
	if got, want := h.str(`select invoice_date::text from invoices where batch_id = $1`, today), fiscal.Today("MX", time.Now()); got != want {
		t.Fatalf("default date %s, want Mexico City's today %s", got, want)
	}
	if got := h.str(`select fiscal_status from invoices where batch_id = $1`, today); got == "unsealed" {
		t.Fatalf("today's invoice was not sealed: %s", h.str(`select fiscal_error from invoices where batch_id = $1`, today))
	}
	tomorrow := fiscal.Today("MX", time.Now().Add(24*time.Hour))
	msg := h.mustFail("batch", "create", "--orders", "1002-1002", "--series", "A", "--date", tomorrow)
	if !strings.Contains(msg, "--date: "+tomorrow+" is after today where the issuer is") {
		t.Fatalf("a batch dated tomorrow: %s", msg)
	}
	if n := h.int(`select count(*) from batches`); n != 1 {
		t.Fatalf("a refused batch wrote a batch (%d)", n)
	}
}

func TestNoDateAfterTheIssuersToday(t *testing.T) {
	at := time.Date(2026, 12, 6, 2, 8, 0, 0, time.UTC) // the 5th in Mexico City and Montevideo
	if err := notAfterToday("--date", "2026-12-05", []string{"MX"}, at); err != nil {
		t.Errorf("today: %v", err)
	}
	if err := notAfterToday("--date", "2026-12-06", []string{"MX"}, at); err == nil || !strings.Contains(err.Error(), "after today where the issuer is (2026-12-05)") {
		t.Errorf("the host's today: %v", err)
	}
	if err := notAfterToday("--date", "yesterday", nil, at); err == nil || !strings.Contains(err.Error(), `"yesterday" is not a date`) {
		t.Errorf("not a date: %v", err)
	}
	if got := fiscal.EarliestToday([]string{"UY", "MX"}, time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)); got != "2026-12-05" {
		t.Errorf("earliest today of Montevideo (6th) and Mexico City (5th): %s", got)
	}
}
