package rules

import (
	"strings"
	"testing"
)

func TestInapplicableFilters(t *testing.T) {
	for _, c := range []struct {
		kind  string
		given []string
		want  []string // flags refused
	}{
		{"orders", []string{"customers", "zones", "sellers", "terms", "warehouses", "order-dates", "delivery-dates"}, nil},
		{"orders", []string{"contracts", "due-from"}, []string{"--contracts", "--due-from"}},
		{"installments", []string{"customers", "contracts", "due-from"}, nil},
		{"installments", []string{"zones", "sellers", "delivery-dates"}, []string{"--zones", "--sellers", "--delivery-dates"}},
		{"plans", []string{"customers", "contracts", "warehouses"}, []string{"--contracts", "--warehouses"}},
		{"plans", nil, nil},
	} {
		got := InapplicableFilters(c.kind, c.given)
		if len(got) != len(c.want) {
			t.Errorf("%s %v: %v, want %v refused", c.kind, c.given, got, c.want)
			continue
		}
		for i, w := range c.want {
			if !strings.HasPrefix(got[i], w+": applies to") || !strings.Contains(got[i], "not to "+c.kind) {
				t.Errorf("%s: problem %q does not name %s", c.kind, got[i], w)
			}
		}
	}
}
