package main

import (
	"billrun/internal/fiscal"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func demoCmd(a *app) *cobra.Command {
	var file, orders, series, date string
	c := &cobra.Command{
		Use:   "demo",
		Short: "Migrate, import the demo dataset, run a bill run over its orders and one over its Uruguayan installments (draft, then approved), waiting for the summaries",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			root := cmd.Root()
			// Each issuer's batch is dated today where that issuer is.
			mxDate, uyDate := date, date
			if date == "" {
				mxDate, uyDate = fiscal.Today("MX", time.Now()), fiscal.Today("UY", time.Now())
			}
			uy := "UY-" + uyDate
			steps := []struct {
				key  string // the step's name in --json's document
				args []string
			}{
				{"migrate", []string{"migrate"}},
				{"import", []string{"import", file}},
				{"batch", []string{"batch", "create", "--orders", orders, "--series", series, "--date", mxDate, "--wait"}},
				// Seed 000: the Uruguayan issuer's installments, payer by payer, as drafts to
				// review, then approved: an e-Ticket for a cédula, an e-Factura for a RUT.
				{"uruguay_draft", []string{"batch", "create", "--installments", "--series", "EF", "--due-until", uyDate, "--date", uyDate,
					"--id", uy, "--draft", "--wait"}},
				{"uruguay", []string{"batch", "approve", uy, "--wait"}},
				// Issue 26: the Uruguayan issuer reports every day to DGI, by a Schedule.
				{"daily_report_schedule", []string{"schedule", "create", "daily-report-UYE", "--daily-report", "--issuer", "UYE"}},
			}
			out, results := a.out, map[string]json.RawMessage{}
			defer func() { a.out = out }()
			for _, step := range steps {
				s := step.args
				var buf bytes.Buffer
				if a.jsonOut {
					a.out = &buf
				}
				if !a.jsonOut {
					fmt.Fprintln(a.out, "$ billrun", strings.Join(s, " "))
				}
				args := s
				if a.jsonOut {
					args = append(args, "--json")
				}
				resetFlags(root)
				root.SetArgs(args)
				if err := root.ExecuteContext(cmd.Context()); err != nil && exitCode(err) != exitFailures {
					if step.key != "daily_report_schedule" || !strings.Contains(err.Error(), "exists already") {
						return err
					}
					fmt.Fprintln(out, "(made by an earlier demo run)")
				}
				if a.jsonOut {
					doc := bytes.TrimSpace(buf.Bytes())
					if len(doc) == 0 {
						doc = []byte("null")
					}
					results[step.key] = json.RawMessage(doc)
				}
			}
			a.out = out
			if a.jsonOut {
				return a.emit(results, nil)
			}
			return nil
		},
	}
	c.Flags().StringVar(&file, "file", "examples/demo.json", "the demo dataset")
	c.Flags().StringVar(&orders, "orders", "1001-1099", "orders to bill")
	c.Flags().StringVar(&series, "series", "A", "series to bill")
	c.Flags().StringVar(&date, "date", "", "invoice date (default: today where each issuer is)")
	return c
}

// resetFlags puts every flag back to its default: the demo runs commands one after the
// other on the same command tree, and a flag set for one step must not leak into the next.
func resetFlags(c *cobra.Command) {
	reset := func(f *pflag.Flag) {
		if f.Changed {
			_ = f.Value.Set(f.DefValue)
			f.Changed = false
		}
	}
	c.Flags().VisitAll(reset)
	c.PersistentFlags().VisitAll(reset)
	for _, sub := range c.Commands() {
		resetFlags(sub)
	}
}
