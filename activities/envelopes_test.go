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
	"go.temporal.io/sdk/temporal"

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
// CFE — never rebuilt. DGI, which received it the first time, refuses it as held already
// (S08); its CFE then leave it unrefused and go in a new envelope, where DGI answers each by
// its own record, and are stamped.
func TestEnvelopeSentAgainAfterALostAnswerIsTheSame(t *testing.T) {
	ctx := context.Background()
	dgi := newDGI(t)
	sender := &lossy{Sender: &cfe.Client{URL: dgi.url}}
	a, id := sealedEnvelopeBatch(t, sender, dgi, nil)

	if _, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50}); err == nil {
		t.Fatal("the pass whose answer was lost ended well")
	}
	var state string
	var count int
	if err := a.DB.QueryRow(ctx, `select state, cfe_count from cfe_envelopes`).Scan(&state, &count); err != nil || state != "sending" || count != 2 {
		t.Fatalf("the envelope recorded: %s, %d CFE, %v", state, count, err)
	}
	_, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50})
	if err == nil || !strings.Contains(err.Error(), "S08") {
		t.Fatalf("the pass sending it again: %v, want DGI's S08 (held already)", err)
	}
	if len(sender.sent) != 2 || sender.sent[0] != sender.sent[1] {
		t.Fatalf("DGI got %d envelopes; the same both times: %v", len(sender.sent), len(sender.sent) == 2 && sender.sent[0] == sender.sent[1])
	}
	var failed int
	if err := a.DB.QueryRow(ctx, `select count(*) from invoices where fiscal_error <> ''`).Scan(&failed); err != nil || failed != 0 {
		t.Fatalf("%d CFE refused after S08 (%v): DGI holds them", failed, err)
	}
	res, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50})
	if err != nil || res.Processed != 2 || len(sender.sent) != 3 || sender.sent[2] == sender.sent[0] {
		t.Fatalf("the pass after S08: %+v %v, %d envelopes sent (want a third, new one)", res, err, len(sender.sent))
	}
	var rejected, answered, stamped int
	if err := a.DB.QueryRow(ctx, `select (select count(*) from cfe_envelopes where state = 'rejected' and ack like '%S08%'),
		(select count(*) from cfe_envelopes where state = 'answered'),
		(select count(*) from invoices v join fiscal_documents d on d.invoice_id = v.id where v.fiscal_status = 'stamped' and d.envelope_id is not null
		 and d.authority_ack like '%<Estado>AE</Estado>%')`).Scan(&rejected, &answered, &stamped); err != nil || rejected != 1 || answered != 1 || stamped != 2 {
		t.Errorf("%d envelopes held already, %d answered, %d CFE stamped (%v)", rejected, answered, stamped, err)
	}
	if res, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50}); err != nil || res.Processed != 0 || len(sender.sent) != 3 {
		t.Errorf("a pass with nothing left sent again: %+v %v", res, err)
	}
}

// DGI answers a CFE sent again after S08 "already in its records" (E03): that is DGI's
// record of the CFE it received in the envelope whose answer was lost, and it is stamped;
// the same E03 to a CFE never held so is a refusal.
func TestEnvelopeHeldAlreadyAnsweredE03(t *testing.T) {
	ctx := context.Background()
	dgi := newDGI(t)
	sender := &lossy{Sender: &cfe.Client{URL: dgi.url}}
	a, id := sealedEnvelopeBatch(t, sender, dgi, nil)
	for range 2 { // the answer lost, then S08
		if _, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50}); err == nil {
			t.Fatal("the pass ended well")
		}
	}
	for _, key := range []string{"219999830019-101-LA-1", "219999830019-101-LA-2"} {
		if err := dgi.Refuse(key, "E03"); err != nil {
			t.Fatal(err)
		}
	}
	// The first CFE was never held by DGI as far as billrun knows: its S08 answer is gone.
	if _, err := a.DB.Exec(ctx, `update fiscal_documents set authority_ack = null where invoice_id = (select min(invoice_id) from fiscal_documents)`); err != nil {
		t.Fatal(err)
	}
	res, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50})
	if err != nil || res.Processed != 2 {
		t.Fatalf("the pass after S08: %+v %v", res, err)
	}
	var refused, heldNote int
	if err := a.DB.QueryRow(ctx, `select (select count(*) from invoices where fiscal_status = 'sealed' and fiscal_error like '%E03%'),
		(select count(*) from invoices v join audit_events l on l.invoice_id = v.id where v.fiscal_status = 'stamped' and l.detail like '%S08, then E03%')`).Scan(&refused, &heldNote); err != nil || refused != 1 || heldNote != 1 {
		t.Errorf("%d refused E03 (want the one not held), %d stamped as held by DGI (want 1): %v", refused, heldNote, err)
	}
}

// holdOne hands everything to DGI but answers the status of one envelope (DGI's number) as
// not ready, as DGI does while it processes it.
type holdOne struct {
	cfe.Sender
	hold int64
}

func (h *holdOne) Status(ctx context.Context, who cfe.Identity, receptorID int64, token string) (string, error) {
	if receptorID == h.hold {
		return "", cfe.ErrNotReady
	}
	return h.Sender.Status(ctx, who, receptorID, token)
}

// wakes counts the wake-ups of a batch's publication.
type wakes struct {
	activities.Workflows
	n int
}

func (w *wakes) WakePublication(context.Context, string) error { w.n++; return nil }

// A pass with one envelope answered and another DGI has not answered yet waits (retried),
// but hands the CFE it stamped to printing at once: it wakes its publication.
func TestEnvelopeWaitingDoesNotHoldPrinting(t *testing.T) {
	ctx := context.Background()
	dgi := newDGI(t)
	sender := &holdOne{Sender: &cfe.Client{URL: dgi.url}, hold: 2}
	a, id := sealedEnvelopeBatch(t, sender, dgi, nil)
	w := &wakes{}
	a.Activities.SetWorkflows(w)
	// Both e-Tickets above the UI threshold: each goes alone, in an envelope of its own.
	if _, err := a.DB.Exec(ctx, `update uy_ui_values set value = 0.01`); err != nil {
		t.Fatal(err)
	}
	res, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50})
	if err == nil || !strings.Contains(err.Error(), "wait for DGI's answer") || res.Processed != 1 || w.n != 1 {
		t.Fatalf("the pass: %+v %v, %d wake-ups; want one CFE stamped, printing woken once, the pass waiting", res, err, w.n)
	}
	sender.hold = 0
	if res, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50}); err != nil || res.Processed != 1 {
		t.Fatalf("once DGI answers the other: %+v %v", res, err)
	}
}

// counting hands every envelope and status query to DGI and counts them.
type counting struct {
	cfe.Sender
	mu          sync.Mutex
	sent, asked int
}

func (c *counting) Status(ctx context.Context, who cfe.Identity, receptorID int64, token string) (string, error) {
	c.mu.Lock()
	c.asked++
	c.mu.Unlock()
	return c.Sender.Status(ctx, who, receptorID, token)
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
	a, id := sealedEnvelopeBatch(t, sender, dgi, c.Now)
	stamped := func() int {
		var n int
		if err := a.DB.QueryRow(ctx, `select count(*) from invoices where fiscal_status = 'stamped'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waiting := func(err error) bool {
		return err != nil && !errors.Is(err, fiscal.ErrFiscal) && strings.Contains(err.Error(), "wait for DGI's answer (asked again later)")
	}
	_, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50})
	if !waiting(err) {
		t.Fatalf("the pass before DGI answers: %v, want it waiting (retried)", err)
	}
	// DGI's ACKSobre said when to ask (Fechahora, a minute on): the pass is retried then,
	// and DGI is not asked before.
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.NonRetryable() || app.NextRetryDelay() < 50*time.Second || app.NextRetryDelay() > time.Minute || sender.asked != 0 {
		t.Fatalf("the waiting pass: %#v, DGI asked %d times; want it retried in about a minute, DGI not asked", err, sender.asked)
	}
	var state, ack string
	if err := a.DB.QueryRow(ctx, `select state, coalesce(ack, '') from cfe_envelopes`).Scan(&state, &ack); err != nil || state != "received" || !cfe.IsEnvelopeReceipt(ack) {
		t.Fatalf("the envelope while DGI has not answered: %s %v (ACKSobre kept: %v)", state, err, cfe.IsEnvelopeReceipt(ack))
	}
	if stamped() != 0 || sender.sent != 1 {
		t.Fatalf("before DGI answers: %d stamped, %d envelopes sent", stamped(), sender.sent)
	}
	if _, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50}); !waiting(err) || sender.sent != 1 || sender.asked != 0 {
		t.Fatalf("asked again too early: %v, %d envelopes sent, DGI asked %d times", err, sender.sent, sender.asked)
	}
	c.Add(time.Minute)
	res, err := a.Publication.StampInvoices(ctx, activities.Pass{BatchID: id, Limit: 50})
	if err != nil || res.Processed != 2 || stamped() != 2 || sender.sent != 1 || sender.asked != 1 {
		t.Fatalf("once DGI answers: %+v %v, %d stamped, %d envelopes sent, DGI asked %d times", res, err, stamped(), sender.sent, sender.asked)
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
func sealedEnvelopeBatch(t *testing.T, sender cfe.Sender, dgi testDGI, clock func() time.Time) (*acts, string) {
	t.Helper()
	testdb.Tool(t, "xmllint")
	ctx := context.Background()
	t.Setenv("BILLRUN_TEST_CSD_PASSWORD", "12345678a")
	a := newActs(t, fmt.Sprintf(envelopeData, testdb.Root(t)+"/testdata/uy/219999830019.cer", testdb.Root(t)+"/testdata/uy/219999830019.key"))
	a.Activities = activities.New(a.Store, activities.Config{Fiscal: fiscal.Profiles{"UY": cfe.Profile{DGI: sender, DGICert: dgi.Certificate(), Now: clock}}})
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
