package activities_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"billrun/activities"
	"billrun/internal/certifier/pac"
	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfdi"
	"billrun/internal/importfmt"
	"billrun/internal/sandbox/pacsandbox"
	"billrun/internal/store"
	"billrun/schema/testdb"
)

// acts is the real activities on a test database of their own, with the test's own
// connection for checks and for changing data behind the activities' back.
type acts struct {
	*activities.Activities
	Store *store.Store // the store the stages use
	DB    *pgxpool.Pool
	PAC   pacServer // the sandbox PAC the activities stamp with
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
	d, err := importfmt.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(ctx, d); err != nil {
		t.Fatal(err)
	}
	pacs := sandboxPAC(t)
	return &acts{Activities: activities.New(st, activities.Config{Mail: activities.MailConfig{From: "billing@billrun.local"},
		Fiscal: fiscal.Profiles{"MX": cfdi.Profile{PAC: &pac.Client{URL: pacs.URL, User: "billrun", Password: "sandbox"}, PACCert: pacs.Certificate()}}}),
		Store: st, DB: db, PAC: pacs}
}

// pacServer is a sandbox PAC served over HTTP for one test.
type pacServer struct {
	*pacsandbox.Server
	URL string
}

func sandboxPAC(t *testing.T) pacServer {
	t.Helper()
	s, err := pacsandbox.New(t.TempDir(), "billrun", "sandbox")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return pacServer{Server: s, URL: hs.URL}
}

func row(t *testing.T, a *acts, sql string, args ...any) string {
	t.Helper()
	var s string
	if err := a.DB.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}
