package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"billrun/internal/model"
)

func planCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "plan", Short: "Billing plans: list and change their events"}
	c.AddCommand(planEventsCmd(a), planEventCmd(a))
	return c
}

func planEventsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "events PLAN",
		Short: "List a billing plan's events and their states (planned, executed, cancelled, suspended, inactive)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			events, err := st.ListPlanEvents(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.emit(events, func() {
				for _, e := range events {
					fmt.Fprintf(a.out, "%6d  %s  %s\n", e.ID, e.Date, e.State)
				}
			})
		},
	}
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
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			e, err := st.SetPlanEvent(cmd.Context(), id, date, state)
			if err != nil {
				return err
			}
			return a.emit(e, func() { fmt.Fprintf(a.out, "event %d of plan %s: %s, %s\n", e.ID, e.Plan, e.Date, e.State) })
		},
	}
	set.Flags().StringVar(&date, "date", "", "new date YYYY-MM-DD")
	set.Flags().StringVar(&state, "state", "", "planned | cancelled | suspended | inactive")
	c.AddCommand(set)
	return c
}
