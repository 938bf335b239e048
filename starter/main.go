// Command billrun is the operator's CLI: migrate and import data, create, watch, approve and
// retry bill runs, look at invoices. Every command has --help; --json prints data as JSON.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"billrun/activities"
	"billrun/activities/dataset"
	"billrun/worker/config"
)

// app holds what commands share; connections open on first use.
type app struct {
	cfg     config.Config
	log     *zap.Logger
	jsonOut bool
	out     io.Writer // stdout; tests capture it
	db      *pgxpool.Pool
	tc      client.Client
}

func (a *app) DB(ctx context.Context) (*pgxpool.Pool, error) {
	if a.db == nil {
		db, err := a.cfg.DB(ctx)
		if err != nil {
			return nil, err
		}
		a.db = db
	}
	return a.db, nil
}

func (a *app) Temporal() (client.Client, error) {
	if a.tc == nil {
		c, err := a.cfg.Temporal(a.log)
		if err != nil {
			return nil, err
		}
		a.tc = c
	}
	return a.tc, nil
}

func (a *app) close() {
	if a.db != nil {
		a.db.Close()
	}
	if a.tc != nil {
		a.tc.Close()
	}
}

// emit prints v as JSON with --json, else calls text.
func (a *app) emit(v any, text func()) error {
	if a.jsonOut {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text()
	return nil
}

func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "billrun",
		Short:         "billrun: batch billing on Temporal — bill runs from orders to numbered invoices",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVar(&a.jsonOut, "json", false, "print data as JSON")
	root.AddCommand(migrateCmd(a), importCmd(a), demoCmd(a), batchCmd(a), invoiceCmd(a), planCmd(a), scheduleCmd(a), benchCmd(a))
	return root
}

func main() {
	a := &app{cfg: config.FromEnv(), log: zap.NewNop(), out: os.Stdout}
	if os.Getenv("LOG_LEVEL") != "" {
		a.log = config.NewLogger()
	}
	root := newRoot(a)
	err := root.Execute()
	a.close()
	if err != nil {
		var inv *dataset.Invalid
		var in *activities.InputError
		switch {
		case a.jsonOut && errors.As(err, &inv):
			_ = json.NewEncoder(os.Stderr).Encode(map[string]any{"error": "invalid dataset", "problems": inv.Problems})
		case a.jsonOut && errors.As(err, &in):
			_ = json.NewEncoder(os.Stderr).Encode(map[string]any{"error": "invalid input", "problems": in.Problems})
		default:
			fmt.Fprintln(os.Stderr, "billrun:", err)
		}
		os.Exit(1)
	}
}
