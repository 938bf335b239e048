package rules

import (
	"errors"
	"strings"
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

// Seed 004's IEPS by quota (TipoFactor Cuota: an amount per unit, as on fuels, tobacco and
// sugary drinks) and VAT-exempt items (TipoFactor Exento, not VAT at 0 %).
func TestPriceLineQuotaAndExempt(t *testing.T) {
	quota := TaxProfile{VATRate: dp("16"), ExciseQuota: d("1.6451")}
	cases := []struct {
		name     string
		in       LineInput
		decimals int32
		policy   PricingPolicy
		want     LineAmounts
	}{
		// 120 l × 1.6451 = 197.412 → 197.41; VAT on the price plus the IEPS: (2220 + 197.41) × 16 % = 386.7856 → 386.79.
		{"quota, VAT on excise", LineInput{Item: "REFRESCO", Quantity: d("120"), UnitPrice: d("18.50"), Tax: quota}, 2, PricingPolicy{VATOnExcise: true},
			LineAmounts{Subtotal: d("2220"), ExciseQuota: d("1.6451"), Excise: d("197.41"), VATBase: d("2417.41"), VAT: d("386.79"), Total: d("2804.20")}},
		{"quota, VAT on the subtotal (the seed's way)", LineInput{Item: "REFRESCO", Quantity: d("120"), UnitPrice: d("18.50"), Tax: quota}, 2, PricingPolicy{},
			LineAmounts{Subtotal: d("2220"), ExciseQuota: d("1.6451"), Excise: d("197.41"), VATBase: d("2220"), VAT: d("355.20"), Total: d("2772.61")}},
		// The quota is per unit: a discount lowers the price, not the excise.
		{"quota ignores the discount", LineInput{Item: "REFRESCO", Quantity: d("10"), UnitPrice: d("18.50"), DiscountPct: d("50"), Tax: quota}, 2, PricingPolicy{},
			LineAmounts{Subtotal: d("92.50"), ExciseQuota: d("1.6451"), Excise: d("16.45"), VATBase: d("92.50"), VAT: d("14.80"), Total: d("123.75")}},
		{"quota, half-up", LineInput{Item: "REFRESCO", Quantity: d("3.5"), UnitPrice: d("10"), Tax: TaxProfile{VATRate: dp("0"), ExciseQuota: d("0.003")}}, 2, PricingPolicy{},
			// 3.5 × 0.003 = 0.0105 → 0.01
			LineAmounts{Subtotal: d("35"), ExciseQuota: d("0.003"), Excise: d("0.01"), VATBase: d("35"), Total: d("35.01")}},
		{"quota, currency without decimals", LineInput{Item: "REFRESCO", Quantity: d("3"), UnitPrice: d("100"), Tax: quota}, 0, PricingPolicy{VATOnExcise: true},
			// 3 × 1.6451 = 4.9353 → 5; (300 + 5) × 16 % = 48.8 → 49
			LineAmounts{Subtotal: d("300"), ExciseQuota: d("1.6451"), Excise: d("5"), VATBase: d("305"), VAT: d("49"), Total: d("354")}},
		{"exempt", LineInput{Item: "CONSULTA", Quantity: d("1"), UnitPrice: d("850"), Tax: TaxProfile{VATExempt: true}}, 2, PricingPolicy{VATOnExcise: true},
			LineAmounts{Subtotal: d("850"), VATExempt: true, VATBase: d("850"), Total: d("850")}},
		{"exempt with withholding", LineInput{Item: "CONSULTA", Quantity: d("2"), UnitPrice: d("850"), Tax: TaxProfile{VATExempt: true, VATRate: dp("0"), ISRWithholdingRate: d("10")}}, 2, PricingPolicy{},
			LineAmounts{Subtotal: d("1700"), VATExempt: true, VATBase: d("1700"), ISRWithheld: d("170"), Total: d("1530")}},
		{"exempt with an excise by quota", LineInput{Item: "X", Quantity: d("4"), UnitPrice: d("5"), Tax: TaxProfile{VATExempt: true, ExciseQuota: d("0.5")}}, 2, PricingPolicy{VATOnExcise: true},
			LineAmounts{Subtotal: d("20"), VATExempt: true, ExciseQuota: d("0.5"), Excise: d("2"), VATBase: d("22"), Total: d("22")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := PriceLine(c.in, c.decimals, c.policy)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range []struct {
				field string
				g, w  decimal.Decimal
			}{{"subtotal", got.Subtotal, c.want.Subtotal}, {"excise quota", got.ExciseQuota, c.want.ExciseQuota}, {"excise", got.Excise, c.want.Excise},
				{"excise rate", got.ExciseRate, decimal.Zero}, {"VAT base", got.VATBase, c.want.VATBase}, {"VAT", got.VAT, c.want.VAT},
				{"ISR withheld", got.ISRWithheld, c.want.ISRWithheld}, {"total", got.Total, c.want.Total}} {
				if !x.g.Equal(x.w) {
					t.Errorf("%s = %s, want %s", x.field, x.g, x.w)
				}
			}
			if got.VATExempt != c.want.VATExempt || (got.VATExempt && !got.VATRate.IsZero()) {
				t.Errorf("exempt = %v at rate %s, want %v", got.VATExempt, got.VATRate, c.want.VATExempt)
			}
		})
	}
}

func TestPriceLineRefusesQuotaAndExemptMisuse(t *testing.T) {
	cases := []struct {
		name string
		in   LineInput
		want string
	}{
		{"quota and rate", LineInput{Quantity: d("1"), UnitPrice: d("1"), Tax: TaxProfile{VATRate: dp("16"), ExciseRate: d("8"), ExciseQuota: d("1")}}, "one or the other"},
		{"negative quota", LineInput{Quantity: d("1"), UnitPrice: d("1"), Tax: TaxProfile{VATRate: dp("16"), ExciseQuota: d("-1")}}, "negative excise quota"},
		{"exempt with a rate", LineInput{Quantity: d("1"), UnitPrice: d("1"), Tax: TaxProfile{VATRate: dp("16"), VATExempt: true}}, "exempt is not a rate"},
		{"quota on a quantity finer than the currency", LineInput{Quantity: d("1.255"), UnitPrice: d("1"), Tax: TaxProfile{VATRate: dp("16"), ExciseQuota: d("1")}}, "more than the currency's 2 decimals"},
		{"quota on nothing to charge", LineInput{Quantity: d("2"), UnitPrice: d("1"), DiscountPct: d("100"), Tax: TaxProfile{VATRate: dp("16"), ExciseQuota: d("1")}}, "nothing to charge"},
	}
	for _, c := range cases {
		c.in.Item = "X"
		_, err := PriceLine(c.in, 2, PricingPolicy{})
		if !errors.Is(err, ErrTaxSetup) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrTaxSetup saying %q", c.name, err, c.want)
		}
	}
}

// A rebate gives back no excise by quota (the units stay sold); a return gives back the
// quota of the units returned, and all of it with the last of them.
func TestCreditOfQuotaLine(t *testing.T) {
	tax := TaxProfile{VATRate: dp("16"), ExciseQuota: d("1.6451")}
	p := PricingPolicy{VATOnExcise: true}
	billed, err := PriceLine(LineInput{Item: "R", Quantity: d("120"), UnitPrice: d("18.50"), Tax: tax}, 2, p)
	if err != nil {
		t.Fatal(err)
	}
	l := InvoicedLine{LineNo: 1, Item: "R", Quantity: d("120"), UnitPrice: d("18.50"), Tax: tax, Billed: billed}
	rebate, err := PriceCredit(CreditRebate, l, CreditLine{LineNo: 1, UnitAmount: d("1")}, 2, p)
	if err != nil {
		t.Fatal(err)
	}
	if !rebate.Excise.IsZero() || !rebate.ExciseQuota.IsZero() || !rebate.VAT.Equal(d("19.20")) {
		t.Errorf("rebate: excise %s (quota %s), VAT %s; want 0, 0, 19.20", rebate.Excise, rebate.ExciseQuota, rebate.VAT)
	}
	first, err := PriceCredit(CreditReturn, l, CreditLine{LineNo: 1, Quantity: d("20")}, 2, p)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Excise.Equal(d("32.90")) || !first.ExciseQuota.Equal(d("1.6451")) { // 197.41 × 20/120 = 32.9017
		t.Errorf("return of 20: excise %s at quota %s, want 32.90 at 1.6451", first.Excise, first.ExciseQuota)
	}
	l.Returned, l.Credited = d("20"), first
	rest, err := PriceCredit(CreditReturn, l, CreditLine{LineNo: 1, Quantity: d("100")}, 2, p)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Excise.Add(rest.Excise).Equal(billed.Excise) {
		t.Errorf("returns add to %s of excise, billed %s", first.Excise.Add(rest.Excise), billed.Excise)
	}
}
