// Package metrics is the worker's Prometheus endpoint: the Temporal SDK's metrics (through
// its MetricsHandler interface) and billrun's own, written in Prometheus' text format, with
// /healthz and /readyz beside them. It keeps counters, gauges and timer summaries in memory
// — what a scrape every few seconds needs, with no client library.
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
	timers   map[series]*summary
}

type series struct{ name, labels string }

type summary struct {
	count int64
	sum   float64 // seconds
}

// New makes an empty registry.
func New() *Registry {
	return &Registry{counters: map[series]float64{}, gauges: map[series]float64{}, timers: map[series]*summary{}}
}

var unsafe = regexp.MustCompile(`[^a-zA-Z0-9_:]`)

func key(name string, labels map[string]string) series {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(labels[k])
		parts[i] = fmt.Sprintf(`%s="%s"`, unsafe.ReplaceAllString(k, "_"), v)
	}
	l := ""
	if len(parts) > 0 {
		l = "{" + strings.Join(parts, ",") + "}"
	}
	return series{unsafe.ReplaceAllString(name, "_"), l}
}

// Add adds v to a counter.
func (r *Registry) Add(name string, labels map[string]string, v float64) {
	if r == nil {
		return
	}
	k := key(name, labels)
	r.mu.Lock()
	r.counters[k] += v
	r.mu.Unlock()
}

// Set sets a gauge.
func (r *Registry) Set(name string, labels map[string]string, v float64) {
	if r == nil {
		return
	}
	k := key(name, labels)
	r.mu.Lock()
	r.gauges[k] = v
	r.mu.Unlock()
}

// Observe records a duration in a summary (its count and sum, in seconds).
func (r *Registry) Observe(name string, labels map[string]string, d time.Duration) {
	if r == nil {
		return
	}
	k := key(name, labels)
	r.mu.Lock()
	s := r.timers[k]
	if s == nil {
		s = &summary{}
		r.timers[k] = s
	}
	s.count++
	s.sum += d.Seconds()
	r.mu.Unlock()
}

// Write writes every metric in Prometheus' text exposition format, sorted.
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
				fmt.Fprintf(w, "# TYPE %s %s\n", k.name, kind)
				last = k.name
			}
			fmt.Fprintf(w, "%s%s %g\n", k.name, k.labels, m[k])
		}
	}
	write("counter", r.counters)
	write("gauge", r.gauges)
	counts, sums := map[series]float64{}, map[series]float64{}
	for k, s := range r.timers {
		counts[series{k.name + "_seconds_count", k.labels}] = float64(s.count)
		sums[series{k.name + "_seconds_sum", k.labels}] = s.sum
	}
	write("untyped", counts)
	write("untyped", sums)
}

// TemporalHandler is the registry as the Temporal SDK's MetricsHandler.
func (r *Registry) TemporalHandler() client.MetricsHandler { return handler{r: r} }

type handler struct {
	r    *Registry
	tags map[string]string
}

func (h handler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return handler{r: h.r, tags: merged}
}

func (h handler) Counter(name string) client.MetricsCounter { return counter{h, name} }
func (h handler) Gauge(name string) client.MetricsGauge     { return gauge{h, name} }
func (h handler) Timer(name string) client.MetricsTimer     { return timer{h, name} }

type counter struct {
	h    handler
	name string
}

func (c counter) Inc(v int64) { c.h.r.Add(c.name, c.h.tags, float64(v)) }

type gauge struct {
	h    handler
	name string
}

func (g gauge) Update(v float64) { g.h.r.Set(g.name, g.h.tags, v) }

type timer struct {
	h    handler
	name string
}

func (t timer) Record(d time.Duration) { t.h.r.Observe(t.name, t.h.tags, d) }

// Mux serves /metrics, /healthz (the process answers) and /readyz (ready answers nil:
// its database and Temporal are reachable).
func (r *Registry) Mux(ready func(context.Context) error) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
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
