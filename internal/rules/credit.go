package rules

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// Credit note kinds (seed 004): a return gives goods back and credits them at the invoiced
// price; a rebate lowers the price of goods the customer keeps.
const (
	CreditReturn = "return"
	CreditRebate = "rebate"
)

// ErrCreditRequest marks a credit note the invoice cannot take (more than invoiced, a
// rebate above the price): refused before anything is written.
var ErrCreditRequest = errors.New("credit note request")

// InvoicedLine is an invoice line as a credit note corrects it: what was billed, and what
// earlier credit notes took back from it.
type InvoicedLine struct {
	LineNo      int
	Item        string
	Quantity    decimal.Decimal
	UnitPrice   decimal.Decimal // list price, before the line's discount
	DiscountPct decimal.Decimal
	Tax         TaxProfile // the rates it was billed at
	Billed      LineAmounts
	Returned    decimal.Decimal // quantity returned by earlier credit notes
	Rebated     decimal.Decimal // unit amount (list price) rebated by earlier credit notes
	Credited    LineAmounts     // sums of earlier credit notes' lines on it
}

// CreditLine is what a credit note takes back from one invoiced line: a return of Quantity,
// or a rebate of UnitAmount (or Percent of the price) on Quantity (zero: all not returned).
type CreditLine struct {
	LineNo     int             `json:"line_no"`
	Quantity   decimal.Decimal `json:"quantity"`
	UnitAmount decimal.Decimal `json:"unit_amount"`
	Percent    decimal.Decimal `json:"percent"`
}

// PriceCredit prices one credit note line by the rules an invoice line is priced by: the
// same rates, the same discount, rounding per line. A return credits the line's figures in
// proportion to the quantity (see returned), or, once the line was rebated, the price still
// standing after the rebates; a rebate is a unit amount off the list price, discounted
// like the line. Returns in parts add up to exactly the line; no credit ever takes a line's
// total past what was billed.
func PriceCredit(kind string, l InvoicedLine, c CreditLine, decimals int32, p PricingPolicy) (LineAmounts, error) {
	bad := func(format string, args ...any) (LineAmounts, error) {
		return LineAmounts{}, fmt.Errorf("%w: line %d (item %s): %s", ErrCreditRequest, l.LineNo, l.Item, fmt.Sprintf(format, args...))
	}
	if c.Quantity.IsNegative() || c.UnitAmount.IsNegative() || c.Percent.IsNegative() {
		return bad("quantity, amount and percent must not be negative")
	}
	if c.Quantity.Exponent() < -4 {
		return bad("quantity %s has more than 4 decimals", c.Quantity)
	}
	if c.UnitAmount.Exponent() < -6 {
		return bad("amount %s has more than 6 decimals", c.UnitAmount)
	}
	left := l.Quantity.Sub(l.Returned)
	in := LineInput{Item: l.Item, DiscountPct: l.DiscountPct, Tax: l.Tax}
	proportional := false
	switch kind {
	case CreditReturn:
		if !c.Quantity.IsPositive() {
			return bad("a return needs a quantity above 0")
		}
		if c.Quantity.GreaterThan(left) {
			return bad("return of %s is more than the %s invoiced less %s already returned", c.Quantity, l.Quantity, l.Returned)
		}
		in.Quantity, in.UnitPrice = c.Quantity, l.UnitPrice.Sub(l.Rebated)
		proportional = l.Rebated.IsZero()
	case CreditRebate:
		price := l.UnitPrice.Sub(l.Rebated)
		unit := c.UnitAmount
		switch {
		case c.Percent.IsPositive() && unit.IsPositive():
			return bad("give a rebate as an amount or a percent, not both")
		case c.Percent.IsPositive():
			if c.Percent.GreaterThan(hundred) {
				return bad("rebate of %s %% is above 100 %%", c.Percent)
			}
			unit = l.UnitPrice.Mul(c.Percent).Div(hundred).Round(6)
		case !unit.IsPositive():
			return bad("a rebate needs an amount or a percent above 0")
		}
		if unit.GreaterThan(price) {
			return bad("rebate of %s per unit is more than the price %s less %s already rebated", unit, l.UnitPrice, l.Rebated)
		}
		in.UnitPrice, in.Quantity = unit, c.Quantity
		// A rebate lowers the price of units the customer keeps: an excise by quota, due per
		// unit sold, is not given back by it.
		in.Tax.ExciseQuota = decimal.Zero
		if in.Quantity.IsZero() {
			in.Quantity = left
		}
		if !in.Quantity.IsPositive() {
			return bad("nothing is left to rebate: all %s were returned", l.Quantity)
		}
		if in.Quantity.GreaterThan(left) {
			return bad("rebate on %s is more than the %s invoiced less %s returned", in.Quantity, l.Quantity, l.Returned)
		}
	default:
		return LineAmounts{}, fmt.Errorf("%w: unknown credit note kind %q", ErrCreditRequest, kind)
	}
	a, err := PriceLine(in, decimals, p)
	if err != nil {
		return a, err
	}
	if proportional {
		a = returned(l, l.Returned.Add(c.Quantity), decimals)
	}
	if !a.Total.IsPositive() {
		return bad("credits nothing (its amount rounds to 0)")
	}
	if a.Total.Add(l.Credited.Total).GreaterThan(l.Billed.Total) {
		return bad("credit of %s would take the line past its invoiced total %s (%s credited already)", a.Total, l.Billed.Total, l.Credited.Total)
	}
	return a, nil
}

// returned is what a return credits when the line was never rebated: each figure is the
// line's billed figure in proportion to the quantity returned so far (cumulative), rounded,
// less what earlier returns credited. Figures so taken never shrink as more is returned, so
// no credit has a negative tax, and returning everything credits exactly what was billed.
func returned(l InvoicedLine, cumulative decimal.Decimal, decimals int32) LineAmounts {
	part := func(billed, credited decimal.Decimal) decimal.Decimal {
		f := RoundMoney(billed.Mul(cumulative).Div(l.Quantity), decimals)
		if cumulative.Equal(l.Quantity) {
			f = billed
		}
		return decimal.Max(decimal.Zero, f.Sub(credited))
	}
	b, c := l.Billed, l.Credited
	a := b
	a.Discount = part(b.Discount, c.Discount)
	a.Subtotal = part(b.Subtotal, c.Subtotal)
	a.Amount = a.Subtotal.Add(a.Discount)
	a.VATBase = part(b.VATBase, c.VATBase)
	a.VAT = part(b.VAT, c.VAT)
	a.Excise = part(b.Excise, c.Excise)
	a.VATWithheld = part(b.VATWithheld, c.VATWithheld)
	a.ISRWithheld = part(b.ISRWithheld, c.ISRWithheld)
	a.Total = a.Subtotal.Add(a.VAT).Add(a.Excise).Sub(a.VATWithheld).Sub(a.ISRWithheld)
	return a
}

// ApplyCredit splits a credit note's total between the corrected invoice's receivable
// balance (what the customer still owes) and a refund due (what was paid already).
func ApplyCredit(balance, credit decimal.Decimal) (applied, refund decimal.Decimal) {
	applied = decimal.Max(decimal.Zero, decimal.Min(balance, credit))
	return applied, credit.Sub(applied)
}
