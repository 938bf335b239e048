package rules

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// PaidInInvoiceCurrency is what a payment of amount in currency paid pays of an invoice in
// currency inv, at rate (pesos per unit of whichever of the two is not the peso): a dollar
// invoice paid 17,200 pesos at 17.20 is paid 1,000.00 dollars. It is rounded down to the
// invoice's decimals, so what the payment relates never exceeds what was paid (SAT: the
// documents' ImpPagado ÷ EquivalenciaDR add up to no more than the Monto).
func PaidInInvoiceCurrency(amount decimal.Decimal, paid, inv string, rate decimal.Decimal, decimals int32) (decimal.Decimal, error) {
	switch {
	case paid == inv:
		return amount, nil
	case !rate.IsPositive():
		return decimal.Zero, fmt.Errorf("a payment in %s of an invoice in %s needs the exchange rate (pesos per unit), above 0", paid, inv)
	case paid == "MXN":
		return amount.Div(rate).RoundFloor(decimals), nil
	case inv == "MXN":
		return amount.Mul(rate).RoundFloor(decimals), nil
	}
	return decimal.Zero, fmt.Errorf("a payment in %s of an invoice in %s: one of them must be pesos (MXN)", paid, inv)
}
