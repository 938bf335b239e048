package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"billrun/workflows"
)

// Figures are one run's measurements.
type Figures struct {
	Invoices         int     `json:"invoices"`
	WallSeconds      float64 `json:"wall_s"`
	InvoicesPerSec   float64 `json:"invoices_per_s"`
	P50              float64 `json:"p50_s"`
	P95              float64 `json:"p95_s"`
	P99              float64 `json:"p99_s"`
	MaxHistoryEvents int64   `json:"max_history_events,omitempty"`
	BatchRuns        int     `json:"batch_runs,omitempty"`
	// Costs per invoice, to see how they grow with the batch: history events and bytes
	// of every workflow of the batch, and database statements (pg_stat_statements).
	EventsPerInvoice     float64 `json:"events_per_invoice,omitempty"`
	HistoryBytesPerInv   float64 `json:"history_bytes_per_invoice,omitempty"`
	StatementsPerInvoice float64 `json:"statements_per_invoice,omitempty"`
	PlanSeconds          float64 `json:"plan_s,omitempty"`
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func figures(n int, wall time.Duration, per []float64) Figures {
	return Figures{Invoices: n, WallSeconds: round3(wall.Seconds()), InvoicesPerSec: round3(float64(n) / wall.Seconds()),
		P50: round3(percentile(per, 0.50)), P95: round3(percentile(per, 0.95)), P99: round3(percentile(per, 0.99))}
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// history is what visibility tells of a batch's workflows.
type history struct {
	per          []float64 // every invoice workflow's duration, start to close
	maxEvents    int64
	events, size int64 // summed over every workflow of the batch
	batchRuns    int
}

// visibility reads, for a batch, every invoice workflow's duration, and the history
// lengths and sizes of all its workflows (invoices, the batch's runs, its publication).
func visibility(ctx context.Context, wc workflows.Client, ns, batchID string, want int) (history, error) {
	tc := wc.Temporal
	var hs history
	deadline := time.Now().Add(2 * time.Minute)
	for {
		hs = history{}
		var token []byte
		for {
			resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, PageSize: 1000, NextPageToken: token,
				Query: fmt.Sprintf("BillrunBatchId = '%s' AND ExecutionStatus != 'Running'", batchID)})
			if err != nil {
				return hs, err
			}
			for _, e := range resp.Executions {
				if e.GetType().GetName() == "InvoiceWorkflow" {
					hs.per = append(hs.per, e.GetCloseTime().AsTime().Sub(e.GetStartTime().AsTime()).Seconds())
				}
				if e.GetExecution().GetWorkflowId() == workflows.BatchWorkflowID(wc.Installation, batchID) {
					hs.batchRuns++
				}
				hs.maxEvents = max(hs.maxEvents, e.GetHistoryLength())
				hs.events += e.GetHistoryLength()
				hs.size += e.GetHistorySizeBytes()
			}
			if token = resp.NextPageToken; len(token) == 0 {
				break
			}
		}
		if len(hs.per) >= want || time.Now().After(deadline) {
			return hs, nil
		}
		time.Sleep(time.Second) // visibility trails the workflows a little
	}
}

// planTime is how long the batch's planning activity took, from its first run's history.
func planTime(ctx context.Context, wc workflows.Client, batchID string) float64 {
	id := workflows.BatchWorkflowID(wc.Installation, batchID)
	// The latest run's start names the first run of the chain: planning happens there.
	first := ""
	if it := wc.Temporal.GetWorkflowHistory(ctx, id, "", false, 0); it.HasNext() {
		if ev, err := it.Next(); err == nil {
			first = ev.GetWorkflowExecutionStartedEventAttributes().GetFirstExecutionRunId()
		}
	}
	it := wc.Temporal.GetWorkflowHistory(ctx, id, first, false, 0)
	var scheduled int64
	var at time.Time
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return 0
		}
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == "PlanBatch" {
			scheduled, at = ev.GetEventId(), ev.GetEventTime().AsTime()
		}
		if c := ev.GetActivityTaskCompletedEventAttributes(); c != nil && c.GetScheduledEventId() == scheduled && scheduled != 0 {
			return round3(ev.GetEventTime().AsTime().Sub(at).Seconds())
		}
	}
	return 0
}

// peakRSS reads a process's peak resident memory (VmHWM) in MB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return round3(kb / 1024)
		}
	}
	return 0
}
