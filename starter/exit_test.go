package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"billrun/internal/model"
)

// The documented exit codes: scripts tell done, done with failures, bad input and
// unreachable services apart.
func TestExitCodes(t *testing.T) {
	run := func(args ...string) error {
		a := &app{log: nil, out: new(discard)}
		root := newRoot(a)
		root.SetArgs(args)
		root.SetOut(new(discard))
		root.SetErr(new(discard))
		return root.Execute()
	}
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"batch", "stauts"}, exitUsage},
		{[]string{"invoice", "cancell", "2"}, exitUsage},
		{[]string{"nonsense"}, exitUsage},
		{[]string{"batch", "status"}, exitUsage},            // a missing argument
		{[]string{"batch", "create", "--bogus"}, exitUsage}, // an unknown flag
		{[]string{"batch"}, exitOK},                         // help
		{[]string{"--help"}, exitOK},
	} {
		if got := exitCode(run(c.args...)); got != c.want {
			t.Errorf("billrun %v: exit %d, want %d", c.args, got, c.want)
		}
	}
	for _, c := range []struct {
		err  error
		want int
	}{
		{&failuresError{"batch B: 1 invoice(s) failed"}, exitFailures},
		{&model.InputError{Problems: []string{"--date"}}, exitUsage},
		{fmt.Errorf("invoice 9: %w", model.ErrNotFound), exitUsage},
		{errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), exitUnreachable},
		{errors.New("workflow failed"), exitError},
	} {
		if got := exitCode(c.err); got != c.want {
			t.Errorf("exitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// A typo gets the nearest command or flag.
func TestTyposGetTheNearestName(t *testing.T) {
	run := func(args ...string) error {
		root := newRoot(&app{out: new(discard)})
		root.SetArgs(args)
		root.SetOut(new(discard))
		root.SetErr(new(discard))
		return root.Execute()
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"batch", "stauts"}, "did you mean status?"},
		{[]string{"invoice", "shw", "1"}, "did you mean show?"},
		{[]string{"imprt"}, "did you mean import?"},
		{[]string{"batch", "create", "--serie", "A"}, "unknown flag: --serie; did you mean --series?"},
		{[]string{"batch", "create", "--zzzzzzzz"}, "unknown flag: --zzzzzzzz (see billrun batch create --help)"},
	} {
		if err := run(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("billrun %v: %v, want %q", c.args, err, c.want)
		}
	}
}
