package bench

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Step is what one activity (a step of the pipeline: price, discharge, receivable,
// complete, seal, stamp, print, deliver, …) cost per invoice in a full run, as the
// workers' own metrics count it: its executions' time (regular and local activities) and
// the SQL statements it sent, with their time.
type Step struct {
	Activity             string  `json:"activity"`
	MsPerInvoice         float64 `json:"ms_per_invoice"`
	StatementsPerInvoice float64 `json:"statements_per_invoice"`
	SQLMsPerInvoice      float64 `json:"sql_ms_per_invoice"`
}

// freeAddr is a local address nothing listens on, for a worker's metrics.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// scrape reads the series of a worker's /metrics this package reports on, summed over
// their other labels, keyed by "name activity".
func scrape(ctx context.Context, addr string, into map[string]float64) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		addSample(into, sc.Text())
	}
	return sc.Err()
}

// addSample adds one line of /metrics to the sums, if it is one the steps are made of.
func addSample(into map[string]float64, line string) {
	name, labels, value, ok := parseSample(line)
	if !ok {
		return
	}
	switch name {
	case "billrun_sql_statements_total", "billrun_sql_seconds_sum":
		into[name+" "+labels["activity"]] += value
	case "temporal_activity_execution_latency_seconds_sum", "temporal_local_activity_execution_latency_seconds_sum":
		into["activity_seconds "+labels["activity_type"]] += value
	}
}

// parseSample reads one line of Prometheus' text format: name{labels} value.
func parseSample(line string) (name string, labels map[string]string, value float64, ok bool) {
	if line == "" || line[0] == '#' {
		return "", nil, 0, false
	}
	sp := strings.LastIndexByte(line, ' ')
	if sp < 0 {
		return "", nil, 0, false
	}
	v, err := strconv.ParseFloat(line[sp+1:], 64)
	if err != nil {
		return "", nil, 0, false
	}
	head := line[:sp]
	labels = map[string]string{}
	if i := strings.IndexByte(head, '{'); i >= 0 {
		for _, kv := range strings.Split(strings.TrimSuffix(head[i+1:], "}"), ",") {
			if k, val, found := strings.Cut(kv, "="); found {
				labels[k] = strings.Trim(val, `"`)
			}
		}
		head = head[:i]
	}
	return head, labels, v, true
}

// steps turns the workers' summed metrics into each activity's cost per invoice, the
// costliest first.
func steps(m map[string]float64, invoices int) []Step {
	byActivity := map[string]*Step{}
	get := func(a string) *Step {
		if byActivity[a] == nil {
			byActivity[a] = &Step{Activity: a}
		}
		return byActivity[a]
	}
	n := float64(invoices)
	for k, v := range m {
		name, act, _ := strings.Cut(k, " ")
		switch name {
		case "activity_seconds":
			get(act).MsPerInvoice = round3(v * 1000 / n)
		case "billrun_sql_statements_total":
			get(act).StatementsPerInvoice = round3(v / n)
		case "billrun_sql_seconds_sum":
			get(act).SQLMsPerInvoice = round3(v * 1000 / n)
		}
	}
	out := make([]Step, 0, len(byActivity))
	for _, s := range byActivity {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Step) int {
		if a.MsPerInvoice != b.MsPerInvoice {
			return map[bool]int{true: -1, false: 1}[a.MsPerInvoice > b.MsPerInvoice]
		}
		return strings.Compare(a.Activity, b.Activity)
	})
	return out
}

// stepsOf scrapes every worker and answers the steps' costs.
func stepsOf(ctx context.Context, addrs []string, invoices int) ([]Step, error) {
	m := map[string]float64{}
	for _, a := range addrs {
		if err := scrape(ctx, a, m); err != nil {
			return nil, fmt.Errorf("worker metrics at %s: %w", a, err)
		}
	}
	return steps(m, invoices), nil
}
