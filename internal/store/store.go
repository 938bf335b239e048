// Package store is the only place in billrun with SQL: typed reads and writes of batches,
// sources, invoices and their effects, transactions and row locks. Activities and the CLI
// call it; it knows nothing of Temporal and decides no business rule: it reads the facts
// a rule needs (under the locks the decision needs) and writes what the caller decided —
// rules decide, activities and batching put the two together (checked by internal/layout).
// Writes that an activity repeats on a retry are guarded by conditional updates and unique
// constraints, so running one twice has the effect of one run.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"billrun/schema"
)

// Store is billrun's database.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to a DATABASE_URL-style url with decimal support for numeric columns. A
// pool size > 0 sets the pool's connections (a url's pool_max_conns wins); the worker sizes
// it for its window of concurrent invoices.
func Open(ctx context.Context, url string, poolSize int) (*Store, error) {
	return OpenTraced(ctx, url, poolSize, nil)
}

// OpenTraced opens the store with a tracer that sees every statement sent (the worker's
// metrics count them by activity); nil traces nothing.
func OpenTraced(ctx context.Context, url string, poolSize int, tracer pgx.QueryTracer) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if tracer != nil {
		cfg.ConnConfig.Tracer = tracer
	}
	if poolSize > 0 && !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(poolSize)
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		pgxdecimal.Register(c.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database %s: %w", cfg.ConnConfig.Host, err)
	}
	return &Store{pool: pool}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Tx is one open transaction; its methods are the store's transactional reads and writes.
type Tx struct {
	ctx context.Context
	tx  pgx.Tx
}

// InTx runs fn in one transaction, committing only if fn succeeds.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(&Tx{ctx: ctx, tx: tx}) })
}

// InTxRolledBack runs fn in a transaction it always rolls back, and answers fn's error:
// what fn would do now, with nothing written (dry runs, requests checked before their
// workflow starts). The row locks fn takes are held until it returns.
func (s *Store) InTxRolledBack(ctx context.Context, fn func(*Tx) error) error {
	var fnErr error
	err := s.InTx(ctx, func(t *Tx) error {
		if fnErr = fn(t); fnErr != nil {
			return fnErr
		}
		return errRollBack
	})
	if errors.Is(err, errRollBack) {
		return nil
	}
	return err
}

var errRollBack = errors.New("rolled back on purpose")

// querier is what a read needs: the pool or a transaction.
type querier interface {
	QueryRow(context.Context, string, ...any) pgx.Row
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

// Audit appends to the audit trail (seed 000's bitácora): one row per invoice, step,
// attempt and outcome, so a re-run of an activity appends nothing.
func (t *Tx) Audit(batchID string, invoiceID int64, step string, attempt int, outcome, detail string) error {
	var inv, batch any
	if invoiceID != 0 {
		inv = invoiceID
	}
	if batchID != "" {
		batch = batchID // a credit note has no batch
	}
	_, err := t.tx.Exec(t.ctx, `insert into audit_events (batch_id, invoice_id, step, attempt, outcome, detail) values ($1, $2, $3, $4, $5, $6)
		on conflict (invoice_id, step, attempt, outcome) where invoice_id is not null do nothing`,
		batch, inv, step, attempt, outcome, detail)
	return err
}

func (t *Tx) exec(sql string, args ...any) error {
	_, err := t.tx.Exec(t.ctx, sql, args...)
	return err
}

// Migrate brings the database at url to the newest schema; it is safe to run again.
func Migrate(ctx context.Context, url string) (from, to int32, err error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, 0, fmt.Errorf("database: %w", err)
	}
	defer conn.Close(ctx)
	return schema.Migrate(ctx, conn)
}

// Ping tells whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }
