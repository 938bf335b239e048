package activities_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"billrun/activities"
	"billrun/internal/batching"
	"billrun/internal/model"
)

const data = `{
  "currencies": [{"code": "MXN", "decimals": 2}],
  "issuers": [{"code": "I", "rfc": "EKU9003173C9", "name": "ESCUELA KEMPER URGATE", "fiscal_regime": "601", "postal_code": "42501", "currency": "MXN"}],
  "payment_terms": [{"code": "NET30", "kind": "credit", "days": 30}],
  "customers": [{"code": "C1", "name": "Uno", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration", "payment_terms": "NET30"}],
  "items": [{"code": "P", "description": "Producto", "unit_price": 10, "vat_rate": 16}],
  "warehouses": [{"code": "W", "name": "W"}],
  "stock": [{"warehouse": "W", "item": "P", "on_hand": 10, "committed": 4}],
  "series": [{"code": "A", "issuer": "I", "document_kind": "invoice"}],
  "orders": [
    {"number": 1, "customer": "C1", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01",
     "lines": [{"item": "P", "ordered": 3, "stock_committed": true}]},
    {"number": 2, "customer": "C1", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01",
     "lines": [{"item": "P", "ordered": 50}]}
  ]
}`

func setup(t *testing.T) (*acts, context.Context) {
	return newActs(t, data), context.Background()
}

// Every activity run twice (a Temporal retry after a lost answer) has the effect of one run.
func TestEveryActivityIsSafeToRunTwice(t *testing.T) {
	a, ctx := setup(t)
	id, err := batching.Create(ctx, a.Store, "", model.BatchParams{SourceKind: "orders", OrdersFrom: 1, OrdersTo: 2,
		Series: "A", InvoiceDate: "2026-11-23", Rate: decimal.NewFromInt(1), Grouping: "none"})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id})
	if err != nil || p1 != p2 || p1.Invoices != 2 {
		t.Fatalf("plan twice: %+v then %+v (%v)", p1, p2, err)
	}
	if got := row(t, a, `select count(*)::text || '/' || (select count(*) from batch_lines)::text from invoices`); got != "2/2" {
		t.Fatalf("invoices/batch lines after two plans: %s", got)
	}
	open, err := a.Planning.ListOpenInvoices(ctx, activities.OpenPage{BatchID: id, AfterGroup: 0, Limit: 10})
	refs := open.Invoices
	if err != nil || len(refs) != 2 {
		t.Fatalf("open invoices %v %v", refs, err)
	}
	ok, bad := refs[0].ID, refs[1].ID // order 1 fits the stock; order 2 does not

	for i := 0; i < 2; i++ {
		pr, err := a.Invoicing.PriceInvoice(ctx, activities.InvoiceStep{InvoiceID: ok})
		if err != nil || pr.Total != "34.8" || pr.Attempt != 1 {
			t.Fatalf("price run %d: %+v %v", i, pr, err)
		}
	}
	for i := 0; i < 2; i++ {
		if err := a.Invoicing.DischargeStock(ctx, activities.InvoiceStep{InvoiceID: ok, Attempt: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if got := row(t, a, `select on_hand::text || ' ' || committed::text || ' ' || (select count(*) from stock_movements)::text from stock`); got != "7.0000 1.0000 1" {
		t.Fatalf("stock after two discharges (on hand, committed, movements): %s", got)
	}
	for i := 0; i < 2; i++ {
		if err := a.Invoicing.PostReceivable(ctx, activities.InvoiceStep{InvoiceID: ok, Attempt: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if got := row(t, a, `select count(*)::text || ' ' || min(amount)::text || ' ' || min(due_date)::text from receivables`); got != "1 34.8000 2026-12-23" {
		t.Fatalf("receivables after two posts: %s", got)
	}
	for i := 0; i < 2; i++ {
		c, err := a.Invoicing.CompleteInvoice(ctx, activities.InvoiceStep{InvoiceID: ok, Attempt: 1})
		if err != nil || c.Number != 1 {
			t.Fatalf("complete run %d: %+v %v", i, c, err)
		}
	}
	if got := row(t, a, `select next_number::text from series`); got != "2" {
		t.Fatalf("next number after two completions: %s", got)
	}
	// Undo never touches a completed invoice.
	if err := a.Invoicing.FailInvoice(ctx, activities.InvoiceFailure{InvoiceID: ok, Attempt: 1, Step: "x", Reason: "y"}); err != nil {
		t.Fatal(err)
	}
	if got := row(t, a, `select status from invoices where id = $1`, ok); got != "completed" {
		t.Fatalf("completed invoice became %s", got)
	}

	// The second invoice fails at stock: nothing of it stays, and undo twice is undo once.
	if _, err := a.Invoicing.PriceInvoice(ctx, activities.InvoiceStep{InvoiceID: bad}); err != nil {
		t.Fatal(err)
	}
	err = a.Invoicing.DischargeStock(ctx, activities.InvoiceStep{InvoiceID: bad, Attempt: 1})
	if err == nil || !strings.Contains(err.Error(), "not enough stock of item P") {
		t.Fatalf("over-stock discharge: %v", err)
	}
	for i := 0; i < 2; i++ {
		if err := a.Invoicing.FailInvoice(ctx, activities.InvoiceFailure{InvoiceID: bad, Attempt: 1, Step: model.StepStock, Reason: "not enough stock"}); err != nil {
			t.Fatal(err)
		}
	}
	if got := row(t, a, `select status || ' ' || error_step || ' ' || (select count(*) from stock_movements)::text || ' ' || (select on_hand from stock)::text from invoices where id = $1`, bad); got != "failed stock discharge 1 7.0000" {
		t.Fatalf("failed invoice: %s", got)
	}
	// A retry turns it back into a draft with a new attempt, once.
	r1, err := a.Planning.PrepareRetry(ctx, activities.Retries{BatchID: id, InvoiceIDs: nil})
	if err != nil || len(r1.Invoices) != 1 || r1.Invoices[0].ID != bad {
		t.Fatalf("prepare retry: %v %v", r1, err)
	}
	r2, err := a.Planning.PrepareRetry(ctx, activities.Retries{BatchID: id, InvoiceIDs: nil})
	if err != nil || len(r2.Invoices) != 0 {
		t.Fatalf("second prepare retry turned %v", r2)
	}
	if got := row(t, a, `select attempt::text from invoices where id = $1`, bad); got != "2" {
		t.Fatalf("attempt %s, want 2", got)
	}
}

// The batch's policy switches (SPEC §2): zero-price lines and negative stock.
func TestBatchPolicySwitches(t *testing.T) {
	a, ctx := setup(t)
	if _, err := a.DB.Exec(ctx, `update sales_order_lines set unit_price = 0 where order_id = (select id from sales_orders where number = 1)`); err != nil {
		t.Fatal(err)
	}
	plan := func(p model.BatchParams) model.PlanOutcome {
		t.Helper()
		p.SourceKind, p.OrdersFrom, p.OrdersTo, p.Series, p.InvoiceDate, p.Rate, p.Grouping = "orders", 1, 2, "A", "2026-11-23", decimal.NewFromInt(1), "none"
		out, err := batching.DryRun(ctx, a.Store, p)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := plan(model.BatchParams{}); len(out.Invoices) != 1 || len(out.Skipped) != 1 || !strings.HasPrefix(out.Skipped[0].Reason, "zero price") {
		t.Fatalf("without the switch the zero-priced order is reported: %+v", out)
	}
	if out := plan(model.BatchParams{AllowZeroPrice: true}); len(out.Invoices) != 2 || len(out.Skipped) != 0 {
		t.Fatalf("with the switch it is billed: %+v", out)
	}

	// Order 2 wants 50 of P with 10 on hand: refused, unless the batch allows negative stock.
	id, err := batching.Create(ctx, a.Store, "", model.BatchParams{SourceKind: "orders", OrdersFrom: 2, OrdersTo: 2,
		Series: "A", InvoiceDate: "2026-11-23", Rate: decimal.NewFromInt(1), Grouping: "none", AllowNegativeStock: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id}); err != nil {
		t.Fatal(err)
	}
	open, _ := a.Planning.ListOpenInvoices(ctx, activities.OpenPage{BatchID: id, AfterGroup: 0, Limit: 10})
	refs := open.Invoices
	if _, err := a.Invoicing.PriceInvoice(ctx, activities.InvoiceStep{InvoiceID: refs[0].ID}); err != nil {
		t.Fatal(err)
	}
	if err := a.Invoicing.DischargeStock(ctx, activities.InvoiceStep{InvoiceID: refs[0].ID, Attempt: 1}); err != nil {
		t.Fatalf("negative stock allowed, yet: %v", err)
	}
	if got := row(t, a, `select on_hand::text from stock`); got != "-40.0000" {
		t.Fatalf("stock %s, want -40", got)
	}
}
