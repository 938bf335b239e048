package metrics

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestExposition(t *testing.T) {
	r := New()
	r.Add("billrun_invoices_completed_total", map[string]string{"series": "A"}, 1)
	r.Add("billrun_invoices_completed_total", map[string]string{"series": "A"}, 2)
	h := r.TemporalHandler().WithTags(map[string]string{"namespace": "default"}).WithTags(map[string]string{"task-queue": `q"1`})
	h.Counter("temporal_request").Inc(4)
	h.Gauge("temporal_num_pollers").Update(2)
	h.Timer("temporal_request_latency").Record(1500 * time.Millisecond)
	var b bytes.Buffer
	r.Write(&b)
	for _, want := range []string{
		"# TYPE billrun_invoices_completed_total counter\nbillrun_invoices_completed_total{series=\"A\"} 3\n",
		`temporal_request{namespace="default",task_queue="q\"1"} 4`,
		"# TYPE temporal_num_pollers gauge\n",
		`temporal_request_latency_seconds_count{namespace="default",task_queue="q\"1"} 1`,
		`temporal_request_latency_seconds_sum{namespace="default",task_queue="q\"1"} 1.5`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("exposition lacks %q:\n%s", want, b.String())
		}
	}
	var nilRegistry *Registry
	nilRegistry.Add("x", nil, 1) // a worker without metrics records nothing, and does not fail
}

func TestHealthAndReadiness(t *testing.T) {
	ready := errors.New("database: connection refused")
	srv := httptest.NewServer(New().Mux(func(context.Context) error { return ready }))
	defer srv.Close()
	get := func(path string) int {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get("/healthz") != 200 || get("/readyz") != 503 || get("/metrics") != 200 {
		t.Error("healthz 200, readyz 503 while the database is down, metrics 200")
	}
	ready = nil
	if get("/readyz") != 200 {
		t.Error("readyz once ready")
	}
}
