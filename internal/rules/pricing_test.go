package rules

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func dp(s string) *decimal.Decimal {
	v := d(s)
	return &v
}

func TestPriceLine(t *testing.T) {
	vat16 := TaxProfile{VATRate: dp("16")}
	cases := []struct {
		name   string
		in     LineInput
		policy PricingPolicy
		want   LineAmounts // only the fields checked below
	}{
		{"seed 004 line A", LineInput{Item: "A", Quantity: d("100"), UnitPrice: d("11.50"), Tax: vat16},
			PricingPolicy{}, LineAmounts{Amount: d("1150"), Subtotal: d("1150"), VAT: d("184"), Total: d("1334")}},
		{"seed 004 line B", LineInput{Item: "B", Quantity: d("200"), UnitPrice: d("10.00"), Tax: vat16},
			PricingPolicy{}, LineAmounts{Amount: d("2000"), Subtotal: d("2000"), VAT: d("320"), Total: d("2320")}},
		{"discount", LineInput{Item: "A", Quantity: d("3"), UnitPrice: d("33.33"), DiscountPct: d("10"), Tax: vat16},
			PricingPolicy{}, LineAmounts{Amount: d("99.99"), Discount: d("10.00"), Subtotal: d("89.99"), VAT: d("14.40"), Total: d("104.39")}},
		{"half-up at .005", LineInput{Item: "A", Quantity: d("1"), UnitPrice: d("0.125"), Tax: TaxProfile{VATRate: dp("0")}},
			PricingPolicy{}, LineAmounts{Amount: d("0.13"), Subtotal: d("0.13"), Total: d("0.13")}},
		{"VAT half-up", LineInput{Item: "A", Quantity: d("1"), UnitPrice: d("10.03125"), Tax: vat16},
			// amount 10.03 → VAT 1.6048 → 1.60
			PricingPolicy{}, LineAmounts{Amount: d("10.03"), Subtotal: d("10.03"), VAT: d("1.60"), Total: d("11.63")}},
		{"VAT exactly .005 rounds up", LineInput{Item: "A", Quantity: d("1"), UnitPrice: d("0.03125"), Tax: vat16},
			// amount 0.03 → VAT 0.0048 → 0.00; price chosen so the VAT base is exact below
			PricingPolicy{}, LineAmounts{Amount: d("0.03"), Subtotal: d("0.03"), VAT: d("0.00"), Total: d("0.03")}},
		{"withholdings (services, seed 004)", LineInput{Item: "S", Quantity: d("1"), UnitPrice: d("10000"),
			Tax: TaxProfile{VATRate: dp("16"), VATWithholdingRate: d("10.6667"), ISRWithholdingRate: d("10")}},
			PricingPolicy{}, LineAmounts{Amount: d("10000"), Subtotal: d("10000"), VAT: d("1600"), VATWithheld: d("1066.67"), ISRWithheld: d("1000"), Total: d("9533.33")}},
		{"excise", LineInput{Item: "T", Quantity: d("12"), UnitPrice: d("25.50"),
			Tax: TaxProfile{VATRate: dp("16"), ExciseRate: d("26.5")}},
			PricingPolicy{}, LineAmounts{Amount: d("306"), Subtotal: d("306"), VATBase: d("306"), VAT: d("48.96"), Excise: d("81.09"), Total: d("436.05")}},
		// LIVA art. 12: VAT on the price plus the IEPS charged: (306 + 81.09) × 16 % = 61.93.
		{"excise in VAT's base (Mexican law)", LineInput{Item: "T", Quantity: d("12"), UnitPrice: d("25.50"),
			Tax: TaxProfile{VATRate: dp("16"), ExciseRate: d("26.5")}},
			PricingPolicy{VATOnExcise: true}, LineAmounts{Amount: d("306"), Subtotal: d("306"), VATBase: d("387.09"), VAT: d("61.93"), Excise: d("81.09"), Total: d("449.02")}},
		{"99.99 stays 99.99 without the switch", LineInput{Item: "A", Quantity: d("1"), UnitPrice: d("100"), DiscountPct: d("99.99"), Tax: vat16},
			PricingPolicy{}, LineAmounts{Amount: d("100"), Discount: d("99.99"), Subtotal: d("0.01"), VAT: d("0.00"), Total: d("0.01")}},
		{"99.99 means 100 with the switch", LineInput{Item: "A", Quantity: d("1"), UnitPrice: d("100"), DiscountPct: d("99.99"), Tax: vat16},
			PricingPolicy{Discount9999Is100: true}, LineAmounts{Amount: d("100"), Discount: d("100"), Subtotal: d("0"), VAT: d("0"), Total: d("0")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := PriceLine(c.in, 2, c.policy)
			if err != nil {
				t.Fatal(err)
			}
			check := func(field string, g, w decimal.Decimal) {
				if !g.Equal(w) {
					t.Errorf("%s = %s, want %s", field, g, w)
				}
			}
			check("amount", got.Amount, c.want.Amount)
			check("discount", got.Discount, c.want.Discount)
			check("subtotal", got.Subtotal, c.want.Subtotal)
			check("VAT", got.VAT, c.want.VAT)
			if !c.want.VATBase.IsZero() {
				check("VAT base", got.VATBase, c.want.VATBase)
			}
			check("excise", got.Excise, c.want.Excise)
			check("VAT withheld", got.VATWithheld, c.want.VATWithheld)
			check("ISR withheld", got.ISRWithheld, c.want.ISRWithheld)
			check("total", got.Total, c.want.Total)
		})
	}
}

func TestSeed004Invoice(t *testing.T) {
	vat16 := TaxProfile{VATRate: dp("16")}
	a, _ := PriceLine(LineInput{Item: "A", Quantity: d("100"), UnitPrice: d("11.50"), Tax: vat16}, 2, PricingPolicy{})
	b, _ := PriceLine(LineInput{Item: "B", Quantity: d("200"), UnitPrice: d("10.00"), Tax: vat16}, 2, PricingPolicy{})
	tot := SumLines([]LineAmounts{a, b})
	if !tot.Subtotal.Equal(d("3150.00")) || !tot.VAT.Equal(d("504.00")) || !tot.Total.Equal(d("3654.00")) {
		t.Fatalf("seed 004 totals: subtotal %s VAT %s total %s, want 3150.00 504.00 3654.00", tot.Subtotal, tot.VAT, tot.Total)
	}
}

func TestRoundMoneyHalfUp(t *testing.T) {
	for in, want := range map[string]string{"0.005": "0.01", "0.015": "0.02", "0.025": "0.03", "2.675": "2.68", "0.0049": "0", "1.9950": "2"} {
		if got := RoundMoney(d(in), 2); !got.Equal(d(want)) {
			t.Errorf("RoundMoney(%s) = %s, want %s", in, got, want)
		}
	}
	if got := RoundMoney(d("10.5"), 0); !got.Equal(d("11")) {
		t.Errorf("zero-decimal currency: %s", got)
	}
}

func TestPriceLineRefusesBadTaxSetup(t *testing.T) {
	_, err := PriceLine(LineInput{Item: "X", Quantity: d("1"), UnitPrice: d("1")}, 2, PricingPolicy{})
	if !errors.Is(err, ErrTaxSetup) {
		t.Fatalf("missing VAT rate: err = %v, want ErrTaxSetup", err)
	}
	_, err = PriceLine(LineInput{Item: "X", Quantity: d("1"), UnitPrice: d("1"), Tax: TaxProfile{VATRate: dp("16"), ExciseRate: d("-1")}}, 2, PricingPolicy{})
	if !errors.Is(err, ErrTaxSetup) {
		t.Fatalf("negative excise: err = %v, want ErrTaxSetup", err)
	}
	if _, err = PriceLine(LineInput{Item: "X", Quantity: d("0"), UnitPrice: d("1"), Tax: TaxProfile{VATRate: dp("16")}}, 2, PricingPolicy{}); err == nil {
		t.Fatal("zero quantity accepted")
	}
}

func TestResolveDiscount(t *testing.T) {
	if got := ResolveDiscount(nil, d("5")); !got.Equal(d("5")) {
		t.Errorf("no line discount: %s, want the customer's 5", got)
	}
	if got := ResolveDiscount(dp("0"), d("5")); !got.Equal(d("0")) {
		t.Errorf("explicit 0 line discount: %s, want 0", got)
	}
}
