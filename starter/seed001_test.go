package main

import (
	"strings"
	"testing"

	"billrun/internal/model"
)

// Issue 27, seed 001: --numbering-series numbers every document of the batch in one series
// (the order series still selects), shown in the batch's details; a series that numbers
// credit notes or CFE, or an unknown one, is refused naming the flag.
func TestNumberingSeriesOverridesTheDocumentKindRule(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"series": [{"code": "A2", "issuer": "EKU", "document_kind": "invoice", "closing_date": "2026-10-31",
		"credit_note_series": "NC", "payment_receipt_series": "P"}]}`)
	for flag, why := range map[string]string{"NC": "numbers credit_note documents", "EF": "numbers CFE", "GHOST": "unknown series"} {
		msg := h.mustFail("batch", "create", "--orders", "1001-1009", "--series", "A", "--date", "2026-11-23", "--numbering-series", flag)
		if !strings.Contains(msg, "--numbering-series:") || !strings.Contains(msg, why) {
			t.Errorf("--numbering-series %s: %s", flag, msg)
		}
	}
	var sum model.Summary
	// 1002 (TANGO, a tax registration: series A by the rule) and 1009 (JUAN, a national id: a T ticket by the rule).
	h.runJSON(&sum, "batch", "create", "--orders", "1002-1009", "--customers", "TANGO,JUAN", "--series", "A", "--date", "2026-11-23",
		"--numbering-series", "A2", "--grouping", "none", "--wait")
	if sum.Completed == 0 || !strings.Contains(sum.Selection, "numbered in series A2") {
		t.Fatalf("batch: %+v", sum)
	}
	if got := h.str(`select string_agg(distinct series || ' ' || document_kind, ', ') from invoices where batch_id = $1`, sum.BatchID); got != "A2 invoice" {
		t.Errorf("documents numbered in %s, want A2 invoice only", got)
	}
	if got := h.str(`select string_agg(distinct customer, ',' order by customer) from invoices where batch_id = $1`, sum.BatchID); got != "JUAN,TANGO" {
		t.Errorf("customers billed: %s", got)
	}
}
