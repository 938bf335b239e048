package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func templateCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "template", Short: "Billing templates (imported): what batches made from them may bill (batch create --template)"}
	c.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the billing templates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			ts, err := st.Templates(cmd.Context())
			if err != nil {
				return err
			}
			return a.emit(ts, func() {
				for _, t := range ts {
					orders, series := "any orders", "any series"
					if t.OrdersTo > 0 {
						orders = fmt.Sprintf("orders %d-%d", t.OrdersFrom, t.OrdersTo)
					}
					if t.Series != "" {
						series = "series " + t.Series
						if t.FixedSeries {
							series += " (fixed)"
						}
					}
					fmt.Fprintf(a.out, "%-16s %s; %s; grouping at most %s; %s\n", t.Name, strings.Join(t.Sources, ", "), orders, t.Grouping, series)
				}
				if len(ts) == 0 {
					fmt.Fprintln(a.out, "no templates (import them: see README, templates)")
				}
			})
		},
	})
	return c
}
