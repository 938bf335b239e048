package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"billrun/internal/model"
	"billrun/internal/store"
)

func planCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "plan", Short: "Billing plans: list and change their events; make a plan active or inactive"}
	c.AddCommand(planEventsCmd(a), planEventCmd(a), planStateCmd(a))
	return c
}

func planEventsCmd(a *app) *cobra.Command {
	var f model.PlanEventFilter
	c := &cobra.Command{
		Use:   "events [PLAN] [--contract C] [--from D] [--to D]",
		Short: "List a billing plan's (or a contract's plans') events, their states and the invoices that bill them",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				f.Plan = args[0]
			}
			var probs []string
			if f.Plan == "" && f.Contract == "" {
				probs = append(probs, "PLAN: give a billing plan, or --contract")
			}
			for flag, d := range map[string]string{"--from": f.From, "--to": f.To} {
				if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
					probs = append(probs, fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", flag, d))
				}
			}
			if len(probs) > 0 {
				return &model.InputError{Problems: probs}
			}
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			events, err := st.ListEvents(cmd.Context(), f)
			if err != nil {
				return err
			}
			return a.emit(events, func() {
				for _, e := range events {
					docs := strings.Join(e.Documents, ", ")
					if docs == "" {
						docs = "-"
					}
					own := ""
					if e.OwnItems {
						own = " (its own items)"
					}
					fmt.Fprintf(a.out, "%6d  %-12s %s  %-10s %s%s\n", e.ID, e.Plan, e.Date, e.State, docs, own)
				}
			})
		},
	}
	c.Flags().StringVar(&f.Contract, "contract", "", "the events of this contract's plans")
	c.Flags().StringVar(&f.From, "from", "", "events dated on or after this date")
	c.Flags().StringVar(&f.To, "to", "", "events dated on or before this date")
	return c
}

func planEventCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "event", Short: "Change one billing event"}
	var date, state string
	set := &cobra.Command{
		Use:   "set ID (--date D | --state S)",
		Short: "Move an event to another date or state; executed events refuse changes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return &model.InputError{Problems: []string{fmt.Sprintf("ID: %q is not an event id", args[0])}}
			}
			if err := checkEventChange(date, state); err != nil {
				return err
			}
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			e, err := st.SetPlanEvent(cmd.Context(), id, date, state)
			if errors.Is(err, store.ErrEventDateTaken) {
				return &model.InputError{Problems: []string{"--date: " + err.Error()}}
			}
			if err != nil {
				return err
			}
			return a.emit(e, func() { fmt.Fprintf(a.out, "event %d of plan %s: %s, %s\n", e.ID, e.Plan, e.Date, e.State) })
		},
	}
	set.Flags().StringVar(&date, "date", "", "new date YYYY-MM-DD")
	set.Flags().StringVar(&state, "state", "", "planned | cancelled | suspended | inactive")
	c.AddCommand(set, planEventItemCmd(a))
	return c
}

// eventStates are the states an operator may give an event (executed and in_billing are
// the batches' to give).
var eventStates = map[string]bool{"planned": true, "cancelled": true, "suspended": true, "inactive": true}

// checkEventChange checks plan set's flags: a change, a date, a state an operator gives.
func checkEventChange(date, state string) error {
	var probs []string
	if date == "" && state == "" {
		probs = append(probs, "give --date or --state")
	}
	if date != "" {
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			probs = append(probs, fmt.Sprintf("--date: %q is not a date (YYYY-MM-DD)", date))
		}
	}
	if state != "" && !eventStates[state] {
		probs = append(probs, fmt.Sprintf("--state: %q is not one of planned, cancelled, suspended, inactive", state))
	}
	if len(probs) > 0 {
		return &model.InputError{Problems: probs}
	}
	return nil
}

// planStateCmd makes a billing plan active or inactive (seed 003).
func planStateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "state PLAN active|inactive",
		Short: "Make a billing plan active or inactive: only an active plan's events bill",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[1] != "active" && args[1] != "inactive" {
				return &model.InputError{Problems: []string{fmt.Sprintf("state: %q is not active or inactive", args[1])}}
			}
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			before, err := st.SetBillingPlanState(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return a.emit(map[string]any{"plan": args[0], "state": args[1], "was": before}, func() {
				fmt.Fprintf(a.out, "billing plan %s: %s (was %s)\n", args[0], args[1], before)
			})
		},
	}
}
