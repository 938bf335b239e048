// Package activities holds every effect billrun has on the world: planning a batch, pricing,
// stock discharge, receivable posting, numbering, and their undo. Each activity is safe to
// run twice: it works inside one transaction and guards its writes with conditional updates
// and unique constraints, so a Temporal retry or replay never doubles an effect.
package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"
)

// Activities is registered with the worker; its methods are the activities.
type Activities struct {
	DB   *pgxpool.Pool
	Log  *zap.Logger
	Mail MailConfig

	afterSend func() error // tests: fail between the SMTP server's acceptance and its record
}

// BusinessErrorType is the Temporal error type of business failures: never retried,
// they fail one invoice with a step and a reason.
const BusinessErrorType = "BusinessError"

// BusinessError is a rule the data breaks (no stock, bad tax setup, closed period).
type BusinessError struct {
	Step   string
	Reason string
}

func (e *BusinessError) Error() string { return e.Step + ": " + e.Reason }

func businessf(step, format string, args ...any) error {
	return &BusinessError{Step: step, Reason: fmt.Sprintf(format, args...)}
}

// temporalError turns a business error into a non-retryable Temporal error carrying the
// step and reason; other errors stay retryable.
func temporalError(err error) error {
	var be *BusinessError
	if errors.As(err, &be) {
		return temporal.NewNonRetryableApplicationError(be.Reason, BusinessErrorType, nil, be.Step, be.Reason)
	}
	return err
}

// inTx runs fn in one transaction, committing only if fn succeeds.
func inTx(ctx context.Context, db *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db, fn)
}

// audit appends to the audit trail inside the caller's transaction.
func audit(ctx context.Context, tx pgx.Tx, batchID string, invoiceID int64, step string, attempt int, outcome, detail string) error {
	var inv any
	if invoiceID != 0 {
		inv = invoiceID
	}
	_, err := tx.Exec(ctx, `insert into audit_events (batch_id, invoice_id, step, attempt, outcome, detail) values ($1, $2, $3, $4, $5, $6)`,
		batchID, inv, step, attempt, outcome, detail)
	return err
}
