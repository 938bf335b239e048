package main

import (
	"fmt"
	"io"
	"strings"
)

// scheduleRow is one schedule of the list.
type scheduleRow struct {
	Name   string   `json:"name"`
	Paused bool     `json:"paused"`
	Next   []string `json:"next"`
}

// scheduleView is what describe shows of a schedule.
type scheduleView struct {
	Schedule string   `json:"schedule"`
	Paused   bool     `json:"paused"`
	Note     string   `json:"note"`
	Actions  int      `json:"actions"`
	Skipped  int      `json:"actions_skipped"`
	Cron     []string `json:"cron"`
	Every    []string `json:"every"`
	TimeZone string   `json:"time_zone"`
	Overlap  string   `json:"overlap"`
	Recent   []string `json:"recent"`
	Next     []string `json:"next"`
}

func printSchedules(w io.Writer, rows []scheduleRow) {
	for _, r := range rows {
		state := "active"
		if r.Paused {
			state = "paused"
		}
		fmt.Fprintf(w, "%-24s %-7s next %s\n", r.Name, state, strings.Join(r.Next, ", "))
	}
}

func printSchedule(w io.Writer, v scheduleView) {
	fmt.Fprintf(w, "schedule %s: paused=%v, %d runs (%d skipped as overlapping)\n  %s\n", v.Schedule, v.Paused, v.Actions, v.Skipped, v.Note)
	fmt.Fprintf(w, "  cron %v every %v, time zone %s; overlapping runs: %s\n", v.Cron, v.Every, v.TimeZone, v.Overlap)
	for _, r := range v.Recent {
		fmt.Fprintf(w, "  ran  %s\n", r)
	}
	for _, n := range v.Next {
		fmt.Fprintf(w, "  next %s\n", n)
	}
}
