package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"billrun/workflows"
)

// TestRecordUruguayHistories records, for the replay tests, histories of Uruguay's own
// workflows: a day's report sent by hand (DailyReportWorkflow), a daily-report Schedule's
// run that reports a day and revisits the days before (ScheduledDailyReportWorkflow), and
// contingency documents sent to DGI (ContingencyWorkflow). It runs only when
// BILLRUN_RECORD_HISTORIES names the folder to write to (make record-histories).
func TestRecordUruguayHistories(t *testing.T) {
	dir, h, tc := recorder(t)
	ns := h.cfg.TemporalNamespace
	ofType := func(workflowType string) string {
		return fmt.Sprintf("WorkflowType = '%s' AND WorkflowId STARTS_WITH 'billrun-%s-'", workflowType, h.inst)
	}
	h.importJSON(uyReportData(t))
	h.importJSON(contingencySetup)

	one := contingencyRecord("CT", 201, 1, "90120000201", "LUIS", `{"item": "SOP", "quantity": 1, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 100, "vat": 22}`, "")
	h.mustRun("invoice", "contingency", "import", writeTemp(t, `{"contingency_documents": [`+one+`]}`), "--wait")
	saveHistories(t, tc, ns, dir, "contingency", ofType("ContingencyWorkflow"))

	h.mustRun("report", "daily", "--date", contingencyDay, "--issuer", "UYR", "--send", "--wait")
	saveHistories(t, tc, ns, dir, "daily-report", fmt.Sprintf("WorkflowId = '%s'", workflows.DailyReportWorkflowID(h.inst, "UYR", contingencyDay)))

	// A day DGI rejected: the scheduled run's revisit sends it again, by a workflow of its own.
	const rejectedDay = "2026-11-20"
	dgiControl(t, "219999830019-report-"+rejectedDay, "R06")
	_, _ = h.run("report", "daily", "--date", rejectedDay, "--issuer", "UYR", "--send", "--wait")
	dgiControl(t, "219999830019-report-"+rejectedDay, "")

	// The run of 27 November reports the 26th and revisits the days before: the 20th again.
	h.mustRun("schedule", "create", "rec-uy", "--daily-report", "--issuer", "UYR")
	defer h.run("schedule", "delete", "rec-uy")
	h.mustRun("schedule", "backfill", "rec-uy", "2026-11-27T04:59:00Z", "2026-11-27T05:01:00Z")
	h.waitFor("the scheduled run's report", 2*time.Minute, func() bool {
		return h.int(`select count(*) from daily_reports where issuer = 'UYR' and day = '2026-11-26' and state = 'received'`) == 1 &&
			h.int(`select count(*) from daily_reports where issuer = 'UYR' and day = $1 and state = 'received'`, rejectedDay) == 1
	})
	h.waitFor("the scheduled run ended", time.Minute, func() bool {
		resp, err := tc.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{Namespace: ns,
			Query: ofType("ScheduledDailyReportWorkflow") + " AND ExecutionStatus = 'Completed'"})
		return err == nil && resp.GetCount() == 1
	})
	saveHistories(t, tc, ns, dir, "scheduled-daily-report", ofType("ScheduledDailyReportWorkflow"))
}
