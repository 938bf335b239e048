package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"billrun/internal/model"
	"billrun/workflows"
)

// 23.5: a draft batch rejected voids its drafts and frees their sources (a later batch bills
// them, numbered from 1) and ends its workflow; a failed invoice abandoned frees its
// sources and never takes a number. Both keep their audit trail; both are no-ops again.
func TestRejectADraftBatchAndAbandonAFailedInvoice(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(ordersDataset(4, 6)) // stock of P for 3 orders of 2
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	ctx := context.Background()

	draft := h.batchID("REJECT")
	h.mustRun("batch", "create", "--id", draft, "--orders", "1-4", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--draft")
	h.waitFor("the draft", time.Minute, func() bool { return h.str(`select status from batches where id = $1`, draft) == "awaiting_approval" })
	if msg := h.mustFail("batch", "reject", draft); !strings.Contains(msg, "--reason") {
		t.Errorf("a rejection without a reason: %s", msg)
	}
	h.mustRun("batch", "reject", draft, "--reason", "prices not agreed")
	if err := tc.GetWorkflow(ctx, workflows.BatchWorkflowID(h.inst, draft), "").Get(ctx, nil); err != nil {
		t.Fatalf("the rejected batch's workflow: %v", err)
	}
	if got := h.str(`select b.status || ' ' || string_agg(distinct v.status, ',') || ' ' || coalesce(max(v.number), 0) from batches b join invoices v on v.batch_id = b.id
		where b.id = $1 group by b.status`, draft); got != "rejected voided 0" {
		t.Fatalf("rejected batch, its invoices, their highest number: %s", got)
	}
	if got := h.str(`select sum(qty_to_invoice)::text || ' ' || sum(qty_in_billing)::text from sales_order_lines`); got != "12.0000 0.0000" {
		t.Fatalf("order lines to invoice / in billing after the rejection: %s, want all billable again", got)
	}
	if out := h.mustRun("batch", "reject", draft, "--reason", "again"); !strings.Contains(out, "rejected already") {
		t.Errorf("rejecting again: %s", out)
	}
	if msg := h.mustFail("batch", "approve", draft); !strings.Contains(msg, "rejected") {
		t.Errorf("approving a rejected batch: %s", msg)
	}

	// The same orders in a real batch: one fails for stock, and is abandoned.
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1-4", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--wait")
	if sum.Completed != 3 || sum.Failed != 1 {
		t.Fatalf("the second batch: %+v", sum)
	}
	failed := h.int(`select id from invoices where batch_id = $1 and status = 'failed'`, sum.BatchID)
	if msg := h.mustFail("invoice", "abandon", fmt.Sprint(h.int(`select min(id) from invoices where batch_id = $1 and status = 'completed'`, sum.BatchID)),
		"--reason", "x"); !strings.Contains(msg, "only a failed invoice") {
		t.Errorf("abandoning a completed invoice: %s", msg)
	}
	h.mustRun("invoice", "abandon", fmt.Sprint(failed), "--reason", "the customer withdrew the order")
	if got := h.str(`select status || ' ' || coalesce(number::text, 'no number') from invoices where id = $1`, failed); got != "abandoned no number" {
		t.Fatalf("abandoned invoice: %s", got)
	}
	if n := h.int(`select count(*) from audit_events where invoice_id = $1 and outcome = 'abandoned'`, failed); n != 1 {
		t.Errorf("%d audit rows for the abandon", n)
	}
	if msg := h.mustFail("invoice", "retry", fmt.Sprint(failed)); !strings.Contains(msg, "only failed invoices") {
		t.Errorf("retrying an abandoned invoice: %s", msg)
	}
	// Its order is billable again: with stock, a third batch bills it.
	h.importJSON(`{"stock": [{"warehouse": "W", "item": "P", "on_hand": 10, "count": true}]}`)
	h.runJSON(&sum, "batch", "create", "--orders", "1-4", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--wait")
	if sum.Completed != 1 || sum.Failed != 0 {
		t.Fatalf("the abandoned invoice's order in a third batch: %+v", sum)
	}
	h.checkBooks()
}
