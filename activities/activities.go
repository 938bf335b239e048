// Package activities holds billrun's Temporal activities: every effect a bill run has on
// the world — planning, pricing, stock discharge, receivable posting, numbering, sealing,
// printing, e-mail delivery — one file per effect. An activity is thin: it loads through
// the store, applies a pure rule, writes through the store in one short transaction, and
// maps the outcome to Temporal (a business error is non-retryable and carries its step and
// reason). SQL lives in store/, rules in rules/, fiscal formats behind fiscal/.
package activities

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfdi"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
	"billrun/internal/store"
)

// Activities is registered with the worker; its exported methods are the activities.
type Activities struct {
	Store *store.Store
	Log   *zap.Logger
	Mail  MailConfig
	// Fiscal are the fiscal profiles by country; nil means Mexico's CFDI 4.0 only, with no
	// PAC (stamping refused).
	Fiscal fiscal.Profiles
	// Installation is the database's installation id: it prefixes Message-IDs.
	Installation string
	// Meter receives billrun's own metrics (the worker's Prometheus endpoint); nil: none.
	Meter Meter
	// PublishConcurrency is how many documents a stamping or e-mail pass sends at once
	// (0: DefaultPublishConcurrency).
	PublishConcurrency int
	// Workflows wakes publications and follows invoice workflows (the worker's Temporal
	// client); nil: publication is woken by its batch only.
	Workflows Workflows

	afterSend func() error     // tests: fail between the SMTP server's acceptance and its record
	clock     func() time.Time // tests: when documents are issued (nil: now)
	// tests: a smaller planning chunk, and a failure after a number of committed chunks
	selectChunkSize int
	afterChunk      func(n int) error
}

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

// now is when a fiscal document is issued.
func (a *Activities) now() time.Time {
	if a.clock != nil {
		return a.clock()
	}
	return time.Now()
}

func (a *Activities) profile(country string) (fiscal.Profile, error) {
	p := a.Fiscal
	if p == nil {
		p = unconfigured
	}
	return p.For(country)
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

func (a *Activities) count(name string, labels map[string]string, v float64) {
	if a.Meter != nil {
		a.Meter.Add(name, labels, v)
	}
}
