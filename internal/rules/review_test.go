package rules

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestStockShortfalls(t *testing.T) {
	w := func(item string) [2]string { return [2]string{"W", item} }
	stock := map[[2]string]StockBalance{w("A"): {OnHand: d("10")}, w("B"): {OnHand: d("5")}}
	lines := []DraftStockLine{
		{Invoice: 1, Warehouse: "W", Item: "A", Quantity: d("6")},
		{Invoice: 2, Warehouse: "W", Item: "A", Quantity: d("3")},
		{Invoice: 2, Warehouse: "W", Item: "A", Quantity: d("2")}, // 5 of A with 4 left: fails on its second line
		{Invoice: 3, Warehouse: "W", Item: "A", Quantity: d("4")}, // invoice 2 discharged nothing: 4 left, enough
		{Invoice: 4, Warehouse: "W", Item: "B", Quantity: d("9"), AllowNegative: true},
		{Invoice: 5, Warehouse: "W", Item: "C", Quantity: d("1")}, // no stock row at all
	}
	got := StockShortfalls(stock, lines)
	if len(got) != 2 || got[2] != "not enough stock of item A in warehouse W: 1 on hand, 0 of it committed to other orders, 2 to discharge" ||
		got[5] != "no stock of item C in warehouse W (needs 1)" {
		t.Fatalf("shortfalls %v", got)
	}
}

// Seed 002: the review projects the available balance, on hand less what other orders
// committed, as the stock step checks it; a line of an order that committed stock takes
// its own commitment, and releases it for no one else.
func TestStockShortfallsOfTheAvailableBalance(t *testing.T) {
	k := [2]string{"CENTRAL", "A"}
	for _, c := range []struct {
		name             string
		onHand, comm     string
		lines            []DraftStockLine
		wantFail, reason string
	}{
		{"committed by another order", "500", "100",
			[]DraftStockLine{{Invoice: 1, Quantity: d("450")}}, "1", "500 on hand, 100 of it committed to other orders, 450 to discharge"},
		{"within what is available", "500", "100",
			[]DraftStockLine{{Invoice: 1, Quantity: d("400")}}, "", ""},
		{"its own commitment", "500", "100",
			[]DraftStockLine{{Invoice: 1, Quantity: d("100"), Committed: true}, {Invoice: 2, Quantity: d("400")}}, "", ""},
		{"its own commitment released, then the rest short", "500", "100",
			[]DraftStockLine{{Invoice: 1, Quantity: d("100"), Committed: true}, {Invoice: 2, Quantity: d("401")}}, "2", "400 on hand, 0 of it committed to other orders, 401 to discharge"},
		{"part of its own, part of others'", "200", "250",
			[]DraftStockLine{{Invoice: 1, Quantity: d("100"), Committed: true}}, "1", "200 on hand, 150 of it committed to other orders, 100 to discharge"},
		{"a committed line beyond its commitment", "300", "50",
			[]DraftStockLine{{Invoice: 1, Quantity: d("300"), Committed: true}}, "", ""},
		{"a failed invoice releases nothing", "100", "60",
			[]DraftStockLine{{Invoice: 1, Quantity: d("50")}, {Invoice: 2, Quantity: d("60"), Committed: true}}, "1", "100 on hand, 60 of it committed to other orders, 50 to discharge"},
		{"negative allowed", "10", "10",
			[]DraftStockLine{{Invoice: 1, Quantity: d("50"), AllowNegative: true}}, "", ""},
	} {
		for i := range c.lines {
			c.lines[i].Warehouse, c.lines[i].Item = "CENTRAL", "A"
		}
		got := StockShortfalls(map[[2]string]StockBalance{k: {OnHand: d(c.onHand), Committed: d(c.comm)}}, c.lines)
		want := map[int64]string{}
		if c.wantFail != "" {
			want[int64(c.wantFail[0]-'0')] = "not enough stock of item A in warehouse CENTRAL: " + c.reason
		}
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", c.name, got, want)
			continue
		}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("%s: invoice %d: %q, want %q", c.name, id, got[id], w)
			}
		}
	}
}

func TestStockAvailable(t *testing.T) {
	d := decimal.RequireFromString
	for _, c := range []struct{ onHand, committed, own, want string }{
		{"10", "0", "0", "10"},
		{"10", "4", "0", "6"},  // another order holds 4
		{"10", "4", "4", "10"}, // the line's own order holds them
		{"10", "7", "3", "6"},  // 3 of its own, 4 of others
		{"2", "5", "0", "-3"},
	} {
		if got := StockAvailable(d(c.onHand), d(c.committed), d(c.own)); !got.Equal(d(c.want)) {
			t.Errorf("on hand %s, committed %s (own %s): %s available, want %s", c.onHand, c.committed, c.own, got, c.want)
		}
	}
}
