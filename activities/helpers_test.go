package activities_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"billrun/activities"
	"billrun/activities/dataset"
	"billrun/activities/store"
	"billrun/schema/testdb"
)

// acts is the real activities on a test database of their own, with the test's own
// connection for checks and for changing data behind the activities' back.
type acts struct {
	*activities.Activities
	DB *pgxpool.Pool
}

// newActs opens a fresh migrated database and imports doc into it.
func newActs(t *testing.T, doc string) *acts {
	t.Helper()
	ctx := context.Background()
	url := testdb.New(t)
	st, err := store.Open(ctx, url, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	db, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	d, err := dataset.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(ctx, d); err != nil {
		t.Fatal(err)
	}
	return &acts{Activities: &activities.Activities{Store: st, Mail: activities.MailConfig{From: "billing@billrun.local"}}, DB: db}
}

func row(t *testing.T, a *acts, sql string, args ...any) string {
	t.Helper()
	var s string
	if err := a.DB.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}
