package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/internal/store"
	"billrun/starter/bench"
	"billrun/workflows"
)

func benchCmd(a *app) *cobra.Command {
	var o bench.Options
	c := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark a real bill run on the local stack against its floor (empty children) and bare activities; prints one JSON line",
		Example: `  . .dev/demo/env && bin/billrun bench --invoices 1000 --lines 3
  bin/billrun bench --invoices 1000 --workers 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Invoices <= 0 || o.Lines <= 0 || o.Window <= 0 || o.Workers <= 0 {
				return &model.InputError{Problems: []string{"--invoices, --lines, --window and --workers must be positive"}}
			}
			tc, err := a.Temporal()
			if err != nil {
				return err
			}
			o.AdminURL, o.Namespace = os.Getenv("BILLRUN_PG_ADMIN_URL"), a.cfg.TemporalNamespace
			o.Activities = func(st *store.Store) (*activities.Activities, error) { return a.cfg.Activities(st, "") }
			o.Progress = os.Stderr
			res, err := bench.Run(cmd.Context(), tc, o)
			if err != nil {
				return err
			}
			b, _ := json.Marshal(res)
			fmt.Fprintln(a.out, string(b))
			return nil
		},
	}
	fl := c.Flags()
	fl.IntVar(&o.Invoices, "invoices", 1000, "invoices in the bill run")
	fl.IntVar(&o.Lines, "lines", 3, "lines per invoice")
	fl.IntVar(&o.Window, "window", workflows.DefaultWindow, "invoice workflows running at once")
	fl.IntVar(&o.Workers, "workers", 1, "billrun-worker processes for the full run")
	fl.StringVar(&o.CSDDir, "csd-dir", "testdata/sat/csd", "folder with SAT's test CSD (EKU9003173C9.cer/.key)")
	fl.StringVar(&o.WorkerBin, "worker-bin", "", "the billrun-worker binary (default: beside this one)")
	fl.BoolVar(&o.Keep, "keep", false, "keep the benchmark's databases (dropped by default)")
	fl.BoolVar(&o.SkipBare, "skip-bare", false, "do not measure the bare reference")
	fl.BoolVar(&o.SkipEmpty, "skip-empty", false, "do not measure the empty-child reference")
	fl.BoolVar(&o.SkipFull, "skip-full", false, "do not measure the full pipeline (e.g. the empty-child floor alone at 100,000)")
	fl.BoolVar(&o.RetryMidway, "retry-midway", false, "send the batch a retry signal when half its invoices are final")
	return c
}
