package rules

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// DraftStockLine is a stocked line of a draft invoice that its series will discharge.
type DraftStockLine struct {
	Invoice         int64
	Warehouse, Item string
	Quantity        decimal.Decimal // what its discharge takes (a partly delivered line: the rest)
	AllowNegative   bool            // its series or batch lets stock go negative
	Committed       bool            // its order line committed stock, which its discharge releases
}

// StockBalance is a stock row as the review reads it: on hand, and committed to orders.
type StockBalance struct {
	OnHand, Committed decimal.Decimal
}

// StockShortfalls tells which draft invoices would fail for stock if the batch ran now:
// lines are taken in the order the batch runs them (group order), each discharging from
// the *available* balance (seed 002: on hand less what other orders committed; a line of
// an order that committed stock releases its own commitment and may take it), as the
// stock step would. An invoice that fails discharges nothing (its step is undone), so the
// invoices after it still find its stock.
func StockShortfalls(stock map[[2]string]StockBalance, lines []DraftStockLine) map[int64]string {
	out := map[int64]string{}
	left := map[[2]string]StockBalance{}
	for k, v := range stock {
		left[k] = v
	}
	for i := 0; i < len(lines); {
		inv := lines[i].Invoice
		j := i
		for j < len(lines) && lines[j].Invoice == inv {
			j++
		}
		after := map[[2]string]StockBalance{} // this invoice's projection, kept if it discharges
		for _, l := range lines[i:j] {
			k := [2]string{l.Warehouse, l.Item}
			b, seen := after[k]
			if !seen {
				b = left[k]
			}
			_, known := left[k]
			release := decimal.Zero
			if l.Committed {
				release = decimal.Min(b.Committed, l.Quantity)
			}
			if available := StockAvailable(b.OnHand, b.Committed, release); (!known || available.LessThan(l.Quantity)) && !l.AllowNegative {
				if _, failed := out[inv]; !failed {
					out[inv] = shortfall(l, b, known, release)
				}
			}
			after[k] = StockBalance{OnHand: b.OnHand.Sub(l.Quantity), Committed: b.Committed.Sub(release)}
		}
		if _, failed := out[inv]; !failed {
			for k, b := range after {
				left[k] = b
			}
		}
		i = j
	}
	return out
}

// shortfall says why a line cannot discharge, in the stock step's words.
func shortfall(l DraftStockLine, b StockBalance, known bool, release decimal.Decimal) string {
	if !known {
		return fmt.Sprintf("no stock of item %s in warehouse %s (needs %s)", l.Item, l.Warehouse, l.Quantity)
	}
	return fmt.Sprintf("not enough stock of item %s in warehouse %s: %s on hand, %s of it committed to other orders, %s to discharge",
		l.Item, l.Warehouse, b.OnHand, b.Committed.Sub(release), l.Quantity)
}
