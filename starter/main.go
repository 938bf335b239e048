// Command billrun is the operator's CLI: migrate and import data, create, watch, approve and
// retry bill runs, look at invoices, manage schedules, benchmark. Every command has --help;
// --json prints data as JSON. One file per noun (batch, invoice, plan, schedule, bench),
// printing apart in *_print.go. No SQL here: data goes through the store, workflows are
// started and steered through the workflows package's contract.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"billrun/internal/importfmt"
	"billrun/internal/model"
	"billrun/internal/store"
	"billrun/worker/config"
	"billrun/workflows"
)

// app holds what commands share; connections open on first use.
type app struct {
	cfg     config.Config
	log     *zap.Logger
	jsonOut bool
	out     io.Writer // stdout; tests capture it
	st      *store.Store
	tc      client.Client
	// cfgErr is a setting of the environment that does not parse: refused when a command
	// reaches for the database or Temporal.
	cfgErr error
}

// Store opens the database on first use.
func (a *app) Store(ctx context.Context) (*store.Store, error) {
	if a.cfgErr != nil {
		return nil, &usageError{a.cfgErr.Error()}
	}
	if a.st == nil {
		st, err := a.cfg.Store(ctx)
		if err != nil {
			return nil, err
		}
		a.st = st
	}
	return a.st, nil
}

// Workflows is the workflows' client for this database's installation on the task queue.
func (a *app) Workflows(ctx context.Context) (workflows.Client, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return workflows.Client{}, err
	}
	inst, err := st.Installation(ctx)
	if err != nil {
		return workflows.Client{}, err
	}
	tc, err := a.Temporal()
	if err != nil {
		return workflows.Client{}, err
	}
	return workflows.Client{Temporal: tc, TaskQueue: a.cfg.TaskQueue, Installation: inst}, nil
}

// Temporal dials Temporal on first use.
func (a *app) Temporal() (client.Client, error) {
	if a.cfgErr != nil {
		return nil, &usageError{a.cfgErr.Error()}
	}
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
	if a.st != nil {
		a.st.Close()
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
		Use:   "billrun",
		Short: "billrun: batch billing on Temporal — bill runs from orders to numbered invoices",
		Long: "billrun: batch billing on Temporal — bill runs from orders to numbered, sealed, stamped, printed and e-mailed invoices.\n\n" +
			config.EnvHelp + "\n\nExit codes: 0 done; 1 failed; 2 bad input (command, flag, argument, data, nothing by that name); " +
			"3 done but invoices failed (batch report says why); 4 PostgreSQL or Temporal unreachable.",
		Version:       config.Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVar(&a.jsonOut, "json", false, "print data as JSON")
	root.AddCommand(&cobra.Command{Use: "version", Short: "Print billrun's version (from its build info)", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return a.emit(map[string]string{"version": config.Version()}, func() { fmt.Fprintln(a.out, "billrun", config.Version()) })
		}})
	root.AddCommand(migrateCmd(a), importCmd(a), demoCmd(a), batchCmd(a), invoiceCmd(a), orderCmd(a), paymentCmd(a), templateCmd(a), planCmd(a), scheduleCmd(a), reportCmd(a), benchCmd(a), journalCmd(a), cashCmd(a))
	refuseUnknownSubcommands(root)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{suggestFlag(c, err).Error()} })
	return root
}

func main() {
	cfg, cfgErr := config.FromEnv()
	a := &app{cfg: cfg, cfgErr: cfgErr, log: zap.NewNop(), out: os.Stdout}
	if os.Getenv("LOG_LEVEL") != "" {
		a.log = config.NewLogger()
	}
	root := newRoot(a)
	err := root.Execute()
	a.close()
	if err != nil {
		var inv *importfmt.Invalid
		var in *model.InputError
		// --json asks for JSON whatever happens, errors included (a flag that did not parse
		// may have stopped before --json was read).
		jsonOut := a.jsonOut || slices.Contains(os.Args[1:], "--json")
		switch {
		case jsonOut && errors.As(err, &inv):
			_ = json.NewEncoder(os.Stderr).Encode(map[string]any{"error": "invalid dataset", "problems": inv.Problems, "exit_code": exitCode(err)})
		case jsonOut && errors.As(err, &in):
			_ = json.NewEncoder(os.Stderr).Encode(map[string]any{"error": "invalid input", "problems": in.Problems, "exit_code": exitCode(err)})
		case jsonOut:
			_ = json.NewEncoder(os.Stderr).Encode(map[string]any{"error": err.Error(), "exit_code": exitCode(err)})
		default:
			fmt.Fprintln(os.Stderr, "billrun:", err)
		}
		os.Exit(exitCode(err))
	}
}
