package rules

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func seed004B(t *testing.T) InvoicedLine {
	t.Helper()
	tax := TaxProfile{VATRate: dp("16")}
	b, err := PriceLine(LineInput{Item: "B", Quantity: d("200"), UnitPrice: d("10.00"), Tax: tax}, 2, PricingPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	return InvoicedLine{LineNo: 2, Item: "B", Quantity: d("200"), UnitPrice: d("10.00"), Tax: tax, Billed: b}
}

// Seed 004: a return of 100 kg of B is 1000.00 + 160.00 VAT = 1160.00; a rebate of 1.00 per
// kg on B's 200 kg is 200.00 + 32.00 = 232.00.
func TestSeed004CreditNotes(t *testing.T) {
	b := seed004B(t)
	ret, err := PriceCredit(CreditReturn, b, CreditLine{LineNo: 2, Quantity: d("100")}, 2, PricingPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	if !ret.Subtotal.Equal(d("1000")) || !ret.VAT.Equal(d("160")) || !ret.Total.Equal(d("1160")) {
		t.Errorf("return: %s + %s = %s, want 1000.00 + 160.00 = 1160.00", ret.Subtotal, ret.VAT, ret.Total)
	}
	reb, err := PriceCredit(CreditRebate, b, CreditLine{LineNo: 2, UnitAmount: d("1.00")}, 2, PricingPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	if !reb.Subtotal.Equal(d("200")) || !reb.VAT.Equal(d("32")) || !reb.Total.Equal(d("232")) {
		t.Errorf("rebate: %s + %s = %s, want 200.00 + 32.00 = 232.00", reb.Subtotal, reb.VAT, reb.Total)
	}
	// The same rebate as a percent of the price.
	if pct, err := PriceCredit(CreditRebate, b, CreditLine{LineNo: 2, Percent: d("10")}, 2, PricingPolicy{}); err != nil || !pct.Total.Equal(d("232")) {
		t.Errorf("rebate of 10 %%: %v %v", pct.Total, err)
	}
	// After the return, a rebate applies to the 100 kg kept.
	b.Returned, b.Credited = d("100"), ret
	if reb, err := PriceCredit(CreditRebate, b, CreditLine{LineNo: 2, UnitAmount: d("1.00")}, 2, PricingPolicy{}); err != nil || !reb.Total.Equal(d("116")) {
		t.Errorf("rebate after return: %v %v, want 116.00", reb.Total, err)
	}
}

func TestCreditRequestsRefused(t *testing.T) {
	b := seed004B(t)
	rebated := b
	rebated.Rebated = d("9.50")
	for _, c := range []struct {
		name string
		kind string
		line InvoicedLine
		req  CreditLine
		want string
	}{
		{"return more than invoiced", CreditReturn, b, CreditLine{Quantity: d("200.0001")}, "more than the 200 invoiced"},
		{"return nothing", CreditReturn, b, CreditLine{}, "quantity above 0"},
		{"return with 5 decimals", CreditReturn, b, CreditLine{Quantity: d("1.00001")}, "more than 4 decimals"},
		{"negative", CreditReturn, b, CreditLine{Quantity: d("-1")}, "must not be negative"},
		{"rebate above price", CreditRebate, b, CreditLine{UnitAmount: d("10.01")}, "more than the price 10"},
		{"rebate above price less rebates", CreditRebate, rebated, CreditLine{UnitAmount: d("0.51")}, "less 9.5 already rebated"},
		{"rebate both ways", CreditRebate, b, CreditLine{UnitAmount: d("1"), Percent: d("1")}, "not both"},
		{"rebate over 100 %", CreditRebate, b, CreditLine{Percent: d("101")}, "above 100"},
		{"rebate of nothing", CreditRebate, b, CreditLine{}, "amount or a percent above 0"},
		{"rebate on more than kept", CreditRebate, b, CreditLine{UnitAmount: d("1"), Quantity: d("201")}, "more than the 200 invoiced"},
		{"rebate rounding to 0", CreditRebate, b, CreditLine{UnitAmount: d("0.00001"), Quantity: d("1")}, "rounds to 0"},
		{"unknown kind", "gift", b, CreditLine{Quantity: d("1")}, "unknown credit note kind"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := PriceCredit(c.kind, c.line, c.req, 2, PricingPolicy{})
			if !errors.Is(err, ErrCreditRequest) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrCreditRequest saying %q", err, c.want)
			}
		})
	}
}

// Property: returning a line in random parts credits exactly what it billed, to the cent,
// whatever its rates, discount and currency decimals; no part goes past it.
func TestReturnsInPartsAddUpToTheLine(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 4))
	for i := 0; i < 2000; i++ {
		decimals := int32([]int{0, 2, 2, 3}[r.IntN(4)])
		tax := TaxProfile{VATRate: dp([]string{"0", "8", "16"}[r.IntN(3)]), ExciseRate: d([]string{"0", "0", "26.5", "53"}[r.IntN(4)]),
			VATWithholdingRate: d([]string{"0", "0", "10.6667"}[r.IntN(3)]), ISRWithholdingRate: d([]string{"0", "0", "10", "1.25"}[r.IntN(4)])}
		l := InvoicedLine{LineNo: 1, Item: "X", Quantity: decimal.New(int64(1+r.IntN(50000)), -2),
			UnitPrice: decimal.New(int64(1+r.IntN(10000000)), -4), DiscountPct: decimal.New(int64(r.IntN(5000)), -2), Tax: tax}
		policy := PricingPolicy{VATOnExcise: r.IntN(2) == 0}
		var err error
		if l.Billed, err = PriceLine(LineInput{Item: "X", Quantity: l.Quantity, UnitPrice: l.UnitPrice, DiscountPct: l.DiscountPct, Tax: tax}, decimals, policy); err != nil {
			t.Fatal(err)
		}
		if !l.Billed.Total.IsPositive() {
			continue
		}
		for parts := 0; l.Returned.LessThan(l.Quantity); parts++ {
			left := l.Quantity.Sub(l.Returned)
			q := left
			if parts < 4 && r.IntN(3) > 0 {
				q = decimal.New(int64(1+r.IntN(int(left.Shift(2).IntPart()))), -2)
			}
			a, err := PriceCredit(CreditReturn, l, CreditLine{LineNo: 1, Quantity: q}, decimals, policy)
			if err != nil {
				if strings.Contains(err.Error(), "rounds to 0") || strings.Contains(err.Error(), "past its invoiced total") {
					q = left // a sliver too small to credit, or one that rounding would push over: return the rest
					if a, err = PriceCredit(CreditReturn, l, CreditLine{LineNo: 1, Quantity: q}, decimals, policy); err != nil {
						if strings.Contains(err.Error(), "rounds to 0") && l.Credited.Total.Equal(l.Billed.Total) {
							break // earlier parts took every cent: the last sliver has nothing to credit
						}
						t.Fatalf("case %d: return of the rest %s: %v", i, q, err)
					}
				} else {
					t.Fatalf("case %d: return %s of %+v: %v", i, q, l, err)
				}
			}
			for _, x := range []decimal.Decimal{a.Amount, a.Discount, a.Subtotal, a.VAT, a.Excise, a.VATWithheld, a.ISRWithheld} {
				if x.IsNegative() {
					t.Fatalf("case %d: a return of %s credits a negative figure: %+v", i, q, a)
				}
			}
			l.Returned = l.Returned.Add(q)
			l.Credited = SumAmounts(l.Credited, a)
		}
		for _, f := range []struct {
			name      string
			got, want decimal.Decimal
		}{{"total", l.Credited.Total, l.Billed.Total}, {"subtotal", l.Credited.Subtotal, l.Billed.Subtotal}, {"VAT", l.Credited.VAT, l.Billed.VAT},
			{"excise", l.Credited.Excise, l.Billed.Excise}, {"ISR withheld", l.Credited.ISRWithheld, l.Billed.ISRWithheld}} {
			if !f.got.Equal(f.want) {
				t.Fatalf("case %d: returns credited %s %s, the line billed %s", i, f.name, f.got, f.want)
			}
		}
	}
}

func TestApplyCredit(t *testing.T) {
	for _, c := range []struct{ balance, credit, applied, refund string }{
		{"3654", "1160", "1160", "0"}, {"100", "1160", "100", "1060"}, {"0", "232", "0", "232"}, {"-5", "10", "0", "10"},
	} {
		a, r := ApplyCredit(d(c.balance), d(c.credit))
		if !a.Equal(d(c.applied)) || !r.Equal(d(c.refund)) {
			t.Errorf("ApplyCredit(%s, %s) = %s, %s; want %s, %s", c.balance, c.credit, a, r, c.applied, c.refund)
		}
	}
}
