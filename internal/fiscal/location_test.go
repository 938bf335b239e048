package fiscal

import (
	"strings"
	"testing"
	"time"
)

func TestTodayIsTheIssuers(t *testing.T) {
	at := time.Date(2026, 12, 6, 2, 8, 0, 0, time.UTC) // the host's 6th
	for _, c := range []struct{ country, want string }{
		{"MX", "2026-12-05"}, {"", "2026-12-05"}, {"UY", "2026-12-05"}, {"AR", "2026-12-06"},
	} {
		if got := Today(c.country, at); got != c.want {
			t.Errorf("%q: today %s, want %s", c.country, got, c.want)
		}
	}
	// At 04:00 UTC Montevideo (UTC-3) is on the 6th, Mexico City (UTC-6) still on the 5th.
	at = time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	if Today("UY", at) != "2026-12-06" || Today("MX", at) != "2026-12-05" {
		t.Errorf("at %s: UY %s, MX %s", at, Today("UY", at), Today("MX", at))
	}
}

func TestADocumentIsNeverSignedBeforeItsDate(t *testing.T) {
	signed := time.Date(2026, 12, 6, 2, 8, 0, 0, time.UTC) // 2026-12-05 20:08 in Mexico City
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	err := CheckIssueDay("MX", day("2026-12-06"), signed)
	if err == nil || !strings.Contains(err.Error(), "dated 2026-12-06") || !strings.Contains(err.Error(), "2026-12-05 20:08") {
		t.Fatalf("signed before its date: %v", err)
	}
	if err := CheckIssueDay("MX", day("2026-12-05"), signed); err != nil {
		t.Fatalf("signed on its date: %v", err)
	}
	if err := CheckIssueDay("UY", day("2026-12-01"), signed); err != nil {
		t.Fatalf("sealed again days later: %v", err)
	}
	if err := CheckIssueDay("UY", day("2026-12-06"), signed); err == nil {
		t.Fatal("UY: 23:08 of the 5th in Montevideo signs a document of the 6th")
	}
}
