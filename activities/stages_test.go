package activities_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/temporal"

	"billrun/activities"
	"billrun/internal/fiscal"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// Each stage runs here on fakes of its narrow store interface: no database, no services
// (go test -short). A fake embeds the interface and implements only what the case reaches;
// reaching anything else panics, so a stage that starts touching more fails here.

// inTx runs a stage's transaction on a fake view of it.
type inTx[T any] struct{ tx T }

func (f inTx[T]) InTx(_ context.Context, fn func(T) error) error { return fn(f.tx) }

// businessReason is err's reason when it is a non-retryable business error, or "".
func businessReason(t *testing.T, err error) string {
	t.Helper()
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != activities.BusinessErrorType || !app.NonRetryable() {
		t.Fatalf("want a non-retryable business error, got %v", err)
	}
	return app.Error()
}

// --- Invoicing ---

type invoiceTx struct {
	activities.InvoicingTx
	head    store.InvoiceHead
	lines   []store.PricingLine
	saved   map[int64]rules.LineAmounts
	totals  *rules.Totals
	marked  bool
	stock   []store.StockLine
	onHand  map[string]decimal.Decimal
	moves   []store.Movement
	audited []string
}

func (f *invoiceTx) LockInvoice(int64) (store.InvoiceHead, error) { return f.head, nil }
func (f *invoiceTx) LockForPricing(int64) (store.InvoiceHead, store.PricingFacts, error) {
	return f.head, store.PricingFacts{Decimals: 2, Lines: f.lines}, nil
}
func (f *invoiceTx) SavePricing(_ int64, lines []store.PricedLine, t rules.Totals, a store.AuditRow) error {
	for _, l := range lines {
		f.saved[l.ID] = l.Amounts
	}
	f.totals, f.marked = &t, true
	f.audited = append(f.audited, a.Step+" "+a.Outcome)
	return nil
}
func (f *invoiceTx) LockForDischarge(int64, int) (store.InvoiceHead, store.DischargeFacts, error) {
	facts := store.DischargeFacts{Discharge: true}
	for _, l := range f.stock {
		q, ok := f.onHand[l.Warehouse+"/"+l.Item]
		facts.Lines = append(facts.Lines, store.DischargeLine{StockLine: l, Found: ok, OnHand: q})
	}
	return f.head, facts, nil
}
func (f *invoiceTx) MoveStock(ms []store.Movement, a store.AuditRow) error {
	f.moves = append(f.moves, ms...)
	f.audited = append(f.audited, a.Step+" "+a.Outcome)
	return nil
}
func (f *invoiceTx) Audit(_ string, _ int64, step string, _ int, outcome, _ string) error {
	f.audited = append(f.audited, step+" "+outcome)
	return nil
}

func rate(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }

func TestInvoicingPricesADraftOnAFake(t *testing.T) {
	tx := &invoiceTx{head: store.InvoiceHead{ID: 7, BatchID: "B", Status: "draft", Attempt: 1, Currency: "MXN"},
		lines: []store.PricingLine{
			{ID: 1, Input: rules.LineInput{Item: "A", Quantity: decimal.NewFromInt(2), UnitPrice: decimal.RequireFromString("50"), Tax: rules.TaxProfile{VATRate: rate("16")}}},
			{ID: 2, Input: rules.LineInput{Item: "B", Quantity: decimal.NewFromInt(1), UnitPrice: decimal.RequireFromString("10.005"), Tax: rules.TaxProfile{VATRate: rate("0")}}},
		},
		saved: map[int64]rules.LineAmounts{}}
	inv := &activities.Invoicing{Store: inTx[activities.InvoicingTx]{tx}}
	res, err := inv.PriceInvoice(context.Background(), activities.InvoiceStep{InvoiceID: 7})
	if err != nil {
		t.Fatal(err)
	}
	// 100.00 + 16.00 VAT + 10.01 (half-up) at 0 %.
	if res.Total != "126.01" || res.Attempt != 1 || res.Currency != "MXN" || !tx.marked || len(tx.saved) != 2 {
		t.Fatalf("priced %+v, marked %v, lines %d", res, tx.marked, len(tx.saved))
	}
	if got := strings.Join(tx.audited, ","); got != "pricing ok" {
		t.Fatalf("audit %q", got)
	}
}

func TestInvoicingRefusesAnItemWithoutVATAndWritesNothing(t *testing.T) {
	tx := &invoiceTx{head: store.InvoiceHead{ID: 7, Status: "draft", Attempt: 1},
		lines: []store.PricingLine{{ID: 1, Input: rules.LineInput{Item: "NOVAT", Quantity: decimal.NewFromInt(1), UnitPrice: decimal.NewFromInt(5)}}},
		saved: map[int64]rules.LineAmounts{}}
	_, err := (&activities.Invoicing{Store: inTx[activities.InvoicingTx]{tx}}).PriceInvoice(context.Background(), activities.InvoiceStep{InvoiceID: 7})
	if r := businessReason(t, err); !strings.Contains(r, "NOVAT") {
		t.Fatalf("reason %q does not name the item", r)
	}
	if tx.marked || tx.totals != nil {
		t.Fatal("a refused pricing wrote totals or moved the invoice on")
	}
}

func TestInvoicingDischargeOnAFake(t *testing.T) {
	line := store.StockLine{ID: 3, Warehouse: "W1", Item: "A", Quantity: decimal.NewFromInt(5)}
	processing := store.InvoiceHead{ID: 7, Status: "processing", Attempt: 2}

	// No stock row for the item: a business error naming item and warehouse.
	tx := &invoiceTx{head: processing, stock: []store.StockLine{line}}
	err := (&activities.Invoicing{Store: inTx[activities.InvoicingTx]{tx}}).DischargeStock(context.Background(), activities.InvoiceStep{InvoiceID: 7, Attempt: 2})
	if r := businessReason(t, err); !strings.Contains(r, "item A in warehouse W1") {
		t.Fatalf("reason %q", r)
	}

	// Enough stock: one movement of this attempt.
	tx = &invoiceTx{head: processing, stock: []store.StockLine{line}, onHand: map[string]decimal.Decimal{"W1/A": decimal.NewFromInt(9)}}
	if err := (&activities.Invoicing{Store: inTx[activities.InvoicingTx]{tx}}).DischargeStock(context.Background(), activities.InvoiceStep{InvoiceID: 7, Attempt: 2}); err != nil {
		t.Fatal(err)
	}
	if len(tx.moves) != 1 || tx.moves[0].Attempt != 2 || tx.moves[0].Direction != "out" {
		t.Fatalf("moves %+v", tx.moves)
	}

	// A run of a superseded attempt does nothing.
	tx = &invoiceTx{head: processing}
	if err := (&activities.Invoicing{Store: inTx[activities.InvoicingTx]{tx}}).DischargeStock(context.Background(), activities.InvoiceStep{InvoiceID: 7, Attempt: 1}); err != nil || len(tx.moves) != 0 {
		t.Fatalf("stale attempt: %v, moves %d", err, len(tx.moves))
	}
}

// --- Planning ---

type planningStore struct {
	activities.PlanningStore
	batches   map[string]bool
	scheduled []string
}

func (f *planningStore) LoadBatch(_ context.Context, id string) (model.Batch, error) {
	if f.batches[id] {
		return model.Batch{ID: id}, nil
	}
	return model.Batch{}, model.ErrNotFound
}
func (f *planningStore) Template(_ context.Context, name string) (rules.Template, error) {
	return rules.Template{}, fmt.Errorf("template %q: %w", name, model.ErrNotFound) // as the store says it
}
func (f *planningStore) SeriesCountries(context.Context, string) ([]string, error) {
	return []string{"MX"}, nil
}
func (f *planningStore) MarkScheduled(_ context.Context, id string, _ model.ScheduledBatch) error {
	f.scheduled = append(f.scheduled, id)
	return nil
}

func TestPlanningScheduledRunsOnAFake(t *testing.T) {
	s := model.ScheduledBatch{Schedule: "monthly", Source: model.SourceInstallments, PeriodFrom: "2026-11-01", PeriodTo: "2026-11-30", Template: "gone"}
	id := store.ScheduledBatchID(s.Schedule, s.PeriodFrom, s.PeriodTo)

	// The period's batch exists (a retry after a lost answer): answered, its record finished.
	st := &planningStore{batches: map[string]bool{id: true}}
	got, err := (&activities.Planning{Store: st}).CreateScheduledBatch(context.Background(), s)
	if err != nil || got.BatchID != id || len(st.scheduled) != 1 {
		t.Fatalf("existing batch: %q %v, marked %v", got, err, st.scheduled)
	}

	// A template that was deleted: a business error, no batch.
	st = &planningStore{}
	_, err = (&activities.Planning{Store: st}).CreateScheduledBatch(context.Background(), s)
	if r := businessReason(t, err); !strings.Contains(r, "gone") {
		t.Fatalf("reason %q does not name the template", r)
	}
	if len(st.scheduled) != 0 {
		t.Fatal("a refused scheduled run was recorded")
	}
}

// --- Publication ---

type publicationStore struct {
	activities.PublicationStore
	mu       sync.Mutex
	heads    map[int64]store.FiscalHead
	down     map[int64]bool // the database is down for these invoices
	recorded map[int64]string
}

type publicationTx struct {
	activities.PublicationTx
	s *publicationStore
}

func (f *publicationStore) InTx(_ context.Context, fn func(activities.PublicationTx) error) error {
	return fn(publicationTx{s: f})
}
func (f publicationTx) LockFiscal(id int64) (store.FiscalHead, fiscal.Invoice, error) {
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	if f.s.down[id] {
		return store.FiscalHead{}, fiscal.Invoice{}, errors.New("connection refused")
	}
	return f.s.heads[id], fiscal.Invoice{}, nil
}
func (f publicationTx) SealedDocument(int64) (fiscal.Document, error) { return fiscal.Document{}, nil }
func (f *publicationStore) Stampables(_ context.Context, ids []int64) ([]store.Stampable, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Stampable
	for _, id := range ids {
		if f.down[id] {
			return nil, errors.New("connection refused")
		}
		if h := f.heads[id]; h.Status == "completed" && h.FiscalStatus == "sealed" {
			out = append(out, store.Stampable{InvoiceID: id, Head: h})
		}
	}
	return out, nil
}
func (f *publicationStore) SaveStamps(_ context.Context, _ string, stamps []store.Stamp) (int, error) {
	return len(stamps), nil
}
func (f *publicationStore) ToStamp(context.Context, string, int) ([]int64, error) {
	return []int64{1, 2, 3}, nil
}
func (f *publicationStore) StampRemaining(context.Context, string) (int, int, int, error) {
	return 0, 0, 2, nil
}
func (f *publicationStore) TellPublication(context.Context, string) (bool, error) { return true, nil }
func (f *publicationStore) RecordFiscalError(_ context.Context, id int64, step, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recorded[id] = step + ": " + reason
	return nil
}

func TestPublicationStampingPassOnAFake(t *testing.T) {
	st := &publicationStore{recorded: map[int64]string{}, heads: map[int64]store.FiscalHead{
		1: {Status: "completed", FiscalStatus: "stamped", Country: "MX"}, // done already
		2: {Status: "completed", FiscalStatus: "sealed", Country: "AR"},  // no profile: refused, recorded
		3: {Status: "completed", FiscalStatus: "pdf", Country: "MX"},
	}}
	p := &activities.Publication{Store: st}
	res, err := p.StampInvoices(context.Background(), activities.Pass{BatchID: "B", Limit: 10})
	if err != nil || res.Processed != 3 || res.Remaining != 0 {
		t.Fatalf("pass %+v %v", res, err)
	}
	if r := st.recorded[2]; !strings.HasPrefix(r, "stamping: ") || len(st.recorded) != 1 {
		t.Fatalf("recorded %v", st.recorded)
	}

	// The database down for one document ends the pass with that error, to be retried.
	st.down = map[int64]bool{2: true}
	if _, err := p.StampInvoices(context.Background(), activities.Pass{BatchID: "B", Limit: 10}); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("want the transient error, got %v", err)
	}
}

// --- Crediting ---

type creditTx struct {
	activities.CreditingTx
	credited store.CreditedInvoice
}

func (f creditTx) CreditNoteOf(int64, int) (int64, bool, error)      { return 0, false, nil }
func (f creditTx) LockCredited(int64) (store.CreditedInvoice, error) { return f.credited, nil }

func TestCreditingRefusesOnAFake(t *testing.T) {
	req := activities.CreditNoteRequest{InvoiceID: 4, Seq: 1, Kind: rules.CreditReturn, Date: "2026-12-01",
		Lines: []rules.CreditLine{{LineNo: 1, Quantity: decimal.NewFromInt(1)}}}
	for _, c := range []struct {
		name string
		inv  store.CreditedInvoice
		req  func(*activities.CreditNoteRequest)
		want string
	}{
		{"bad date", store.CreditedInvoice{}, func(r *activities.CreditNoteRequest) { r.Date = "01/12/2026" }, `date "01/12/2026"`},
		{"no lines", store.CreditedInvoice{}, func(r *activities.CreditNoteRequest) { r.Lines = nil }, "at least one line"},
		{"cancelled", store.CreditedInvoice{ID: 4, Status: "cancelled"}, nil, "it is cancelled"},
		{"not stamped", store.CreditedInvoice{ID: 4, Status: "completed", FiscalStatus: "sealed"}, nil, "not stamped yet"},
		{"no credit series", store.CreditedInvoice{ID: 4, Status: "completed", FiscalStatus: "pdf", Series: "A"}, nil, "no credit note series"},
	} {
		r := req
		if c.req != nil {
			c.req(&r)
		}
		_, err := (&activities.Crediting{Store: inTx[activities.CreditingTx]{creditTx{credited: c.inv}}}).IssueCreditNote(context.Background(), r)
		if got := businessReason(t, err); !strings.Contains(got, c.want) || !strings.Contains(got, "invoice 4") {
			t.Errorf("%s: reason %q, want %q", c.name, got, c.want)
		}
	}
}

// --- Cancelling ---

type cancelTx struct {
	activities.CancellingTx
	head      store.CancelHead
	requested int
}

func (f *cancelTx) LockForCancel(int64) (store.CancelHead, error) { return f.head, nil }
func (f *cancelTx) RequestCancellation(int64, string, string, string, string) error {
	f.requested++
	return nil
}
func (f *cancelTx) Audit(string, int64, string, int, string, string) error { return nil }

func TestCancellingOnAFake(t *testing.T) {
	stamped := store.CancelHead{ID: 9, Status: "completed", FiscalStatus: "pdf", UUID: "U", Country: "MX", Customer: "C"}
	ask := activities.CancelRequest{InvoiceID: 9, Motive: "02"}
	run := func(h store.CancelHead, req activities.CancelRequest) (*cancelTx, error) {
		tx := &cancelTx{head: h}
		return tx, (&activities.Cancelling{Store: inTx[activities.CancellingTx]{tx}}).RequestCancellation(context.Background(), req)
	}

	tx, err := run(stamped, ask)
	if err != nil || tx.requested != 1 {
		t.Fatalf("a stamped invoice: %v, requested %d", err, tx.requested)
	}

	paid := stamped
	paid.PaidOn = []string{"100.00 on 2026-12-01"}
	if _, err := run(paid, ask); !strings.Contains(businessReason(t, err), "payments are applied") {
		t.Fatalf("a paid invoice: %v", err)
	}

	// The same request again while it stands is answered, not recorded twice.
	pending := stamped
	pending.Cancel = &store.Cancellation{Status: "pending", Motive: "02"}
	if tx, err := run(pending, ask); err != nil || tx.requested != 0 {
		t.Fatalf("asked again: %v, requested %d", err, tx.requested)
	}

	if _, err := run(stamped, activities.CancelRequest{InvoiceID: 9, Motive: "07"}); !strings.Contains(businessReason(t, err), `motive "07"`) {
		t.Fatalf("unknown motive: %v", err)
	}
}
