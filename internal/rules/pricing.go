package rules

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

var (
	hundred   = decimal.NewFromInt(100)
	nearlyAll = decimal.RequireFromString("99.99")
)

// TaxProfile is an item's taxes in percent. A nil VATRate means the item's tax setup is
// missing, unless the item is VAT-exempt (VATExempt: SAT's TipoFactor Exento, which is not
// VAT at 0 %). ExciseQuota, when above 0, is an excise (IEPS) by quota: an amount per unit
// in the invoice's currency (SAT's TipoFactor Cuota), instead of ExciseRate.
type TaxProfile struct {
	VATRate            *decimal.Decimal
	VATExempt          bool
	ExciseRate         decimal.Decimal
	ExciseQuota        decimal.Decimal
	VATWithholdingRate decimal.Decimal
	ISRWithholdingRate decimal.Decimal
}

// PricingPolicy holds a batch's pricing switches (seed 002).
type PricingPolicy struct {
	// Discount9999Is100 applies a 100 % discount to lines discounted 99.99 %.
	Discount9999Is100 bool
	// VATOnExcise charges VAT on the subtotal plus the excise (IEPS), as Mexican law values
	// a sale for VAT (LIVA art. 12 and 18: the price plus the other taxes charged); without
	// it VAT is on the subtotal alone, as seed 004 prices every tax. The issuer's setting.
	VATOnExcise bool
}

// LineInput is what pricing needs of one billable line.
type LineInput struct {
	Item        string // for error messages
	Quantity    decimal.Decimal
	UnitPrice   decimal.Decimal
	DiscountPct decimal.Decimal // already resolved: the line's own, else the customer's default
	Tax         TaxProfile
}

// LineAmounts is a priced line. Every amount is rounded half-up to the currency's decimals.
type LineAmounts struct {
	DiscountPct        decimal.Decimal
	Amount             decimal.Decimal
	Discount           decimal.Decimal
	Subtotal           decimal.Decimal
	VATRate            decimal.Decimal
	VATExempt          bool            // VAT-exempt: VATRate and VAT are 0, VATBase the exempt base
	VATBase            decimal.Decimal // the subtotal, plus the excise under VATOnExcise
	VAT                decimal.Decimal
	ExciseRate         decimal.Decimal
	ExciseQuota        decimal.Decimal // the excise per unit, when it is by quota (ExciseRate 0)
	Excise             decimal.Decimal
	VATWithholdingRate decimal.Decimal
	VATWithheld        decimal.Decimal
	ISRWithholdingRate decimal.Decimal
	ISRWithheld        decimal.Decimal
	Total              decimal.Decimal
}

// ErrTaxSetup marks a line whose item has no usable tax profile: a business error.
var ErrTaxSetup = errors.New("tax setup")

// MaxAmount bounds every amount billrun stores (numeric(18, 4) columns hold less than 10^14).
var MaxAmount = decimal.New(1, 14)

// ErrTooLarge marks an amount beyond MaxAmount: a business error, never a database overflow.
var ErrTooLarge = errors.New("amount too large")

func fits(what string, d decimal.Decimal) error {
	if d.Abs().GreaterThanOrEqual(MaxAmount) {
		return fmt.Errorf("%w: %s %s is beyond 10^14, the largest amount billrun stores", ErrTooLarge, what, d.String())
	}
	return nil
}

// CheckTotals refuses invoice totals beyond what billrun stores.
func CheckTotals(t Totals) error {
	for _, x := range []struct {
		what string
		d    decimal.Decimal
	}{{"invoice amount", t.Amount}, {"invoice total", t.Total}, {"invoice VAT", t.VAT}, {"invoice excise", t.Excise}} {
		if err := fits(x.what, x.d); err != nil {
			return err
		}
	}
	return nil
}

// ResolveDiscount picks the line's discount, else the customer's default (seed 004).
func ResolveDiscount(line *decimal.Decimal, customerDefault decimal.Decimal) decimal.Decimal {
	if line != nil {
		return *line
	}
	return customerDefault
}

// RoundMoney rounds half-up (away from zero) to the currency's decimals.
func RoundMoney(d decimal.Decimal, decimals int32) decimal.Decimal {
	return d.Round(decimals)
}

func pct(base, rate decimal.Decimal, decimals int32) decimal.Decimal {
	return RoundMoney(base.Mul(rate).Div(hundred), decimals)
}

// PriceLine prices one line (seed 004): amount = qty × price; discount from the resolved
// percentage; subtotal = amount − discount; excise on the subtotal at its rate, or by quota
// (quantity × the amount per unit); both withholdings on the subtotal; VAT on the
// subtotal, plus the excise when the policy says so (VATOnExcise), or none when the item is
// VAT-exempt; total = subtotal + VAT + excise − withholdings. Each figure is rounded per line.
func PriceLine(in LineInput, decimals int32, p PricingPolicy) (LineAmounts, error) {
	if err := checkTaxProfile(in); err != nil {
		return LineAmounts{}, err
	}
	if in.Quantity.Sign() <= 0 {
		return LineAmounts{}, fmt.Errorf("item %s: quantity %s must be positive", in.Item, in.Quantity)
	}
	if in.UnitPrice.IsNegative() {
		return LineAmounts{}, fmt.Errorf("item %s: unit price %s must not be negative", in.Item, in.UnitPrice)
	}
	d := in.DiscountPct
	if d.IsNegative() || d.GreaterThan(hundred) {
		return LineAmounts{}, fmt.Errorf("item %s: discount %s %% outside 0..100", in.Item, d)
	}
	if p.Discount9999Is100 && d.Equal(nearlyAll) {
		d = hundred
	}
	var a LineAmounts
	a.DiscountPct = d
	a.Amount = RoundMoney(in.Quantity.Mul(in.UnitPrice), decimals)
	a.Discount = pct(a.Amount, d, decimals)
	a.Subtotal = a.Amount.Sub(a.Discount)
	if err := exciseOf(&a, in, decimals); err != nil {
		return LineAmounts{}, err
	}
	a.VATBase = a.Subtotal
	if p.VATOnExcise {
		a.VATBase = a.Subtotal.Add(a.Excise)
	}
	if a.VATExempt = in.Tax.VATExempt; !a.VATExempt {
		a.VATRate = *in.Tax.VATRate
		a.VAT = pct(a.VATBase, a.VATRate, decimals)
	}
	a.VATWithholdingRate = in.Tax.VATWithholdingRate
	a.VATWithheld = pct(a.Subtotal, a.VATWithholdingRate, decimals)
	a.ISRWithholdingRate = in.Tax.ISRWithholdingRate
	a.ISRWithheld = pct(a.Subtotal, a.ISRWithholdingRate, decimals)
	a.Total = a.Subtotal.Add(a.VAT).Add(a.Excise).Sub(a.VATWithheld).Sub(a.ISRWithheld)
	for _, x := range []struct {
		what string
		d    decimal.Decimal
	}{{"amount", a.Amount}, {"VAT", a.VAT}, {"excise", a.Excise}, {"total", a.Total}} {
		if err := fits("item "+in.Item+" "+x.what, x.d); err != nil {
			return LineAmounts{}, err
		}
	}
	return a, nil
}

// checkTaxProfile refuses a tax profile pricing cannot apply: no VAT setup, rates outside
// 0..100, an exempt item with a VAT rate, an excise by quota and by rate at once.
func checkTaxProfile(in LineInput) error {
	tx := in.Tax
	switch {
	case tx.VATExempt && tx.VATRate != nil && !tx.VATRate.IsZero():
		return fmt.Errorf("%w: item %s is VAT-exempt and has a VAT rate %s: exempt is not a rate", ErrTaxSetup, in.Item, tx.VATRate)
	case !tx.VATExempt && tx.VATRate == nil:
		return fmt.Errorf("%w: item %s has no VAT rate in its tax profile", ErrTaxSetup, in.Item)
	case tx.ExciseQuota.IsNegative():
		return fmt.Errorf("%w: item %s has a negative excise quota %s", ErrTaxSetup, in.Item, tx.ExciseQuota)
	case tx.ExciseQuota.IsPositive() && !tx.ExciseRate.IsZero():
		return fmt.Errorf("%w: item %s has an excise quota %s and an excise rate %s: one or the other", ErrTaxSetup, in.Item, tx.ExciseQuota, tx.ExciseRate)
	}
	vat := decimal.Zero
	if tx.VATRate != nil {
		vat = *tx.VATRate
	}
	rates := []struct {
		name string
		rate decimal.Decimal
	}{
		{"VAT rate", vat}, {"excise rate", tx.ExciseRate},
		{"VAT withholding rate", tx.VATWithholdingRate}, {"ISR withholding rate", tx.ISRWithholdingRate},
	}
	for _, r := range rates {
		if r.rate.IsNegative() || r.rate.GreaterThan(hundred) {
			return fmt.Errorf("%w: item %s has %s %s, outside 0..100", ErrTaxSetup, in.Item, r.name, r.rate)
		}
	}
	return nil
}

// exciseOf prices the line's excise: at its rate on the subtotal, or by quota, quantity ×
// the amount per unit, rounded like every figure. SAT's CFDI states an excise by quota on
// the quantity as its Base, written to the currency's decimals, and wants a Base above 0
// on a concept with something to tax: a quantity with more decimals than the currency, or
// a line with nothing to charge (subtotal 0) and a quota to pay, is refused.
func exciseOf(a *LineAmounts, in LineInput, decimals int32) error {
	if !in.Tax.ExciseQuota.IsPositive() {
		a.ExciseRate = in.Tax.ExciseRate
		a.Excise = pct(a.Subtotal, a.ExciseRate, decimals)
		return nil
	}
	if !in.Quantity.Equal(in.Quantity.Round(decimals)) {
		return fmt.Errorf("%w: item %s has an excise by quota and quantity %s has more than the currency's %d decimals (the CFDI's Base of a quota is the quantity)",
			ErrTaxSetup, in.Item, in.Quantity, decimals)
	}
	if !a.Subtotal.IsPositive() {
		return fmt.Errorf("%w: item %s has an excise by quota of %s per unit on a line with nothing to charge (subtotal %s)",
			ErrTaxSetup, in.Item, in.Tax.ExciseQuota, a.Subtotal)
	}
	a.ExciseQuota = in.Tax.ExciseQuota
	a.Excise = RoundMoney(in.Quantity.Mul(a.ExciseQuota), decimals)
	return nil
}

// Totals are an invoice's sums of its rounded lines.
type Totals struct {
	Amount, Discount, Subtotal, VAT, Excise, VATWithheld, ISRWithheld, Total decimal.Decimal
}

// SumLines adds priced lines into invoice totals.
func SumLines(lines []LineAmounts) Totals {
	var s LineAmounts
	for _, l := range lines {
		s = SumAmounts(s, l)
	}
	return Totals{Amount: s.Amount, Discount: s.Discount, Subtotal: s.Subtotal, VAT: s.VAT, Excise: s.Excise,
		VATWithheld: s.VATWithheld, ISRWithheld: s.ISRWithheld, Total: s.Total}
}

// SumAmounts adds two priced lines figure by figure (an invoice's lines, a line's credits).
func SumAmounts(a, b LineAmounts) LineAmounts {
	a.Amount = a.Amount.Add(b.Amount)
	a.Discount = a.Discount.Add(b.Discount)
	a.Subtotal = a.Subtotal.Add(b.Subtotal)
	a.VATBase = a.VATBase.Add(b.VATBase)
	a.VAT = a.VAT.Add(b.VAT)
	a.Excise = a.Excise.Add(b.Excise)
	a.VATWithheld = a.VATWithheld.Add(b.VATWithheld)
	a.ISRWithheld = a.ISRWithheld.Add(b.ISRWithheld)
	a.Total = a.Total.Add(b.Total)
	return a
}
