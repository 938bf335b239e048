package main

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.temporal.io/api/serviceerror"

	"billrun/internal/importfmt"
	"billrun/internal/model"
)

// Exit codes, for scripts and schedulers (README: "Exit codes").
const (
	exitOK          = 0 // done
	exitError       = 1 // it failed (a workflow failed, a server refused, anything else)
	exitUsage       = 2 // bad input: unknown command or flag, bad arguments, invalid data, nothing by that name
	exitFailures    = 3 // done, but invoices failed: see batch report
	exitUnreachable = 4 // PostgreSQL or Temporal could not be reached
)

// failuresError is a command that did its work and found invoices failed.
type failuresError struct{ msg string }

func (e *failuresError) Error() string { return e.msg }

// usageError is a command line billrun cannot take.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitCode is the exit code an error from a command means.
func exitCode(err error) int {
	var fe *failuresError
	var ue *usageError
	var in *model.InputError
	var inv *importfmt.Invalid
	var ce *pgconn.ConnectError
	var ne *net.OpError
	var un *serviceerror.Unavailable
	if err == nil {
		return exitOK
	}
	msg := err.Error()
	switch {
	case errors.As(err, &fe):
		return exitFailures
	case errors.As(err, &ue), errors.As(err, &in), errors.As(err, &inv), errors.Is(err, model.ErrNotFound),
		strings.HasPrefix(msg, "unknown command"), strings.HasPrefix(msg, "unknown flag"), strings.HasPrefix(msg, "unknown shorthand flag"),
		strings.Contains(msg, "flag needs an argument"), strings.HasPrefix(msg, "invalid argument"),
		strings.HasPrefix(msg, "accepts "), strings.HasPrefix(msg, "requires at least"), strings.HasPrefix(msg, "required flag"):
		return exitUsage
	case errors.As(err, &ce), errors.As(err, &ne), errors.As(err, &un),
		strings.Contains(msg, "failed reaching server"), strings.Contains(msg, "connection refused"):
		return exitUnreachable
	}
	return exitError
}

// refuseUnknownSubcommands makes every command that only groups others refuse an argument
// it does not know (cobra would print help and succeed), and print its help when run bare.
func refuseUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			hint := ""
			cmd.SuggestionsMinimumDistance = 2
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				hint = "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return &usageError{fmt.Sprintf("unknown command %q for %q%s (see %s --help)", args[0], cmd.CommandPath(), hint, cmd.CommandPath())}
		}
		return cmd.Help()
	}
}

// suggestFlag is cobra's flag error with the nearest flag the command has: "unknown flag:
// --serie; did you mean --series?".
func suggestFlag(c *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	best, dist := "", 3 // at most two edits away
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if d := editDistance(name, f.Name); d < dist || d == dist && strings.HasPrefix(f.Name, name) {
			best, dist = f.Name, d
		}
	})
	if best == "" {
		return fmt.Errorf("%w (see %s --help)", err, c.CommandPath())
	}
	return fmt.Errorf("%w; did you mean --%s?", err, best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
