package rules

import "github.com/shopspring/decimal"

// StockAvailable is what an invoice line may discharge from a warehouse (seed 002: "el
// saldo disponible"): what is on hand less what other orders have committed. The line's
// own order's commitment, which its discharge releases, is its own to take.
func StockAvailable(onHand, committed, ownCommitted decimal.Decimal) decimal.Decimal {
	return onHand.Sub(committed.Sub(ownCommitted))
}
