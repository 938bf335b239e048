package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"billrun/internal/model"
	"billrun/worker/metrics"
)

// The worker's Prometheus endpoint, scraped after the demo's bill run: billrun's own
// metrics (invoices completed and failed by step, amounts billed by currency, deliveries
// by status, stamping latency) beside the Temporal SDK's.
func TestMetricsEndpoint(t *testing.T) {
	h := newHarness(t, false)
	reg := metrics.New()
	h.cfg.Metrics = reg
	reg.OnScrape(metrics.DatabaseGauges(h.st.Gauges))
	h.startWorker()
	srv := httptest.NewServer(reg.Mux(func(ctx context.Context) error { return h.st.Ping(ctx) }))
	defer srv.Close()

	h.mustRun("import", "../examples/demo.json")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1001-1099", "--series", "A", "--date", "2026-11-23", "--wait")
	scrape := func() string {
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	h.waitFor("the deliveries counted", time.Minute, func() bool {
		return strings.Contains(scrape(), `billrun_deliveries_total{status="sent"} 5`)
	})
	text := scrape()
	for _, want := range []string{
		`billrun_invoices_completed_total{series="A"} 4`, // and the ticket in series T
		`billrun_invoices_completed_total{series="T"} 1`,
		`billrun_invoices_failed_total{step="stock discharge"} 1`,
		`billrun_amount_billed_total{currency="USD"} 57.99`,
		`billrun_stamping_seconds_count{outcome="stamped"} 5`,
		`billrun_stamping_seconds_bucket{outcome="stamped",le="+Inf"} 5`,
		"# TYPE billrun_stamping_seconds histogram",
		"# HELP billrun_invoices_failed_open Invoices failed and neither retried nor abandoned",
		"billrun_invoices_failed_open 1", // the demo's invoice short of stock
		"billrun_unstamped_backlog 0",
		"\nbillrun_deliveries_skipped ", "\nbillrun_dgi_refusals 0", "\nbillrun_last_batch_duration_seconds ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Every series carries its help and type (a histogram's under its base name).
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*`).FindString(line)
		base := regexp.MustCompile(`_(bucket|sum|count)$`).ReplaceAllString(name, "")
		if !strings.Contains(text, "# HELP "+name+" ") && !strings.Contains(text, "# TYPE "+base+" histogram") {
			t.Errorf("series %s has no # HELP", name)
			break
		}
	}
	// Every metric the alerts and the dashboard name is one the worker exports.
	for _, file := range []string{"../deploy/prometheus/rules.yml", "../deploy/grafana/billrun.json"} {
		doc, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		names := regexp.MustCompile(`\b(?:billrun|temporal)_[a-z_]+`).FindAllString(string(doc), -1)
		if len(names) == 0 {
			t.Errorf("%s names no metric", file)
		}
		for _, name := range names {
			base := regexp.MustCompile(`_(bucket|sum|count)$`).ReplaceAllString(name, "")
			if !strings.Contains(text, "# TYPE "+name+" ") && !strings.Contains(text, "# TYPE "+base+" histogram") {
				t.Errorf("%s names %s, which the worker does not export", file, name)
			}
		}
	}
	if !regexp.MustCompile(`(?m)^temporal_workflow_completed\{.*\} \d+`).MatchString(text) {
		t.Errorf("no Temporal SDK metric (temporal_workflow_completed) in:\n%.2000s", text)
	}
	for path, code := range map[string]int{"/healthz": 200, "/readyz": 200} {
		resp, err := http.Get(srv.URL + path)
		if err != nil || resp.StatusCode != code {
			t.Errorf("%s: %v %v", path, resp.StatusCode, err)
		}
		resp.Body.Close()
	}
}
