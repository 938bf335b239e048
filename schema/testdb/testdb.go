// Package testdb gives integration tests a fresh, migrated PostgreSQL database of their own
// on the test stack that `make test` starts, and SAT's test material. A test that needs a
// service and does not find it fails with a message; under -short it is skipped, so the
// fast layers (pure, workflow and replay tests) run with no services.
package testdb

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"billrun/schema"
)

var counter atomic.Int64

// AdminURL is the test cluster's admin connection, from BILLRUN_PG_ADMIN_URL.
func AdminURL(t testing.TB) string {
	Integration(t)
	u := os.Getenv("BILLRUN_PG_ADMIN_URL")
	if u == "" {
		t.Fatal("BILLRUN_PG_ADMIN_URL is not set: integration tests need the test stack's PostgreSQL; run them with `make test`")
	}
	return u
}

// New creates a migrated database for this test, dropped when the test ends, and returns
// its URL. Id sequences start at an offset unique to the test, so workflow ids made from
// batch and invoice ids never collide between tests sharing one Temporal server.
func New(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin := AdminURL(t)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("test PostgreSQL at BILLRUN_PG_ADMIN_URL: %v (run tests with `make test`)", err)
	}
	defer conn.Close(ctx)
	n := counter.Add(1)
	name := fmt.Sprintf("billrun_t%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, n)
	if _, err := conn.Exec(ctx, "create database "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	dbURL := u.String()
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "drop database if exists "+name+" with (force)")
	})

	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if _, _, err := schema.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	offset := int64(os.Getpid()%10000)*1_000_000_000_000 + n*1_000_000_000 + (time.Now().UnixNano()/1000%1_000_000)*1000
	if _, err := db.Exec(ctx, fmt.Sprintf(`alter sequence invoices_id_seq restart with %d; alter sequence batch_number restart with %d`, offset, offset)); err != nil {
		t.Fatal(err)
	}
	return dbURL
}

// TemporalAddress is the test stack's Temporal frontend, from TEMPORAL_ADDRESS, checked reachable.
func TemporalAddress(t testing.TB) string {
	Integration(t)
	addr := os.Getenv("TEMPORAL_ADDRESS")
	if addr == "" {
		t.Fatal("TEMPORAL_ADDRESS is not set: integration tests need the test stack's Temporal dev server; run them with `make test`")
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("Temporal at TEMPORAL_ADDRESS=%s: %v (run tests with `make test`)", addr, err)
	}
	c.Close()
	return addr
}
