package rules

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestStockShortfalls(t *testing.T) {
	w := func(item string) [2]string { return [2]string{"W", item} }
	onHand := map[[2]string]decimal.Decimal{w("A"): d("10"), w("B"): d("5")}
	lines := []DraftStockLine{
		{Invoice: 1, Warehouse: "W", Item: "A", Quantity: d("6")},
		{Invoice: 2, Warehouse: "W", Item: "A", Quantity: d("3")},
		{Invoice: 2, Warehouse: "W", Item: "A", Quantity: d("2")}, // 5 of A with 4 left: fails
		{Invoice: 3, Warehouse: "W", Item: "A", Quantity: d("4")}, // invoice 2 discharged nothing: 4 left, enough
		{Invoice: 4, Warehouse: "W", Item: "B", Quantity: d("9"), AllowNegative: true},
		{Invoice: 5, Warehouse: "W", Item: "C", Quantity: d("1")}, // no stock row at all
	}
	got := StockShortfalls(onHand, lines)
	if len(got) != 2 || got[2] != "not enough stock of item A in warehouse W: 4 on hand for it, 5 to discharge" || got[5] == "" {
		t.Fatalf("shortfalls %v", got)
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
