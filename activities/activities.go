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

	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"billrun/activities/cfdi"
	"billrun/activities/fiscal"
	"billrun/activities/model"
	"billrun/activities/store"
)

// Activities is registered with the worker; its exported methods are the activities.
type Activities struct {
	Store *store.Store
	Log   *zap.Logger
	Mail  MailConfig
	// Fiscal are the fiscal profiles by country; nil means Mexico's CFDI 4.0 only.
	Fiscal fiscal.Profiles

	afterSend func() error // tests: fail between the SMTP server's acceptance and its record
}

// BusinessErrorType is the Temporal error type of business failures: never retried,
// they fail one invoice with a step and a reason.
const BusinessErrorType = "BusinessError"

func businessf(step, format string, args ...any) error {
	return &model.BusinessError{Step: step, Reason: fmt.Sprintf(format, args...)}
}

// temporalError turns a business error into a non-retryable Temporal error carrying the
// step and reason; other errors stay retryable.
func temporalError(err error) error {
	var be *model.BusinessError
	if errors.As(err, &be) {
		return temporal.NewNonRetryableApplicationError(be.Reason, BusinessErrorType, nil, be.Step, be.Reason)
	}
	return err
}

func (a *Activities) profile(country string) (fiscal.Profile, error) {
	p := a.Fiscal
	if p == nil {
		p = fiscal.Profiles{"MX": cfdi.Profile{}}
	}
	return p.For(country)
}
