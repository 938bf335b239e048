package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func demoCmd(a *app) *cobra.Command {
	var file, orders, series, date string
	c := &cobra.Command{
		Use:   "demo",
		Short: "Migrate, import the demo dataset and run a bill run over its orders, waiting for the summary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			root := cmd.Root()
			steps := [][]string{
				{"migrate"},
				{"import", file},
				{"batch", "create", "--orders", orders, "--series", series, "--date", date, "--wait"},
			}
			// With --json the steps' answers make one document: {"migrate": …, "import": …, "batch": …}.
			out, results := a.out, map[string]json.RawMessage{}
			defer func() { a.out = out }()
			for _, s := range steps {
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
				root.SetArgs(args)
				// The demo's batch has a failed invoice by design (no stock): it is shown, not an error.
				if err := root.ExecuteContext(cmd.Context()); err != nil && exitCode(err) != exitFailures {
					return err
				}
				if a.jsonOut {
					doc := bytes.TrimSpace(buf.Bytes())
					if len(doc) == 0 {
						doc = []byte("null")
					}
					results[s[0]] = json.RawMessage(doc)
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
	c.Flags().StringVar(&date, "date", time.Now().Format(time.DateOnly), "invoice date")
	return c
}
