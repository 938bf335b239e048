package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// Handles for naming each stage's activity methods; the worker registers the real ones.
var (
	planning   *activities.Planning
	invoicing  *activities.Invoicing
	publishing *activities.Publication
	crediting  *activities.Crediting
	receipts   *activities.Receipts
	cancelling *activities.Cancelling
	reporting  *activities.Reporting
)

// Step timeouts' defaults.
const (
	defaultStepTimeout     = 30 * time.Second
	defaultPlanTimeout     = 2 * time.Hour
	defaultDeliveryTimeout = 10 * time.Minute
	// localBudget is how long a step retries as a local activity before it goes on as a
	// regular one, visible in the Web UI as a pending activity with its attempts and last
	// error (the database down, say).
	localBudget = time.Minute
)

func (t Timeouts) withDefaults() Timeouts {
	if t.Step <= 0 {
		t.Step = defaultStepTimeout
	}
	if t.Plan <= 0 {
		t.Plan = defaultPlanTimeout
	}
	if t.Delivery <= 0 {
		t.Delivery = defaultDeliveryTimeout
	}
	return t
}

// retryTransient retries with backoff until the step goes through; business errors and
// invariant violations are not retried.
func retryTransient() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		NonRetryableErrorTypes: []string{activities.BusinessErrorType, activities.InvariantErrorType},
	}
}

// step runs a short database activity. It runs as a local activity — in the workflow task
// itself, with no round trip through the task queue — and, should it still fail with a
// transient error after localBudget, it runs again as a regular activity, which retries
// for as long as it takes and shows in the Web UI. Every step is idempotent, so running
// it again is safe.
func step(ctx workflow.Context, t Timeouts, summary string, fn any, result any, args ...any) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    t.Step,
		ScheduleToCloseTimeout: localBudget,
		RetryPolicy:            retryTransient(),
		Summary:                summary,
	})
	err := workflow.ExecuteLocalActivity(lctx, fn, args...).Get(ctx, result)
	if err == nil || !transient(err) {
		return err
	}
	rctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: t.Step,
		RetryPolicy:         retryTransient(),
		Summary:             summary + " (retrying)",
	})
	return workflow.ExecuteActivity(rctx, fn, args...).Get(ctx, result)
}

// transient tells an error a retry may cure from a business error or invariant violation.
func transient(err error) bool {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && (app.Type() == activities.BusinessErrorType || app.Type() == activities.InvariantErrorType) {
		return false
	}
	var canceled *temporal.CanceledError
	return !errors.As(err, &canceled)
}

// businessFailure is err's step and reason when it is a business error.
func businessFailure(err error) (InvoiceFailure, bool) {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != activities.BusinessErrorType {
		return InvoiceFailure{}, false
	}
	var f InvoiceFailure
	_ = app.Details(&f.Step, &f.Reason)
	return f, true
}
