package store

import (
	"context"
	"fmt"
	"net/url"
	"regexp"

	"github.com/jackc/pgx/v5"
)

var dbName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// CreateDatabase creates and migrates a database on the cluster of adminURL (the
// benchmark's and the tests' own databases) and answers its URL.
func CreateDatabase(ctx context.Context, adminURL, name string) (string, error) {
	if !dbName.MatchString(name) {
		return "", fmt.Errorf("database name %q: lower-case letters, digits and _ only", name)
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", fmt.Errorf("PostgreSQL at %s: %w", adminURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "create database "+name); err != nil {
		return "", err
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	if _, _, err := Migrate(ctx, u.String()); err != nil {
		return "", err
	}
	return u.String(), nil
}

// DropDatabase drops a database of the cluster of adminURL, closing its connections.
func DropDatabase(ctx context.Context, adminURL, name string) error {
	if !dbName.MatchString(name) {
		return fmt.Errorf("database name %q: lower-case letters, digits and _ only", name)
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "drop database if exists "+name+" with (force)")
	return err
}

// StartIDsAt moves the invoice and batch-number sequences, so workflow ids made from them
// never collide with another database's on a shared Temporal server.
func (s *Store) StartIDsAt(ctx context.Context, n int64) error {
	_, err := s.pool.Exec(ctx, fmt.Sprintf(`alter sequence invoices_id_seq restart with %d; alter sequence batch_number restart with %d`, n, n))
	return err
}

// CountDone counts a batch's invoices that are completed, sealed, printed and sent.
func (s *Store) CountDone(ctx context.Context, batchID string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `select count(*) from invoices where batch_id = $1 and status = 'completed' and delivery_status = 'sent'`, batchID).Scan(&n)
	return n, err
}

// Installation is this database's installation id, made once at migration: it prefixes
// workflow ids and Message-IDs, so databases sharing a Temporal namespace never collide.
func (s *Store) Installation(ctx context.Context) (string, error) {
	var id string
	err := s.pool.QueryRow(ctx, `select id from installation`).Scan(&id)
	return id, err
}

// Statements counts the statements this database has run, by pg_stat_statements (which
// the stack's cluster preloads); ok is false where the extension is not there.
func (s *Store) Statements(ctx context.Context) (n int64, ok bool) {
	if _, err := s.pool.Exec(ctx, `create extension if not exists pg_stat_statements`); err != nil {
		return 0, false
	}
	err := s.pool.QueryRow(ctx, `select coalesce(sum(calls), 0)::bigint from pg_stat_statements
		where dbid = (select oid from pg_database where datname = current_database())`).Scan(&n)
	return n, err == nil
}

// Progress counts a batch's invoices that are final (completed or failed) and published
// (their first e-mail made, skipped or failed).
func (s *Store) Progress(ctx context.Context, batchID string) (final, published int, err error) {
	err = s.pool.QueryRow(ctx, `select count(*) filter (where status in ('completed', 'failed')),
		count(*) filter (where status = 'completed' and delivery_status <> 'pending') from invoices where batch_id = $1`, batchID).Scan(&final, &published)
	return
}
