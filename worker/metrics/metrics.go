// Package metrics is the worker's Prometheus endpoint: the Temporal SDK's metrics (through
// its MetricsHandler interface) and billrun's own, written in Prometheus' text format with
// # HELP and # TYPE on every series, and /healthz and /readyz beside them. It keeps
// counters, gauges and timer histograms in memory, and reads the database's gauges at each
// scrape — what a scrape every few seconds needs, with no client library.
package metrics

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
)

// Registry holds the process's metrics.
type Registry struct {
	mu       sync.Mutex
	counters map[series]float64
	gauges   map[series]float64
	timers   map[series]*histogram
	// collectors set gauges at each scrape (the database's backlog and failures).
	collectors []func(context.Context, *Registry)
}

type series struct{ name, labels string }

// buckets are a timer histogram's upper bounds, in seconds: from a local step (ms) to a PAC
// or SMTP round trip under load (tens of seconds).
var buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

type histogram struct {
	counts []int64 // per bucket, not cumulative; the last is +Inf
	count  int64
	sum    float64 // seconds
}

// New makes an empty registry.
func New() *Registry {
	return &Registry{counters: map[series]float64{}, gauges: map[series]float64{}, timers: map[series]*histogram{}}
}

// OnScrape adds a collector that sets gauges before each scrape is written.
func (r *Registry) OnScrape(f func(context.Context, *Registry)) {
	r.mu.Lock()
	r.collectors = append(r.collectors, f)
	r.mu.Unlock()
}

// collect runs the collectors, each bounded by the scrape's patience.
func (r *Registry) collect(ctx context.Context) {
	r.mu.Lock()
	fs := slices.Clone(r.collectors)
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, f := range fs {
		f(ctx, r)
	}
}

var unsafe = regexp.MustCompile(`[^a-zA-Z0-9_:]`)

// escape escapes a label's value as the text format wants it; built once (a Replacer is
// costly to build, and the SDK records metrics many times per task).
var escape = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// names caches each metric name made safe for Prometheus.
var names sync.Map

func safeName(name string) string {
	if n, ok := names.Load(name); ok {
		return n.(string)
	}
	n := unsafe.ReplaceAllString(name, "_")
	names.Store(name, n)
	return n
}

func key(name string, labels map[string]string) series {
	return series{safeName(name), labelString(labels)}
}

// labelString is labels written as Prometheus' {k="v",...}, sorted by key.
func labelString(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf(`%s="%s"`, safeName(k), escape.Replace(labels[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Add adds v to a counter.
func (r *Registry) Add(name string, labels map[string]string, v float64) {
	if r == nil {
		return
	}
	r.add(key(name, labels), v)
}

func (r *Registry) add(k series, v float64) {
	r.mu.Lock()
	r.counters[k] += v
	r.mu.Unlock()
}

// Set sets a gauge.
func (r *Registry) Set(name string, labels map[string]string, v float64) {
	if r == nil {
		return
	}
	r.set(key(name, labels), v)
}

func (r *Registry) set(k series, v float64) {
	r.mu.Lock()
	r.gauges[k] = v
	r.mu.Unlock()
}

// Observe records a duration in a histogram (seconds).
func (r *Registry) Observe(name string, labels map[string]string, d time.Duration) {
	if r == nil {
		return
	}
	r.observe(key(name, labels), d)
}

func (r *Registry) observe(k series, d time.Duration) {
	r.mu.Lock()
	h := r.timers[k]
	if h == nil {
		h = &histogram{counts: make([]int64, len(buckets)+1)}
		r.timers[k] = h
	}
	sec := d.Seconds()
	i, _ := slices.BinarySearch(buckets, sec)
	h.counts[i]++
	h.count++
	h.sum += sec
	r.mu.Unlock()
}

// Write writes every metric in Prometheus' text exposition format, sorted, each name with
// its # HELP and # TYPE.
func (r *Registry) Write(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	write := func(kind string, m map[series]float64) {
		keys := make([]series, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b series) int { return strings.Compare(a.name+a.labels, b.name+b.labels) })
		last := ""
		for _, k := range keys {
			if k.name != last {
				fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", k.name, Help(k.name), k.name, kind)
				last = k.name
			}
			fmt.Fprintf(w, "%s%s %g\n", k.name, k.labels, m[k])
		}
	}
	write("counter", r.counters)
	write("gauge", r.gauges)
	r.writeHistograms(w)
}

// writeHistograms writes the timers as histograms: cumulative buckets, sum and count.
func (r *Registry) writeHistograms(w io.Writer) {
	keys := make([]series, 0, len(r.timers))
	for k := range r.timers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b series) int { return strings.Compare(a.name+a.labels, b.name+b.labels) })
	last := ""
	for _, k := range keys {
		name := k.name + "_seconds"
		if k.name != last {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, Help(name), name)
			last = k.name
		}
		h := r.timers[k]
		inner := strings.TrimSuffix(strings.TrimPrefix(k.labels, "{"), "}")
		if inner != "" {
			inner += ","
		}
		var cum int64
		for i, le := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "%s_bucket{%sle=\"%g\"} %d\n", name, inner, le, cum)
		}
		fmt.Fprintf(w, "%s_bucket{%sle=\"+Inf\"} %d\n", name, inner, h.count)
		fmt.Fprintf(w, "%s_sum%s %g\n%s_count%s %d\n", name, k.labels, h.sum, name, k.labels, h.count)
	}
}

// TemporalHandler is the registry as the Temporal SDK's MetricsHandler.
func (r *Registry) TemporalHandler() client.MetricsHandler { return handler{r: r} }

// handler carries its tags already written as labels: the SDK records with the same tags
// many times.
type handler struct {
	r      *Registry
	tags   map[string]string
	labels string
}

func (h handler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return handler{r: h.r, tags: merged, labels: labelString(merged)}
}

func (h handler) Counter(name string) client.MetricsCounter {
	return counter{h.r, series{safeName(name), h.labels}}
}
func (h handler) Gauge(name string) client.MetricsGauge {
	return gauge{h.r, series{safeName(name), h.labels}}
}
func (h handler) Timer(name string) client.MetricsTimer {
	return timer{h.r, series{safeName(name), h.labels}}
}

type counter struct {
	r *Registry
	k series
}

func (c counter) Inc(v int64) { c.r.add(c.k, float64(v)) }

type gauge struct {
	r *Registry
	k series
}

func (g gauge) Update(v float64) { g.r.set(g.k, v) }

type timer struct {
	r *Registry
	k series
}

func (t timer) Record(d time.Duration) { t.r.observe(t.k, d) }

// Mux serves /metrics, /healthz (the process answers) and /readyz (ready answers nil:
// its database and Temporal are reachable).
func (r *Registry) Mux(ready func(context.Context) error) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, req *http.Request) {
		r.collect(req.Context())
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		r.Write(w)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 5*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}
