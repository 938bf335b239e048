package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/activities"
	"billrun/internal/batching"
	"billrun/internal/model"
	"billrun/schema/testdb"
)

const fiscalData = `{
  "currencies": [{"code": "MXN", "decimals": 2}],
  "issuers": [{"code": "I", "rfc": "EKU9003173C9", "name": "ESCUELA KEMPER URGATE", "fiscal_regime": "601", "postal_code": "42501",
               "currency": "MXN", "csd_certificate": %q, "csd_key": %q, "csd_password_env": "BILLRUN_TEST_CSD_PASSWORD"}],
  "payment_terms": [{"code": "NET30", "kind": "credit", "days": 30, "metodo_pago": "PPD"}],
  "customers": [{"code": "C1", "name": "Ñandú & Peña", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration",
                 "fiscal_regime": "601", "postal_code": "65000", "email": "ñandu@example.com", "payment_terms": "NET30"}],
  "items": [{"code": "S", "description": "Servicio", "unit_price": 100, "vat_rate": 16, "stocked": false}],
  "warehouses": [{"code": "W", "name": "W"}],
  "series": [{"code": "A", "issuer": "I", "document_kind": "invoice"}],
  "orders": [{"number": 1, "customer": "C1", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01",
              "lines": [{"item": "S", "ordered": 3}]}]
}`

// completedInvoice takes one invoice through completion with the real activities, dated date.
func completedInvoice(t *testing.T, date string) (*acts, int64) {
	t.Helper()
	ctx := context.Background()
	t.Setenv("BILLRUN_TEST_CSD_PASSWORD", "12345678a")
	a := newActs(t, fmt.Sprintf(fiscalData, testdb.SAT(t, "csd/EKU9003173C9.cer"), testdb.SAT(t, "csd/EKU9003173C9.key")))
	id, err := batching.Create(ctx, a.Store, "", model.BatchParams{SourceKind: "orders", OrdersFrom: 1, OrdersTo: 1,
		Series: "A", InvoiceDate: date, Rate: decimal.NewFromInt(1), Grouping: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id}); err != nil {
		t.Fatal(err)
	}
	open, err := a.Planning.ListOpenInvoices(ctx, activities.OpenPage{BatchID: id, AfterGroup: 0, Limit: 10})
	refs := open.Invoices
	if err != nil || len(refs) != 1 {
		t.Fatalf("%v %v", refs, err)
	}
	inv := refs[0].ID
	if _, err := a.Invoicing.PriceInvoice(ctx, activities.InvoiceStep{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	if err := a.Invoicing.PostReceivable(ctx, activities.InvoiceStep{InvoiceID: inv, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Invoicing.CompleteInvoice(ctx, activities.InvoiceStep{InvoiceID: inv, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	return a, inv
}

func TestSealingRefusesBadKeyMaterialAndHalfWritesNothing(t *testing.T) {
	a, inv := completedInvoice(t, "2026-11-23")
	ctx := context.Background()
	cer, key := testdb.SAT(t, "csd/EKU9003173C9.cer"), testdb.SAT(t, "csd/EKU9003173C9.key")
	cases := []struct {
		name  string
		setup func()
		want  string
	}{
		{"missing password", func() { t.Setenv("BILLRUN_TEST_CSD_PASSWORD", "") }, "no password"},
		{"wrong password", func() { t.Setenv("BILLRUN_TEST_CSD_PASSWORD", "nope") }, "cannot be decrypted"},
		{"mismatched certificate", func() {
			t.Setenv("BILLRUN_TEST_CSD_PASSWORD", "12345678a")
			a.DB.Exec(ctx, `update issuers set csd_certificate = $1`, testdb.SAT(t, "csd/tfd-certs/30001000000500003456.cer"))
		}, "does not belong to certificate"},
		{"customer without fiscal regime", func() {
			a.DB.Exec(ctx, `update issuers set csd_certificate = $1, csd_key = $2`, cer, key)
			a.DB.Exec(ctx, `update customers set fiscal_regime = ''`)
		}, "customer C1 has no fiscal regime"},
		{"customer without postal code", func() {
			a.DB.Exec(ctx, `update customers set fiscal_regime = '601', postal_code = ''`)
		}, "customer C1 has no postal code"},
	}
	for _, c := range cases {
		c.setup()
		_, err := a.Publication.SealInvoice(ctx, activities.Document{InvoiceID: inv})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: err = %v, want %q", c.name, err, c.want)
		}
		got := row(t, a, `select status || ' ' || fiscal_status || ' ' || (select count(*) from fiscal_documents) || ' ' || fiscal_error from invoices where id = $1`, inv)
		if !strings.HasPrefix(got, "completed unsealed 0 sealing: ") || !strings.Contains(got, c.want) {
			t.Fatalf("%s: invoice after a failed sealing: %s", c.name, got)
		}
	}
	// Fixed: it seals, and the reason is cleared.
	a.DB.Exec(ctx, `update customers set postal_code = '65000'`)
	if _, err := a.Publication.SealInvoice(ctx, activities.Document{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	if got := row(t, a, `select fiscal_status || '/' || fiscal_error from invoices where id = $1`, inv); got != "sealed/" {
		t.Fatalf("after the fix: %s", got)
	}
}

func TestSealingRefusesAnExpiredCertificate(t *testing.T) {
	a, inv := completedInvoice(t, "2026-11-23")
	// Issued on 2027-06-01, after the test certificate's end (2027-05-18).
	activities.WithClock(func() time.Time { return time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC) })(a.Activities)
	_, err := a.Publication.SealInvoice(context.Background(), activities.Document{InvoiceID: inv})
	if err == nil || !strings.Contains(err.Error(), "is valid from") {
		t.Fatalf("err = %v, want an expired-certificate error", err)
	}
}

func messages(t *testing.T, api string) []struct {
	MessageID   string
	Attachments int
} {
	t.Helper()
	r, err := http.Get(api + "/api/v1/messages?limit=100")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var list struct {
		Messages []struct {
			MessageID   string
			Attachments int
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list.Messages
}

func sealedAndPrinted(t *testing.T) (*acts, int64) {
	a, inv := completedInvoice(t, "2026-11-23")
	ctx := context.Background()
	if _, err := a.Publication.SealInvoice(ctx, activities.Document{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	if err := a.Publication.StampInvoice(ctx, activities.Document{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	if err := a.Publication.PrintInvoice(ctx, activities.Document{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	if got := row(t, a, `select fiscal_status from invoices where id = $1`, inv); got != "pdf" {
		t.Fatalf("fiscal status %s after sealing, stamping and printing", got)
	}
	return a, inv
}

func TestDeliveryRunTwiceSendsOnce(t *testing.T) {
	a, inv := sealedAndPrinted(t)
	a.Publication.Mail.Addr = testdb.FreeAddr(t)
	api, _ := testdb.Mailpit(t, a.Publication.Mail.Addr)
	for i := 0; i < 2; i++ {
		if err := a.Publication.DeliverInvoice(context.Background(), activities.Delivery{InvoiceID: inv, Seq: 1}); err != nil {
			t.Fatal(err)
		}
	}
	msgs := messages(t, api)
	if len(msgs) != 1 || msgs[0].Attachments != 2 || msgs[0].MessageID != activities.MessageID(a.Publication.Installation, inv, 1) {
		t.Fatalf("messages %+v, want one with 2 attachments and the invoice's Message-ID", msgs)
	}
	if got := row(t, a, `select delivery_status from invoices where id = $1`, inv); got != "sent" {
		t.Fatalf("delivery status %s", got)
	}
}

// A pass's worker sends its messages on one SMTP connection (greeting, STARTTLS and AUTH
// once), each delivered once; a connection the server dropped meanwhile is dialled again.
func TestDeliveriesShareAConnection(t *testing.T) {
	a, inv := sealedAndPrinted(t)
	mailpit := testdb.FreeAddr(t)
	api, _ := testdb.Mailpit(t, mailpit)
	proxy := newCountingProxy(t, mailpit)
	a.Publication.Mail.Addr = proxy.addr
	ds := []activities.Delivery{{InvoiceID: inv, Seq: 1}, {InvoiceID: inv, Seq: 2}, {InvoiceID: inv, Seq: 3}}
	if err := a.Publication.DeliverOnOneSession(context.Background(), ds, func() {}); err != nil {
		t.Fatal(err)
	}
	if n := len(messages(t, api)); n != 3 || proxy.count() != 1 {
		t.Fatalf("%d messages over %d connections, want 3 over 1", n, proxy.count())
	}
	ds = []activities.Delivery{{InvoiceID: inv, Seq: 4}, {InvoiceID: inv, Seq: 5}}
	if err := a.Publication.DeliverOnOneSession(context.Background(), ds, proxy.dropAll); err != nil {
		t.Fatal(err)
	}
	if n := len(messages(t, api)); n != 5 || proxy.count() != 3 {
		t.Fatalf("with the connection dropped after each message: %d messages over %d connections, want 5 over 3", n, proxy.count())
	}
}

func TestDeliveryRetriedAfterAnAmbiguousEndNeverSendsTwice(t *testing.T) {
	a, inv := sealedAndPrinted(t)
	a.Publication.Mail.Addr = testdb.FreeAddr(t)
	api, _ := testdb.Mailpit(t, a.Publication.Mail.Addr)
	ctx := context.Background()
	// The server accepted the message, then the worker "died" before recording it.
	activities.WithAfterSend(func() error { return errors.New("worker killed") })(a.Activities)
	if err := a.Publication.DeliverInvoice(ctx, activities.Delivery{InvoiceID: inv, Seq: 1}); err == nil {
		t.Fatal("the forced failure did not happen")
	}
	activities.WithAfterSend(nil)(a.Activities)
	if err := a.Publication.DeliverInvoice(ctx, activities.Delivery{InvoiceID: inv, Seq: 1}); err != nil { // Temporal's retry
		t.Fatal(err)
	}
	if n := len(messages(t, api)); n != 1 {
		t.Fatalf("%d messages after a retry, want exactly 1", n)
	}
	if got := row(t, a, `select delivery_status || ' ' || (select status from deliveries where invoice_id = $1) from invoices where id = $1`, inv); got != "uncertain uncertain" {
		t.Fatalf("an ambiguous delivery is %s, want uncertain (an operator resends on purpose)", got)
	}
}

// A pass cancelled while a message is being handed over (its publication run ending) still
// records what the server answered: left "sending", the next run's pass would record an
// e-mail the server took as uncertain.
func TestDeliveryCancelledWhileHandedOverIsRecordedSent(t *testing.T) {
	a, inv := sealedAndPrinted(t)
	a.Publication.Mail.Addr = testdb.FreeAddr(t)
	api, _ := testdb.Mailpit(t, a.Publication.Mail.Addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	activities.WithAfterSend(func() error { cancel(); return nil })(a.Activities)
	defer activities.WithAfterSend(nil)(a.Activities)
	if err := a.Publication.DeliverInvoice(ctx, activities.Delivery{InvoiceID: inv, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if n := len(messages(t, api)); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
	if got := row(t, a, `select delivery_status || ' ' || (select status from deliveries where invoice_id = $1) from invoices where id = $1`, inv); got != "sent sent" {
		t.Fatalf("a delivery cancelled after the server took it is %s, want sent", got)
	}
}

func TestDeliveryWaitsForTheMailServer(t *testing.T) {
	a, inv := sealedAndPrinted(t)
	a.Publication.Mail.Addr = testdb.FreeAddr(t) // nothing listens there yet
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := a.Publication.DeliverInvoice(ctx, activities.Delivery{InvoiceID: inv, Seq: 1}); err == nil {
			t.Fatal("delivery to a server that is down succeeded")
		}
	}
	if got := row(t, a, `select status || ' ' || attempts from deliveries where invoice_id = $1`, inv); got != "pending 3" {
		t.Fatalf("while the server is down: %s", got)
	}
	api, _ := testdb.Mailpit(t, a.Publication.Mail.Addr)
	if err := a.Publication.DeliverInvoice(ctx, activities.Delivery{InvoiceID: inv, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if n := len(messages(t, api)); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
}

func TestCustomerWithoutEmailIsSkipped(t *testing.T) {
	a, inv := sealedAndPrinted(t)
	a.DB.Exec(context.Background(), `update customers set email = ''`)
	if err := a.Publication.DeliverInvoice(context.Background(), activities.Delivery{InvoiceID: inv, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if got := row(t, a, `select v.status || ' ' || v.delivery_status || ' ' || d.detail from invoices v join deliveries d on d.invoice_id = v.id where v.id = $1`, inv); got != "completed skipped the customer has no e-mail address" {
		t.Fatalf("%s", got)
	}
}
