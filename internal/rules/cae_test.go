package rules

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTakeCFENumber(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	a := CAE{Number: "90110000001", CFESeries: "A", First: 1, Last: 3, Next: 1, Expires: day("2026-12-31")}
	used := a
	used.Next = 4
	old := CAE{Number: "90110000002", CFESeries: "A", First: 4, Last: 10, Next: 6, Expires: day("2026-10-31")}
	b := CAE{Number: "90110000003", CFESeries: "A", First: 11, Last: 20, Next: 11, Expires: day("2027-12-31")}
	for _, tc := range []struct {
		name    string
		caes    []CAE
		date    string
		index   int
		number  int64
		problem string
	}{
		{"first number of a fresh CAE", []CAE{a}, "2026-11-30", 0, 1, ""},
		{"the expiry day is still valid", []CAE{a}, "2026-12-31", 0, 1, ""},
		{"a used-up CAE passes to the next", []CAE{used, b}, "2026-11-30", 1, 11, ""},
		{"an expired CAE is skipped for a valid one", []CAE{used, old, b}, "2026-11-30", 2, 11, ""},
		{"none", nil, "2026-11-30", 0, 0, "series S has no CAE"},
		{"used up", []CAE{used}, "2026-11-30", 0, 0, "every number of series S's CAEs is used (the last, CAE 90110000001, runs A 1–3)"},
		{"expired", []CAE{a}, "2027-01-01", 0, 0, "CAE 90110000001 of series S (A 1–3) expired on 2026-12-31, before the invoice date 2027-01-01"},
		{"expired wins over used up in the reason", []CAE{used, old}, "2026-11-30", 0, 0, "CAE 90110000002 of series S (A 4–10) expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i, n, err := TakeCFENumber("S", tc.caes, day(tc.date))
			if tc.problem != "" {
				if !errors.Is(err, ErrNoCAE) || !strings.Contains(err.Error(), tc.problem) || !strings.Contains(err.Error(), "import") {
					t.Fatalf("err %v, want ErrNoCAE with %q", err, tc.problem)
				}
				return
			}
			if err != nil || i != tc.index || n != tc.number {
				t.Fatalf("got %d, %d, %v; want %d, %d", i, n, err, tc.index, tc.number)
			}
		})
	}
}

func TestCheckCAERange(t *testing.T) {
	a := CAE{Number: "90110000001", CFESeries: "A", First: 1, Last: 100}
	for _, tc := range []struct {
		first, last int64
		ok          bool
	}{{101, 200, true}, {100, 200, false}, {50, 60, false}, {1, 1, false}, {0, 0, true}} {
		c := CAE{Number: "90110000009", CFESeries: "A", First: tc.first, Last: tc.last}
		if err := CheckCAERange(c, []CAE{a}); (err == nil) != tc.ok {
			t.Errorf("%d–%d: %v", tc.first, tc.last, err)
		}
	}
	// The same CAE imported again is not an overlap with itself.
	if err := CheckCAERange(a, []CAE{a}); err != nil {
		t.Error(err)
	}
}

func TestCAEShortfalls(t *testing.T) {
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	caes := map[string][]CAE{
		"ET": {{Number: "90110000001", CFESeries: "A", First: 1, Last: 3, Next: 2, Expires: day.AddDate(1, 0, 0)}},
		"EF": {},
	}
	drafts := []DraftNumbering{{1, "ET", day}, {2, "MX", day}, {3, "ET", day}, {4, "ET", day}, {5, "EF", day}}
	got := CAEShortfalls(caes, drafts)
	if len(got) != 2 || got[4] == "" || got[5] == "" || !strings.Contains(got[4], "every number of series ET's CAEs is used") ||
		!strings.Contains(got[5], "series EF has no CAE") {
		t.Fatalf("shortfalls %v: want drafts 4 (ET has 2 numbers left for 3 drafts) and 5 (EF has no CAE)", got)
	}
	if caes["ET"][0].Next != 2 {
		t.Error("the projection changed the CAEs it was given")
	}
}
