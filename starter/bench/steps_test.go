package bench

import "testing"

func TestStepsFromWorkerMetrics(t *testing.T) {
	m := map[string]float64{}
	for _, line := range []string{
		`# HELP billrun_sql_statements_total SQL statements`,
		`billrun_sql_statements_total{activity="PriceInvoice"} 30`,
		`billrun_sql_statements_total{activity="SealInvoice"} 12`,
		`billrun_sql_seconds_sum{activity="PriceInvoice"} 0.3`,
		`temporal_local_activity_execution_latency_seconds_sum{activity_type="PriceInvoice",namespace="default"} 0.6`,
		`temporal_activity_execution_latency_seconds_sum{activity_type="SealInvoice",task_queue="q"} 1.2`,
		`temporal_activity_execution_latency_seconds_bucket{activity_type="SealInvoice",le="0.1"} 3`,
	} {
		addSample(m, line)
	}
	got := steps(m, 3)
	want := []Step{{Activity: "SealInvoice", MsPerInvoice: 400, StatementsPerInvoice: 4}, {Activity: "PriceInvoice", MsPerInvoice: 200, StatementsPerInvoice: 10, SQLMsPerInvoice: 100}}
	if len(got) != len(want) {
		t.Fatalf("steps %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
