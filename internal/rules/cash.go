package rules

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// ErrCashBox is a cash box that cannot collect a sale (seed 004, "pago de contado").
var ErrCashBox = errors.New("cash box")

// CashIn is what a cash sale's collection puts into its box (seed 004, Forseti's rules of
// the deposit): the balance in the sale's own currency when the box keeps it; a sale in a
// foreign currency into a box of the books' (national) currency, the balance at the
// invoice's rate, rounded to the box's decimals. Anything else — a national sale into a
// foreign box, a sale in one foreign currency into a box of another — is refused.
func CashIn(invoiceCur, booksCur, boxCur string, balance, rate decimal.Decimal, boxDecimals int32) (decimal.Decimal, error) {
	switch {
	case boxCur == invoiceCur:
		return balance, nil
	case boxCur == booksCur:
		if !rate.IsPositive() {
			return decimal.Zero, fmt.Errorf("%w: a sale in %s into a box in %s needs the invoice's rate", ErrCashBox, invoiceCur, boxCur)
		}
		return balance.Mul(rate).Round(boxDecimals), nil
	}
	return decimal.Zero, fmt.Errorf("%w: a sale in %s is not collected into a box in %s (the box must keep %s or %s)",
		ErrCashBox, invoiceCur, boxCur, invoiceCur, booksCur)
}

// CashHeld is what of a cash sale its box still holds: in the sale's currency and in the
// box's, and the rate between them (box units per sale unit; 1 for the same currency).
type CashHeld struct {
	Left, BoxLeft decimal.Decimal
	Rate          decimal.Decimal
	BoxDecimals   int32
}

// CashRefund splits a credit note's refund on a cash sale (seed 004: "retirándose desde la
// caja o banco si es de contado"): what the box still holds of the sale is paid back out
// of it — out in the sale's currency, box in the box's (the rest of the box's amount
// when the refund takes all that is left, so refunds add up to the sale to the cent) —
// and what exceeds it (the sale was partly settled otherwise) stays owed back (due).
func CashRefund(refund decimal.Decimal, held CashHeld) (out, box, due decimal.Decimal) {
	if !refund.IsPositive() || !held.Left.IsPositive() {
		return decimal.Zero, decimal.Zero, decimal.Max(refund, decimal.Zero)
	}
	out = decimal.Min(refund, held.Left)
	due = refund.Sub(out)
	switch {
	case out.Equal(held.Left):
		box = held.BoxLeft
	case held.Rate.IsZero() || held.Rate.Equal(decimal.NewFromInt(1)):
		box = out
	default:
		box = decimal.Min(out.Mul(held.Rate).Round(held.BoxDecimals), held.BoxLeft)
	}
	return out, box, due
}
