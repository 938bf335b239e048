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

// visibility reads, for a batch, every invoice workflow's duration and the largest history
// of any of its workflows (the batch's runs and the children).
func visibility(ctx context.Context, wc workflows.Client, ns, batchID string, want int) ([]float64, int64, int, error) {
	tc := wc.Temporal
	var per []float64
	var maxHist int64
	deadline := time.Now().Add(2 * time.Minute)
	for {
		per, maxHist = nil, 0
		var token []byte
		for {
			resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, PageSize: 1000, NextPageToken: token,
				Query: fmt.Sprintf("BillrunBatchId = '%s' AND WorkflowType = 'InvoiceWorkflow' AND ExecutionStatus != 'Running'", batchID)})
			if err != nil {
				return nil, 0, 0, err
			}
			for _, e := range resp.Executions {
				per = append(per, e.GetCloseTime().AsTime().Sub(e.GetStartTime().AsTime()).Seconds())
				maxHist = max(maxHist, e.GetHistoryLength())
			}
			if token = resp.NextPageToken; len(token) == 0 {
				break
			}
		}
		if len(per) >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second) // visibility trails the workflows a little
	}
	runs := 0
	resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, PageSize: 1000,
		Query: fmt.Sprintf("WorkflowId = '%s'", workflows.BatchWorkflowID(wc.Installation, batchID))})
	if err != nil {
		return nil, 0, 0, err
	}
	for _, e := range resp.Executions {
		runs++
		maxHist = max(maxHist, e.GetHistoryLength())
	}
	return per, maxHist, runs, nil
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
