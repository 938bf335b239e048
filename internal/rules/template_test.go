package rules

import (
	"strings"
	"testing"
)

func TestApplyTemplate(t *testing.T) {
	tpl := Template{Name: "MAYORISTA", Sources: []string{"orders"}, OrdersFrom: 1000, OrdersTo: 1999, Grouping: GroupPerCustomer, Series: "A", FixedSeries: true}
	got, probs := ApplyTemplate(tpl, BatchAsked{Source: "orders"})
	if len(probs) != 0 || got.OrdersFrom != 1000 || got.OrdersTo != 1999 || got.Grouping != GroupPerCustomer || got.Series != "A" {
		t.Fatalf("defaults: %+v %v", got, probs)
	}
	got, probs = ApplyTemplate(tpl, BatchAsked{Source: "orders", OrdersFrom: 1001, OrdersTo: 1010, OrdersSet: true, Grouping: GroupNone, GroupingSet: true})
	if len(probs) != 0 || got.Grouping != GroupNone || got.OrdersTo != 1010 {
		t.Fatalf("a narrower batch: %+v %v", got, probs)
	}
	for _, c := range []struct {
		asked BatchAsked
		want  string
	}{
		{BatchAsked{Source: "plans"}, "allows orders, not plans"},
		{BatchAsked{Source: "orders", OrdersFrom: 900, OrdersTo: 1010, OrdersSet: true}, "orders 900-1010 go beyond its range 1000-1999"},
		{BatchAsked{Source: "orders", Grouping: GroupByEntity, GroupingSet: true}, "grouping by-entity is less restrictive than its per-customer"},
		{BatchAsked{Source: "orders", Series: "B", SeriesSet: true}, "its series A may not be overridden"},
	} {
		if _, probs := ApplyTemplate(tpl, c.asked); len(probs) != 1 || !strings.Contains(probs[0], c.want) || !strings.HasPrefix(probs[0], "template MAYORISTA: ") {
			t.Errorf("%+v: %v, want %q", c.asked, probs, c.want)
		}
	}
	free := tpl
	free.FixedSeries = false
	if got, probs := ApplyTemplate(free, BatchAsked{Source: "orders", Series: "B", SeriesSet: true}); len(probs) != 0 || got.Series != "B" {
		t.Errorf("an overridable series: %+v %v", got, probs)
	}
}
