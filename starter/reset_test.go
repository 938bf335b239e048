package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.uber.org/zap"

	"billrun/internal/model"
	"billrun/workflows"
)

// An operator resets invoice workflows from the Web UI (to their first workflow task, the
// UI's "reset to first"): a completed invoice runs every step again and changes nothing —
// same number, one sale movement per line, one receivable, no new audit rows, the series
// not advanced — and a failed invoice ends with its recorded reason, undone once.
func TestWebUIResetIsHarmless(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1001-1099", "--series", "A", "--date", "2026-11-23", "--wait")
	completed := int64(h.int(`select min(id) from invoices where batch_id = $1 and status = 'completed'`, sum.BatchID))
	failed := int64(h.int(`select id from invoices where batch_id = $1 and status = 'failed'`, sum.BatchID))
	state := func() string {
		return h.str(`select (select string_agg(status || ':' || coalesce(number::text, '-') || ':' || error_step || ':' || error_reason, '|' order by id) from invoices)
			|| ' movements ' || (select count(*) from stock_movements) || ' receivables ' || (select count(*) from receivables)
			|| ' audit ' || (select count(*) from audit_events) || ' next ' || (select next_number from series where code = 'A')
			|| ' stock ' || (select string_agg(item || '=' || on_hand::text, ',' order by item) from stock)`)
	}
	before := state()

	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	ctx := context.Background()
	for _, id := range []int64{completed, failed} {
		wid := workflows.InvoiceWorkflowID(h.inst, id)
		first := int64(0)
		it := tc.GetWorkflowHistory(ctx, wid, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() && first == 0 {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
				first = ev.GetEventId()
			}
		}
		resp, err := tc.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
			Namespace: h.cfg.TemporalNamespace, WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: wid},
			Reason: "operator reset (test)", WorkflowTaskFinishEventId: first, RequestId: fmt.Sprintf("reset-%d-%d", id, time.Now().UnixNano()),
		})
		if err != nil {
			t.Fatalf("reset %s: %v", wid, err)
		}
		err = tc.GetWorkflow(ctx, wid, resp.GetRunId()).Get(ctx, nil)
		// The new run ran the steps again (local activities leave markers): the books
		// staying as they were is the steps' idempotency, not steps skipped.
		markers := 0
		for it := tc.GetWorkflowHistory(ctx, wid, resp.GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT); it.HasNext(); {
			ev, herr := it.Next()
			if herr != nil {
				t.Fatal(herr)
			}
			if ev.GetEventType() == enumspb.EVENT_TYPE_MARKER_RECORDED {
				markers++
			}
		}
		// A completed invoice is priced (found done), completed and sealed again; a failed
		// one's pricing finds its recorded failure. (No version marker: a current invoice
		// asks none.)
		want := 3
		if id == failed {
			want = 1
		}
		if markers < want {
			t.Errorf("the reset run of %s ran %d steps again, want %d", wid, markers, want)
		}
		if id == completed && err != nil {
			t.Fatalf("the reset completed invoice's new run: %v", err)
		}
		if id == failed && (err == nil || !strings.Contains(err.Error(), "not enough stock of item TEQ")) {
			t.Fatalf("the reset failed invoice's new run: %v, want its recorded reason", err)
		}
	}
	if after := state(); after != before {
		t.Errorf("a reset changed the books:\nbefore %s\nafter  %s", before, after)
	}
	h.checkBooks()
}
