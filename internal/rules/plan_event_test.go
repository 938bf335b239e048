package rules

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestPlanEventLinesSplitByQuota(t *testing.T) {
	d := decimal.RequireFromString
	e := PlanEvent{ID: 7, Plan: "PLAN-X", Customer: "ACME", Currency: "MXN", Series: "P", Decimals: 2,
		Date:     time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Entities: []PlanEntity{{Customer: "A", Quota: d("60")}, {Customer: "B", Quota: d("40")}},
		Items: []PlanItem{
			{LineNo: 1, Item: "SVC", Quantity: d("3"), Price: d("33.33"), DiscountPct: d("0")},  // 99.99
			{LineNo: 2, Item: "FEE", Quantity: d("1"), Price: d("10.01"), DiscountPct: d("10")}, // 10.01 − 1.00 = 9.01
		},
	}
	for _, tc := range []struct {
		name     string
		executed bool
		released map[string]bool
		want     map[string]string // customer/line → share
	}{
		{"planned: every entity's share of every item", false, nil,
			map[string]string{"A/1": "59.99", "B/1": "40.00", "A/2": "5.41", "B/2": "3.60"}},
		{"executed: only the released shares bill again", true, map[string]bool{"B": true},
			map[string]string{"B/1": "40.00", "B/2": "3.60"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.Executed, e.Released = tc.executed, tc.released
			lines, err := PlanEventLines(e)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			sum := map[int]decimal.Decimal{}
			for _, l := range lines {
				got[l.Customer+"/"+map[int]string{1: "1", 2: "2"}[l.LineNo]] = l.UnitPrice.StringFixed(2)
				sum[l.LineNo] = sum[l.LineNo].Add(l.UnitPrice)
				if l.Payer != l.Customer || l.Partner != "ACME" || l.SourceID != 7 || !l.LineDiscount.IsZero() {
					t.Errorf("line %+v: payer, partner, source or discount wrong", l)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("lines %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %s, want %s", k, got[k], v)
				}
			}
			if !tc.executed && (!sum[1].Equal(d("99.99")) || !sum[2].Equal(d("9.01"))) {
				t.Errorf("shares do not add up to the items: %v", sum)
			}
		})
	}
}
