package activities_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"billrun/activities"
	"billrun/internal/certifier/pac"
	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfdi"
	"billrun/schema/testdb"
)

func sealed(t *testing.T) (*acts, int64) {
	t.Helper()
	a, inv := completedInvoice(t, "2026-11-23")
	if _, err := a.Publication.SealInvoice(context.Background(), activities.Document{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	return a, inv
}

// A stamped invoice: its stored XML carries the sandbox PAC's TFD, which SAT's schema,
// SAT's stylesheet and openssl accept; stamping again changes nothing.
func TestStampingStoresAVerifiedStampOnce(t *testing.T) {
	a, inv := sealed(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := a.Publication.StampInvoice(ctx, activities.Document{InvoiceID: inv}); err != nil {
			t.Fatal(err)
		}
	}
	got := row(t, a, `select v.fiscal_status || ' ' || d.status || ' ' || (select count(*) from audit_events where invoice_id = v.id and step = 'stamping')
		from invoices v join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, inv)
	if got != "stamped stamped 1" {
		t.Fatalf("after stamping twice: %s", got)
	}
	uuid := row(t, a, `select uuid from fiscal_documents where invoice_id = $1`, inv)
	xml := row(t, a, `select xml from fiscal_documents where invoice_id = $1`, inv)
	if !strings.Contains(xml, `UUID="`+uuid+`"`) {
		t.Fatalf("the stored XML does not carry UUID %s", uuid)
	}
	p := filepath.Join(t.TempDir(), "stamped.xml")
	if err := os.WriteFile(p, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(testdb.Tool(t, "xmllint"), "--noout", "--nonet", "--schema", testdb.SAT(t, "cfdi40/cfdi40-with-tfd.xsd"), p).CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
	testdb.Tool(t, "xsltproc")
	if out, err := exec.Command(testdb.SAT(t, "tools/verify-tfd11.sh"), p, a.PAC.CertFile()).CombinedOutput(); err != nil {
		t.Fatalf("verify-tfd11.sh: %v\n%s", err, out)
	}
	if out, err := exec.Command(testdb.SAT(t, "tools/verify-cfdi40-sello.sh"), p).CombinedOutput(); err != nil {
		t.Fatalf("verify-cfdi40-sello.sh: %v\n%s", err, out)
	}
}

// A PAC that refuses leaves the invoice completed and sealed with the reason; a document
// too old to stamp is discarded and sealed again, dated now, and then stamped.
func TestStampingRefusedThenResealed(t *testing.T) {
	a, inv := sealed(t)
	ctx := context.Background()
	a.PAC.Now = func() time.Time { return time.Now().Add(80 * time.Hour) }
	err := a.Publication.StampInvoice(ctx, activities.Document{InvoiceID: inv})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want the PAC's 401 refusal", err)
	}
	if got := row(t, a, `select status || ' ' || fiscal_status || ' ' || fiscal_error from invoices where id = $1`, inv); !strings.HasPrefix(got, "completed sealed stamping: the PAC refused the document: 401") {
		t.Fatalf("after a refusal: %s", got)
	}
	// The pass skips it (its reason is kept) and ends.
	res, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: row(t, a, `select batch_id from invoices where id = $1`, inv), Limit: 50})
	if err != nil || res.Processed != 0 || res.Remaining != 0 {
		t.Fatalf("pass after a refusal: %+v %v", res, err)
	}
	// Reseal: the unstamped document goes, a new one is dated now (the PAC's now here).
	if err := a.Store.DiscardUnstamped(ctx, inv); err != nil {
		t.Fatal(err)
	}
	a.DB.Exec(ctx, `update invoices set fiscal_error = '' where id = $1`, inv)
	activities.WithClock(a.PAC.Now)(a.Activities)
	if _, err := a.Publication.SealInvoice(ctx, activities.Document{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	if err := a.Publication.StampInvoice(ctx, activities.Document{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	if got := row(t, a, `select fiscal_status || ' ' || (uuid is not null)::text from invoices v join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, inv); got != "stamped true" {
		t.Fatalf("after resealing: %s", got)
	}
	// A stamped document is never discarded: the store refuses, whatever the caller checked.
	if err := a.Store.DiscardUnstamped(ctx, inv); err == nil || !strings.Contains(err.Error(), "nothing to reseal") {
		t.Fatalf("discarding a stamped document: %v", err)
	}
	if got := row(t, a, `select fiscal_status from invoices where id = $1`, inv); got != "stamped" {
		t.Fatalf("a stamped document was discarded: %s", got)
	}
}

// A PAC out of reach is transient: no reason recorded, the invoice waits sealed and is
// stamped once the PAC is back. No PAC configured at all is said plainly.
func TestStampingWaitsForThePAC(t *testing.T) {
	a, inv := sealed(t)
	ctx := context.Background()
	working := a.Publication.Fiscal
	a.Publication.Fiscal = fiscal.Profiles{"MX": cfdi.Profile{PAC: &pac.Client{URL: "http://" + testdb.FreeAddr(t), User: "billrun", Password: "sandbox"}}}
	for i := 0; i < 2; i++ {
		err := a.Publication.StampInvoice(ctx, activities.Document{InvoiceID: inv})
		if err == nil || activities.BusinessOf("stamping", err) != nil {
			t.Fatalf("err = %v, want a transient error", err)
		}
	}
	if got := row(t, a, `select fiscal_status || '/' || fiscal_error from invoices where id = $1`, inv); got != "sealed/" {
		t.Fatalf("while the PAC is down: %s", got)
	}
	a.Publication.Fiscal = working
	if err := a.Publication.StampInvoice(ctx, activities.Document{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	a.Publication.Fiscal = fiscal.Profiles{"MX": cfdi.Profile{}}
	b, other := sealed(t)
	b.Publication.Fiscal = a.Publication.Fiscal
	if err := b.Publication.StampInvoice(ctx, activities.Document{InvoiceID: other}); err == nil || !strings.Contains(err.Error(), "no PAC is configured") {
		t.Fatalf("err = %v", err)
	}
}

// Issue 10.2: data that bypassed the import (written by another program) with a character
// XML cannot carry is caught by the check after writing: the invoice stays completed and
// unsealed with the reason, never sealed with a document whose Sello does not verify.
func TestSealingVerifiesWhatItStores(t *testing.T) {
	a, inv := completedInvoice(t, "2026-11-23")
	ctx := context.Background()
	a.DB.Exec(ctx, "update customers set name = 'Ñandú\x01Peña'")
	_, err := a.Publication.SealInvoice(ctx, activities.Document{InvoiceID: inv})
	if err == nil {
		t.Fatal("a document with U+0001 was sealed")
	}
	got := row(t, a, `select fiscal_status || ' ' || (select count(*) from fiscal_documents) || ' ' || fiscal_error from invoices where id = $1`, inv)
	if !strings.HasPrefix(got, "unsealed 0 sealing: ") {
		t.Fatalf("after a document that does not verify: %s", got)
	}
	t.Log(got)
}
