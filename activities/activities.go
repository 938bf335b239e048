// Package activities holds billrun's Temporal activities: every effect a bill run has on
// the world — planning, pricing, stock discharge, receivable posting, numbering, sealing,
// printing, e-mail delivery — one file per effect, grouped in one struct per stage
// (stages.go) that sees the store through a narrow interface (stores.go). An activity is
// thin: it loads through the store, applies a pure rule, writes through the store in one
// short transaction, and maps the outcome to Temporal (a business error is non-retryable
// and carries its step and reason). SQL lives in internal/store, rules in internal/rules,
// fiscal formats behind internal/fiscal.
package activities

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"go.temporal.io/sdk/temporal"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfdi"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
)

// BusinessErrorType is the Temporal error type of business failures: never retried,
// they fail one invoice with a step and a reason.
const BusinessErrorType = "BusinessError"

func businessf(step, format string, args ...any) error {
	return &model.BusinessError{Step: step, Reason: fmt.Sprintf(format, args...)}
}

// InvariantErrorType marks state a step did not expect (an invoice moved on under it): not
// retried, since running it again cannot help; the batch reconciles the invoice.
const InvariantErrorType = "Invariant"

// temporalError maps an activity's error for Temporal: a business error (businessOf) is
// non-retryable and carries its step and reason; an invariant violation is non-retryable;
// anything else (a server down, a deadlock, a timeout) retries with backoff.
func temporalError(step string, err error) error {
	var inv *invariantError
	if be := businessOf(step, err); be != nil {
		return temporal.NewNonRetryableApplicationError(be.Reason, BusinessErrorType, nil, be.Step, be.Reason)
	}
	if errors.As(err, &inv) {
		return temporal.NewNonRetryableApplicationError(inv.Error(), InvariantErrorType, nil)
	}
	return err
}

// businessOf is err as a business error of step, or nil: a BusinessError, or data the
// database refuses (SQLSTATE class 22 or 23, but not a unique-key race), which no retry fixes.
func businessOf(step string, err error) *model.BusinessError {
	var be *model.BusinessError
	var pg *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &be):
		return be
	case errors.As(err, &pg) && (strings.HasPrefix(pg.Code, "22") || strings.HasPrefix(pg.Code, "23") && pg.Code != "23505"):
		return &model.BusinessError{Step: step, Reason: fmt.Sprintf("the database refused the data: %s (SQLSTATE %s)", pg.Message, pg.Code)}
	}
	return nil
}

// isBusiness tells a mapped business error (already recorded on its invoice) from a
// transient one.
func isBusiness(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == BusinessErrorType
}

// invariantError is state a step did not expect.
type invariantError struct{ msg string }

func (e *invariantError) Error() string { return e.msg }

func invariantf(format string, args ...any) error {
	return &invariantError{msg: fmt.Sprintf(format, args...)}
}

// profileFor is the country's fiscal profile among ps (nil: unconfigured).
func profileFor(ps fiscal.Profiles, country string) (fiscal.Profile, error) {
	if ps == nil {
		ps = unconfigured
	}
	return ps.For(country)
}

// unconfigured are the fiscal profiles with no certifier or authority to reach: enough to
// build and check documents, and to know what a country's authority allows.
var unconfigured = fiscal.Profiles{"MX": cfdi.Profile{}, "UY": cfe.Profile{}}

// Meter records billrun's own metrics. They are for watching, not for accounting: amounts
// go in as floats, the books stay decimal.
type Meter interface {
	Add(name string, labels map[string]string, v float64)
	Observe(name string, labels map[string]string, d time.Duration)
}

func count(m Meter, name string, labels map[string]string, v float64) {
	if m != nil {
		m.Add(name, labels, v)
	}
}
