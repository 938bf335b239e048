package rules

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// DraftStockLine is a stocked line of a draft invoice that its series will discharge.
type DraftStockLine struct {
	Invoice         int64
	Warehouse, Item string
	Quantity        decimal.Decimal
	AllowNegative   bool // its series or batch lets stock go negative
}

// StockShortfalls tells which draft invoices would fail for stock if the batch ran now:
// lines are taken in the order the batch runs them (group order), each discharging what
// is on hand, as the stock step would. An invoice that fails discharges nothing (its
// step is undone), so the invoices after it still find its stock.
func StockShortfalls(onHand map[[2]string]decimal.Decimal, lines []DraftStockLine) map[int64]string {
	out := map[int64]string{}
	left := map[[2]string]decimal.Decimal{}
	for k, v := range onHand {
		left[k] = v
	}
	for i := 0; i < len(lines); {
		inv := lines[i].Invoice
		j := i
		for j < len(lines) && lines[j].Invoice == inv {
			j++
		}
		take := map[[2]string]decimal.Decimal{}
		for _, l := range lines[i:j] {
			k := [2]string{l.Warehouse, l.Item}
			need := take[k].Add(l.Quantity)
			have, known := left[k]
			if (!known || have.LessThan(need)) && !l.AllowNegative {
				if _, failed := out[inv]; !failed {
					out[inv] = fmt.Sprintf("not enough stock of item %s in warehouse %s: %s on hand for it, %s to discharge", l.Item, l.Warehouse, have, need)
				}
			}
			take[k] = need
		}
		if _, failed := out[inv]; !failed {
			for k, q := range take {
				left[k] = left[k].Sub(q)
			}
		}
		i = j
	}
	return out
}
