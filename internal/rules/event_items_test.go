package rules

import (
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestEditEventItems(t *testing.T) {
	d := decimal.RequireFromString
	ptr := func(s string) *decimal.Decimal { v := d(s); return &v }
	text := func(s string) *string { return &s }
	items := []PlanItem{
		{LineNo: 1, Item: "SVC", Description: "Mantenimiento", Quantity: d("1"), Price: d("1000"), DiscountPct: d("0")},
		{LineNo: 2, Item: "LIC", Description: "Licencia", Quantity: d("3"), Price: d("250"), DiscountPct: d("10")},
	}
	for _, c := range []struct {
		name  string
		state string
		items []PlanItem
		edit  EventItemEdit
		want  string // the lines after, or the error's words
		fails bool
	}{
		{"price and quantity", "planned", items, EventItemEdit{Line: 2, Quantity: ptr("2"), Price: ptr("300")}, "1:Mantenimiento 1x1000-0 2:Licencia 2x300-10", false},
		{"description and discount", "suspended", items, EventItemEdit{Line: 1, Description: text("Mantenimiento de diciembre"), DiscountPct: ptr("5")}, "1:Mantenimiento de diciembre 1x1000-5 2:Licencia 3x250-10", false},
		{"a line removed", "planned", items, EventItemEdit{Line: 1, Remove: true}, "2:Licencia 3x250-10", false},
		{"executed", "executed", items, EventItemEdit{Line: 1, Price: ptr("1")}, "is executed", true},
		{"being billed", "in_billing", items, EventItemEdit{Line: 1, Price: ptr("1")}, "is in_billing", true},
		{"no such line", "planned", items, EventItemEdit{Line: 7, Price: ptr("1")}, "no line 7 (its lines: 1, 2)", true},
		{"nothing to change", "planned", items, EventItemEdit{Line: 1}, "give --description", true},
		{"the only line", "planned", items[:1], EventItemEdit{Line: 1, Remove: true}, "only line", true},
		{"remove and change", "planned", items, EventItemEdit{Line: 1, Remove: true, Price: ptr("1")}, "takes no other change", true},
		{"zero quantity", "planned", items, EventItemEdit{Line: 1, Quantity: ptr("0")}, "--qty: 0 is not positive", true},
		{"negative price", "planned", items, EventItemEdit{Line: 1, Price: ptr("-1")}, "--price: -1 is negative", true},
		{"discount past 100", "planned", items, EventItemEdit{Line: 1, DiscountPct: ptr("100.5")}, "--discount", true},
	} {
		got, err := EditEventItems(9, c.state, c.items, c.edit)
		if c.fails {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var lines []string
		for _, x := range got {
			lines = append(lines, strings.Join([]string{strconv.Itoa(x.LineNo), ":", x.Description, " ", x.Quantity.String(), "x", x.Price.String(), "-", x.DiscountPct.String()}, ""))
		}
		if s := strings.Join(lines, " "); s != c.want {
			t.Errorf("%s: %s, want %s", c.name, s, c.want)
		}
	}
	if items[1].Quantity.String() != "3" || len(items) != 2 {
		t.Errorf("the items given changed: %+v", items)
	}
}
