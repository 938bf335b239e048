package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Template is a billing template (seed 001): a named set of batch parameters that bounds
// what a batch made from it may do.
type Template struct {
	Name        string   `json:"name"`
	Sources     []string `json:"sources"` // source kinds a batch may take: orders, installments, plans
	OrdersFrom  int64    `json:"orders_from"`
	OrdersTo    int64    `json:"orders_to"`    // the order range (0, 0: any)
	Grouping    string   `json:"grouping"`     // the least restrictive grouping a batch may use
	Series      string   `json:"series"`       // default series ("" none)
	FixedSeries bool     `json:"fixed_series"` // the series may not be overridden
}

// BatchAsked is what a batch request says, and which of it was said (the rest may come
// from the template).
type BatchAsked struct {
	Source               string
	OrdersFrom, OrdersTo int64
	OrdersSet            bool
	Grouping             string
	GroupingSet          bool
	Series               string
	SeriesSet            bool
}

// restrictiveness ranks groupings from the most restrictive (one invoice per source
// document) to the least (all of a payer's lines together).
var restrictiveness = map[string]int{GroupNone: 0, GroupPerCustomer: 1, GroupByEntity: 2}

// ApplyTemplate fills a batch request's unsaid parameters from the template and refuses
// what would widen it: a source kind it does not allow, orders outside its range, a
// grouping less restrictive than its own, another series when its series is fixed. The
// customer's invoicing method still applies on top (a per-order customer gets one invoice
// per order whatever the grouping), so the most restrictive always wins.
func ApplyTemplate(t Template, b BatchAsked) (BatchAsked, []string) {
	var probs []string
	add := func(format string, args ...any) {
		probs = append(probs, fmt.Sprintf("template %s: ", t.Name)+fmt.Sprintf(format, args...))
	}
	if !slices.Contains(t.Sources, b.Source) {
		add("allows %s, not %s", strings.Join(t.Sources, ", "), b.Source)
	}
	if b.Source == "orders" && t.OrdersTo > 0 {
		switch {
		case !b.OrdersSet:
			b.OrdersFrom, b.OrdersTo, b.OrdersSet = t.OrdersFrom, t.OrdersTo, true
		case b.OrdersFrom < t.OrdersFrom || b.OrdersTo > t.OrdersTo:
			add("orders %d-%d go beyond its range %d-%d", b.OrdersFrom, b.OrdersTo, t.OrdersFrom, t.OrdersTo)
		}
	}
	if t.Grouping != "" {
		switch {
		case !b.GroupingSet:
			b.Grouping = t.Grouping
		case restrictiveness[b.Grouping] > restrictiveness[t.Grouping]:
			add("grouping %s is less restrictive than its %s", b.Grouping, t.Grouping)
		}
	}
	switch {
	case t.Series == "":
	case !b.SeriesSet:
		b.Series = t.Series
	case t.FixedSeries && b.Series != t.Series:
		add("its series %s may not be overridden (asked %s)", t.Series, b.Series)
	}
	return b, probs
}
