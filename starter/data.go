package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"billrun/internal/importfmt"
	"billrun/internal/store"
)

func migrateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database (DATABASE_URL) to the newest schema; safe to run again",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.cfg.DatabaseURL == "" {
				return fmt.Errorf("DATABASE_URL is not set")
			}
			from, to, err := store.Migrate(cmd.Context(), a.cfg.DatabaseURL)
			if err != nil {
				return err
			}
			return a.emit(map[string]int32{"from": from, "to": to}, func() {
				fmt.Fprintf(a.out, "schema at version %d (was %d)\n", to, from)
			})
		},
	}
}

func importCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Load a dataset (JSON; see README) — validated whole before anything is written, all or nothing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := importFile(cmd, a, args[0])
			if err != nil {
				return err
			}
			return a.emit(n, func() {
				keys := make([]string, 0, len(n))
				for k := range n {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				fmt.Fprintf(a.out, "imported %s:", args[0])
				for _, k := range keys {
					fmt.Fprintf(a.out, " %d %s;", n[k], k)
				}
				fmt.Fprintln(a.out)
			})
		},
	}
}

func importFile(cmd *cobra.Command, a *app, path string) (importfmt.Counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := importfmt.Parse(f)
	if err != nil {
		return nil, err
	}
	d.BaseDir = filepath.Dir(path)
	st, err := a.Store(cmd.Context())
	if err != nil {
		return nil, err
	}
	return st.Import(cmd.Context(), d)
}
