package rules

import (
	"errors"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestReceivableFor(t *testing.T) {
	r, ok, err := ReceivableFor(TermsCredit, 30, false, day("2026-01-31"))
	if err != nil || !ok || r.Kind != "open" || !r.DueDate.Equal(day("2026-03-02")) {
		t.Errorf("credit 30: %+v %v %v", r, ok, err)
	}
	r, ok, err = ReceivableFor(TermsCash, 0, true, day("2026-01-31"))
	if err != nil || !ok || r.Kind != "pending_collection" || !r.DueDate.Equal(day("2026-01-31")) {
		t.Errorf("cash: %+v %v %v", r, ok, err)
	}
	if _, ok, err = ReceivableFor(TermsNone, 0, false, day("2026-01-31")); ok || err != nil {
		t.Errorf("none posts nothing: %v %v", ok, err)
	}
	if _, _, err = ReceivableFor(TermsCredit, 30, true, day("2026-01-31")); !errors.Is(err, ErrCreditForGeneric) {
		t.Errorf("credit for generic: %v", err)
	}
}

func TestCheckInvoiceDate(t *testing.T) {
	closing, last := day("2026-10-31"), day("2026-11-10")
	cases := []struct {
		date string
		ok   bool
	}{{"2026-10-30", false}, {"2026-10-31", false}, {"2026-11-09", false}, {"2026-11-10", true}, {"2026-11-23", true}}
	for _, c := range cases {
		err := CheckInvoiceDate("A", day(c.date), &closing, &last)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrClosedPeriod)) {
			t.Errorf("%s: err = %v, want ok=%v", c.date, err, c.ok)
		}
	}
	if err := CheckInvoiceDate("A", day("2000-01-01"), nil, nil); err != nil {
		t.Errorf("no dates set: %v", err)
	}
}
