package activities_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/temporal"

	"billrun/activities"
	"billrun/internal/batching"
	"billrun/internal/model"
)

func manyOrders(n int) string {
	var orders []string
	for i := 1001; i < 1001+n; i++ {
		orders = append(orders, fmt.Sprintf(`{"number": %d, "customer": "C1", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01",
			"lines": [{"item": "P", "ordered": 1}, {"item": "P", "ordered": 2}]}`, i))
	}
	return strings.Replace(data, `"orders": [`, `"orders": [`+strings.Join(orders, ",")+`,`, 1)
}

// Issue 9.5: planning commits chunk by chunk; a plan that dies half-way goes on from what
// it committed and claims every source line exactly once.
func TestPlanningInChunksGoesOnAfterACrash(t *testing.T) {
	a := newActs(t, manyOrders(25))
	ctx := context.Background()
	id, err := batching.Create(ctx, a.Store, "", model.BatchParams{SourceKind: "orders", OrdersFrom: 1001, OrdersTo: 1025,
		Series: "A", InvoiceDate: "2026-11-23", Rate: decimal.NewFromInt(1), Grouping: "none"})
	if err != nil {
		t.Fatal(err)
	}
	crash := errors.New("worker killed")
	activities.WithPlanChunk(10, func(n int) error {
		if n == 2 {
			return crash
		}
		return nil
	})(a.Activities)
	if _, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id}); !errors.Is(err, crash) {
		t.Fatalf("plan: %v, want the crash", err)
	}
	if got := row(t, a, `select status || ' ' || plan_cursor || ' ' || (select count(*) from batch_lines where batch_id = $1 and outcome = 'selected')
		from batches where id = $1`, id); got != "planning 1020 40" {
		t.Fatalf("after two chunks (status, cursor, lines selected): %s", got)
	}
	activities.WithPlanChunk(10, nil)(a.Activities)
	res, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id})
	if err != nil || res.Invoices != 25 || res.LinesSelected != 50 {
		t.Fatalf("plan resumed: %+v %v", res, err)
	}
	if got := row(t, a, `select min(group_no)::text || '-' || max(group_no)::text || ' ' || count(distinct group_no)::text from invoices where batch_id = $1`, id); got != "1-25 25" {
		t.Fatalf("group numbers: %s", got)
	}
	if got := row(t, a, `select sum(qty_in_billing)::text || ' ' || sum(qty_to_invoice)::text from sales_order_lines l
		join sales_orders o on o.id = l.order_id where o.number > 1000`); got != "75.0000 0.0000" {
		t.Fatalf("claimed/left: %s, want every line claimed once", got)
	}
	if again, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id}); err != nil || again != res {
		t.Fatalf("a third run: %+v %v", again, err)
	}
}

// Issue 9.2, 9.7: preparing a retry twice (a lost answer) turns the invoice once, and the
// invoice stays open for the batch's sweep; it is dated no earlier than the series' last date.
func TestRetryPreparedTwiceTurnsOnceAndRedates(t *testing.T) {
	a, ctx := setup(t)
	id, err := batching.Create(ctx, a.Store, "", model.BatchParams{SourceKind: "orders", OrdersFrom: 2, OrdersTo: 2,
		Series: "A", InvoiceDate: "2026-11-20", Rate: decimal.NewFromInt(1), Grouping: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id}); err != nil {
		t.Fatal(err)
	}
	open, _ := a.Planning.ListOpenInvoices(ctx, activities.OpenPage{BatchID: id, AfterGroup: 0, Limit: 10})
	refs := open.Invoices
	inv := refs[0].ID
	if _, err := a.Invoicing.PriceInvoice(ctx, activities.InvoiceStep{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	if err := a.Invoicing.FailInvoice(ctx, activities.InvoiceFailure{InvoiceID: inv, Attempt: 1, Step: model.StepStock, Reason: "not enough stock"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Exec(ctx, `update series set last_date = '2026-11-25'`); err != nil { // a later invoice was numbered
		t.Fatal(err)
	}
	for i, want := range []int{1, 0} {
		n, err := a.Planning.PrepareRetries(ctx, activities.Retries{BatchID: id, InvoiceIDs: nil, Date: "2026-11-21"})
		if err != nil || n.Count != want {
			t.Fatalf("prepare %d: %d %v, want %d", i, n, err, want)
		}
	}
	if got := row(t, a, `select status || ' ' || attempt || ' ' || invoice_date::text from invoices where id = $1`, inv); got != "draft 2 2026-11-25" {
		t.Fatalf("retried invoice: %s", got)
	}
	if open, _ := a.Planning.ListOpenInvoices(ctx, activities.OpenPage{BatchID: id, AfterGroup: 0, Limit: 10}); len(open.Invoices) != 1 || open.Invoices[0].ID != inv {
		t.Fatalf("open after the retry: %v", open)
	}
}

// Issue 9.10: a re-run appends no audit row and never re-prices an attempt with effects;
// a state a step did not expect is not retried.
func TestReRunsAddNoAuditAndNeverReprice(t *testing.T) {
	a, ctx := setup(t)
	id, err := batching.Create(ctx, a.Store, "", model.BatchParams{SourceKind: "orders", OrdersFrom: 1, OrdersTo: 1,
		Series: "A", InvoiceDate: "2026-11-23", Rate: decimal.NewFromInt(1), Grouping: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id}); err != nil {
		t.Fatal(err)
	}
	open, _ := a.Planning.ListOpenInvoices(ctx, activities.OpenPage{BatchID: id, AfterGroup: 0, Limit: 10})
	refs := open.Invoices
	inv := refs[0].ID
	if _, err := a.Invoicing.PriceInvoice(ctx, activities.InvoiceStep{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	if err := a.Invoicing.DischargeStock(ctx, activities.InvoiceStep{InvoiceID: inv, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	// The tax setup changes after the attempt moved stock; a re-run (a reset) keeps the price.
	if _, err := a.DB.Exec(ctx, `update items set vat_rate = 8`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if pr, err := a.Invoicing.PriceInvoice(ctx, activities.InvoiceStep{InvoiceID: inv}); err != nil || pr.Total != "34.8" {
			t.Fatalf("re-price %d: %+v %v", i, pr, err)
		}
		if err := a.Invoicing.DischargeStock(ctx, activities.InvoiceStep{InvoiceID: inv, Attempt: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if got := row(t, a, `select count(*)::text from audit_events where invoice_id = $1`, inv); got != "2" {
		t.Fatalf("%s audit rows after re-runs, want 2 (pricing, stock discharge)", got)
	}
	err = a.Invoicing.FailInvoice(ctx, activities.InvoiceFailure{InvoiceID: inv, Attempt: 1, Step: model.StepReceivable, Reason: "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Invoicing.CompleteInvoice(ctx, activities.InvoiceStep{InvoiceID: inv, Attempt: 1})
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != activities.InvariantErrorType || !app.NonRetryable() {
		t.Fatalf("completing a failed invoice: %v, want a non-retryable invariant error", err)
	}
}

func TestDataTheDatabaseRefusesIsABusinessError(t *testing.T) {
	for code, business := range map[string]bool{"22003": true, "23514": true, "23503": true, "23505": false, "40001": false, "57P01": false} {
		be := activities.BusinessOf("planning", fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code, Message: "m"}))
		if (be != nil) != business {
			t.Errorf("SQLSTATE %s: business %v, want %v", code, be != nil, business)
		}
		if be != nil && (be.Step != "planning" || !strings.Contains(be.Reason, code)) {
			t.Errorf("SQLSTATE %s: %+v", code, be)
		}
	}
}
