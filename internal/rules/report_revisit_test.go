package rules

import (
	"reflect"
	"testing"
)

func TestRevisitDays(t *testing.T) {
	days := []ReportDay{
		{Day: "2026-11-01", LastState: "received"},
		{Day: "2026-11-02", LastState: "rejected"},
		{Day: "2026-11-03", LastState: ""},
		{Day: "2026-11-04", LastState: "sending"},
		{Day: "2026-11-05", LastState: "received", RecordedSince: true},
		{Day: "2026-11-06", LastState: "rejected", RecordedSince: true},
	}
	var got []string
	resend := map[string]bool{}
	for _, r := range RevisitDays(days) {
		got = append(got, r.Day)
		resend[r.Day] = r.Resend
		if r.Why == "" {
			t.Errorf("%s revisited without a reason", r.Day)
		}
	}
	if want := []string{"2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"}; !reflect.DeepEqual(got, want) {
		t.Errorf("revisited %v, want %v (not a day DGI received and nothing recorded since)", got, want)
	}
	if !resend["2026-11-05"] || resend["2026-11-02"] || resend["2026-11-06"] {
		t.Errorf("resend: %v (only a day received before its documents were recorded is resent)", resend)
	}
	if RevisitDays(nil) != nil {
		t.Error("no day, no revisit")
	}
}
