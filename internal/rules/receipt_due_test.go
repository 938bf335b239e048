package rules

import (
	"strings"
	"testing"
	"time"
)

func TestReceiptDueIsTheFifthOfTheNextMonth(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct{ paid, issued, due string }{
		{"2026-11-01", "2026-11-01", "2026-12-05"},
		{"2026-11-30", "2026-12-05", "2026-12-05"},
		{"2026-11-30", "2026-12-06", "2026-12-05"},
		{"2026-12-31", "2027-01-05", "2027-01-05"},
		{"2026-12-15", "2027-01-06", "2027-01-05"},
		{"2024-01-31", "2024-02-05", "2024-02-05"},
		{"2024-02-29", "2024-03-06", "2024-03-05"},
	} {
		if got := ReceiptDue(day(c.paid)).Format(time.DateOnly); got != c.due {
			t.Errorf("ReceiptDue(%s) = %s, want %s", c.paid, got, c.due)
		}
		late := LateReceipt(day(c.paid), day(c.issued))
		if want := c.issued > c.due; (late != "") != want {
			t.Errorf("LateReceipt(%s, %s) = %q, want late %v", c.paid, c.issued, late, want)
		}
		if late != "" && !strings.Contains(late, "by "+c.due) {
			t.Errorf("LateReceipt names no due date: %q", late)
		}
	}
}
