package main

import (
	"fmt"
	"strings"
	"testing"

	"billrun/internal/model"
)

// Issue 27, seed 003: the operator excludes elements of a draft batch's preview before
// approving it (batch exclude, or approve --exclude): those drafts are voided and listed,
// their sources stay billable (a later batch bills them), the rest complete; a draft of
// another batch, or a batch no longer awaiting approval, is refused and nothing written.
func TestExcludeDraftsBeforeApproval(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	id := h.batchID("EXCL")
	h.mustRun("batch", "create", "--id", id, "--orders", "1002-1005", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--draft", "--wait")
	var drafts []int64
	for _, x := range strings.Fields(h.str(`select string_agg(id::text, ' ' order by group_no) from invoices where batch_id = $1`, id)) {
		var n int64
		fmt.Sscan(x, &n)
		drafts = append(drafts, n)
	}
	if len(drafts) < 3 {
		t.Fatalf("drafts %v", drafts)
	}
	if msg := h.mustFail("batch", "exclude", id, fmt.Sprintf("%d,999999", drafts[0])); !strings.Contains(msg, "invoice 999999 is not a draft of batch") {
		t.Errorf("excluding an invoice of no batch: %s", msg)
	}
	if n := h.int(`select count(*) from invoices where batch_id = $1 and status = 'voided'`, id); n != 0 {
		t.Fatalf("a refused exclusion voided %d drafts", n)
	}
	h.mustRun("batch", "exclude", id, fmt.Sprint(drafts[0]))
	h.mustRun("batch", "exclude", id, fmt.Sprint(drafts[0])) // again: a no-op
	h.mustRun("batch", "approve", id, "--exclude", fmt.Sprint(drafts[1]), "--wait")
	var sum model.Summary
	h.runJSON(&sum, "batch", "status", id)
	if sum.Status != "finished" || sum.Completed != len(drafts)-2 {
		t.Fatalf("after approval: %+v", sum)
	}
	var rep model.Report
	h.runJSON(&rep, "batch", "report", id)
	if len(rep.Excluded) != 2 {
		t.Errorf("report lists %d excluded drafts, want 2", len(rep.Excluded))
	}
	if msg := h.mustFail("batch", "exclude", id, fmt.Sprint(drafts[2])); !strings.Contains(msg, "drafts are excluded only while it awaits approval") {
		t.Errorf("excluding after approval: %s", msg)
	}
	// The excluded drafts' orders are billable again.
	orders := h.str(`select string_agg(distinct split_part(l.source_ref, ' ', 2), ',') from invoice_lines l where l.invoice_id = any($1)`, drafts[:2])
	var again model.Summary
	h.runJSON(&again, "batch", "create", "--orders", "1002-1005", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--wait")
	if again.Invoices != 2 { // each excluded order is an invoice again (KEMPER's then fails for stock, as in the demo)
		t.Errorf("a later batch over 1002-1005 made %d invoices; the two excluded (orders %s) are billable again: %+v", again.Invoices, orders, again)
	}
	h.checkBooks()
}
