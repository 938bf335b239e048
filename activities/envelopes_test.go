package activities_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/activities"
	"billrun/internal/batching"
	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
	"billrun/internal/sandbox/dgisandbox"
	"billrun/schema/testdb"
)

const envelopeData = `{
  "currencies": [{"code": "UYU", "decimals": 2}],
  "uy_ui_values": [{"date": "2026-11-01", "value": "6.45"}],
  "issuers": [{"code": "UY", "country": "UY", "rut": "219999830019", "name": "EMISOR DE PRUEBA", "currency": "UYU", "branch": "1",
               "address": "CALLE FALSA 123", "city": "MONTEVIDEO", "department": "MONTEVIDEO",
               "csd_certificate": %q, "csd_key": %q, "csd_password_env": "BILLRUN_TEST_CSD_PASSWORD"}],
  "payment_terms": [{"code": "CASH", "kind": "cash"}],
  "customers": [{"code": "LUIS", "name": "Luis Pérez", "tax_id": "12345672", "tax_id_kind": "national_id", "country": "UY", "payment_terms": "CASH"},
                {"code": "MARIA", "name": "María Gómez", "tax_id": "34567894", "tax_id_kind": "national_id", "country": "UY", "payment_terms": "CASH"}],
  "items": [{"code": "S", "description": "Servicio", "unit_price": 100, "vat_rate": 22, "stocked": false}],
  "warehouses": [{"code": "W", "name": "W"}],
  "series": [{"code": "T", "issuer": "UY", "document_kind": "ticket", "cfe_type": 101}],
  "caes": [{"series": "T", "cae": "90110000601", "cfe_series": "LA", "from": 1, "to": 100, "expires": "2027-12-31"}],
  "orders": [{"number": 1, "customer": "LUIS", "series": "T", "warehouse": "W", "currency": "UYU", "date": "2026-11-01", "lines": [{"item": "S", "ordered": 1}]},
             {"number": 2, "customer": "MARIA", "series": "T", "warehouse": "W", "currency": "UYU", "date": "2026-11-01", "lines": [{"item": "S", "ordered": 2}]}]
}`

// lossy hands every envelope to DGI, but loses DGI's answer to the first: the sender sees
// an error although DGI received it, as when a connection drops after the request.
type lossy struct {
	cfe.Sender
	mu   sync.Mutex
	sent []string
}

func (l *lossy) Receive(ctx context.Context, who cfe.Identity, envelope string) (string, error) {
	ack, err := l.Sender.Receive(ctx, who, envelope)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, envelope)
	if err == nil && len(l.sent) == 1 {
		return "", errors.New("connection reset by peer")
	}
	return ack, err
}

// An envelope whose answer was lost is sent again byte for byte — the same number, the same
// CFE — never rebuilt; then its CFE are answered and stamped, each by its own answer.
func TestEnvelopeSentAgainAfterALostAnswerIsTheSame(t *testing.T) {
	ctx := context.Background()
	dgi := newDGI(t)
	sender := &lossy{Sender: &cfe.Client{URL: dgi.url}}
	a, id := sealedEnvelopeBatch(t, sender, dgi)

	if _, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50}); err == nil {
		t.Fatal("the pass whose answer was lost ended well")
	}
	var state string
	var count int
	if err := a.DB.QueryRow(ctx, `select state, cfe_count from cfe_envelopes`).Scan(&state, &count); err != nil || state != "sending" || count != 2 {
		t.Fatalf("the envelope recorded: %s, %d CFE, %v", state, count, err)
	}
	res, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50})
	if err != nil || res.Processed != 2 {
		t.Fatalf("the pass again: %+v %v", res, err)
	}
	if len(sender.sent) != 2 || sender.sent[0] != sender.sent[1] {
		t.Fatalf("DGI got %d envelopes; the same both times: %v", len(sender.sent), len(sender.sent) == 2 && sender.sent[0] == sender.sent[1])
	}
	var envelopes, stamped int
	if err := a.DB.QueryRow(ctx, `select (select count(*) from cfe_envelopes where state = 'answered'),
		(select count(*) from invoices v join fiscal_documents d on d.invoice_id = v.id where v.fiscal_status = 'stamped' and d.envelope_id is not null
		 and d.authority_ack like '%<Estado>AE</Estado>%')`).Scan(&envelopes, &stamped); err != nil || envelopes != 1 || stamped != 2 {
		t.Errorf("%d envelopes answered, %d CFE stamped (%v)", envelopes, stamped, err)
	}
	if res, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50}); err != nil || res.Processed != 0 || len(sender.sent) != 2 {
		t.Errorf("a pass with nothing left sent again: %+v %v", res, err)
	}
}

// counting hands every envelope to DGI and counts them.
type counting struct {
	cfe.Sender
	mu   sync.Mutex
	sent int
}

func (c *counting) Receive(ctx context.Context, who cfe.Identity, envelope string) (string, error) {
	c.mu.Lock()
	c.sent++
	c.mu.Unlock()
	return c.Sender.Receive(ctx, who, envelope)
}

// testClock is a clock a test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// An envelope DGI received but has not answered yet ends the pass as waiting (retried
// with backoff), kept received with its ACKSobre, its CFE unstamped; the next pass after
// DGI answers asks with the token — never sending the envelope again — and stamps them.
func TestEnvelopeAwaitsDGIsAnswer(t *testing.T) {
	ctx := context.Background()
	dgi := newDGI(t)
	c := &testClock{now: time.Now()}
	dgi.Now, dgi.AnswerAfter = c.Now, time.Minute
	sender := &counting{Sender: &cfe.Client{URL: dgi.url}}
	a, id := sealedEnvelopeBatch(t, sender, dgi)
	stamped := func() int {
		var n int
		if err := a.DB.QueryRow(ctx, `select count(*) from invoices where fiscal_status = 'stamped'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waiting := func(err error) bool {
		return err != nil && !errors.Is(err, fiscal.ErrFiscal) && strings.Contains(err.Error(), "wait for DGI's answer (asked again with backoff)")
	}
	if _, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50}); !waiting(err) {
		t.Fatalf("the pass before DGI answers: %v, want it waiting (retried)", err)
	}
	var state, ack string
	if err := a.DB.QueryRow(ctx, `select state, coalesce(ack, '') from cfe_envelopes`).Scan(&state, &ack); err != nil || state != "received" || !cfe.IsEnvelopeReceipt(ack) {
		t.Fatalf("the envelope while DGI has not answered: %s %v (ACKSobre kept: %v)", state, err, cfe.IsEnvelopeReceipt(ack))
	}
	if stamped() != 0 || sender.sent != 1 {
		t.Fatalf("before DGI answers: %d stamped, %d envelopes sent", stamped(), sender.sent)
	}
	if _, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50}); !waiting(err) || sender.sent != 1 {
		t.Fatalf("asked again too early: %v, %d envelopes sent", err, sender.sent)
	}
	c.Add(time.Minute)
	res, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50})
	if err != nil || res.Processed != 2 || stamped() != 2 || sender.sent != 1 {
		t.Fatalf("once DGI answers: %+v %v, %d stamped, %d envelopes sent", res, err, stamped(), sender.sent)
	}
}

// testDGI is the sandbox DGI behind a test HTTP server.
type testDGI struct {
	*dgisandbox.Server
	url string
}

func newDGI(t *testing.T) testDGI {
	t.Helper()
	dgi, err := dgisandbox.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dgi.Close() })
	srv := httptest.NewServer(dgi)
	t.Cleanup(srv.Close)
	return testDGI{dgi, srv.URL}
}

// sealedEnvelopeBatch bills envelopeData's two e-Tickets, priced, completed and sealed,
// with activities that reach DGI through sender; it answers them and the batch's id.
func sealedEnvelopeBatch(t *testing.T, sender cfe.Sender, dgi testDGI) (*acts, string) {
	t.Helper()
	testdb.Tool(t, "xmllint")
	ctx := context.Background()
	t.Setenv("BILLRUN_TEST_CSD_PASSWORD", "12345678a")
	a := newActs(t, fmt.Sprintf(envelopeData, testdb.Root(t)+"/testdata/uy/219999830019.cer", testdb.Root(t)+"/testdata/uy/219999830019.key"))
	a.Activities = activities.New(a.Store, activities.Config{Fiscal: fiscal.Profiles{"UY": cfe.Profile{DGI: sender, DGICert: dgi.Certificate()}}})
	id, err := batching.Create(ctx, a.Store, "", model.BatchParams{SourceKind: "orders", OrdersFrom: 1, OrdersTo: 2,
		Series: "T", InvoiceDate: "2026-11-25", Rate: decimal.NewFromInt(1), Grouping: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id}); err != nil {
		t.Fatal(err)
	}
	open, err := a.Planning.ListOpenInvoices(ctx, activities.OpenPage{BatchID: id, AfterGroup: 0, Limit: 10})
	if err != nil || len(open.Invoices) != 2 {
		t.Fatalf("%v %v", open, err)
	}
	for _, ref := range open.Invoices {
		step := activities.InvoiceStep{InvoiceID: ref.ID, Attempt: 1}
		if _, err := a.Invoicing.PriceInvoice(ctx, activities.InvoiceStep{InvoiceID: ref.ID}); err != nil {
			t.Fatal(err)
		}
		if err := a.Invoicing.PostReceivable(ctx, step); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Invoicing.CompleteInvoice(ctx, step); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Publication.SealInvoice(ctx, activities.Document{InvoiceID: ref.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return a, id
}
