package rules

// Uruguay's daily report (issue 26): every day is reported to DGI. Each scheduled run
// reports the day before, and revisits the days before it that are not settled.

// ReportDay is where a past day's report stands, as stored.
type ReportDay struct {
	Day string // YYYY-MM-DD
	// LastState is its last sending's: "" (none recorded: its report failed before it
	// was sent, a CFE waiting for an operator say), sending, received or rejected.
	LastState string
	// RecordedSince: documents of the day were recorded or stamped after its last sending,
	// which does not count them as they are (contingency documents imported later; a CFE
	// DGI refused, reported annulled, restamped and received since).
	RecordedSince bool
}

// Revisit is a day a scheduled run reports again, and why.
type Revisit struct {
	Day    string `json:"day"`
	Resend bool   `json:"resend,omitempty"` // DGI received its last sending: the next sequence
	Why    string `json:"why"`
}

// RevisitDays are the days a scheduled run reports again: a day with no sending (its
// report failed before it was recorded), one whose last sending DGI rejected (the next
// sequence), one still waiting for DGI's answer (sent again as it is), and one DGI received
// before documents of the day were recorded or stamped (resent, the next sequence).
func RevisitDays(days []ReportDay) []Revisit {
	var out []Revisit
	for _, d := range days {
		switch {
		case d.LastState == "":
			out = append(out, Revisit{Day: d.Day, Why: "its report was never sent (it failed before): reported now"})
		case d.LastState == "rejected":
			out = append(out, Revisit{Day: d.Day, Why: "DGI rejected its last report: sent again with the next sequence"})
		case d.LastState == "sending":
			out = append(out, Revisit{Day: d.Day, Why: "its report waits for DGI's answer: sent again as it is"})
		case d.LastState == "received" && d.RecordedSince:
			out = append(out, Revisit{Day: d.Day, Resend: true, Why: "documents of the day were recorded or stamped after DGI received its report: resent with the next sequence"})
		}
	}
	return out
}
