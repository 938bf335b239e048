package rules

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var testAccounts = map[string]string{AccReceivable: "1105", AccRevenue: "4100", AccVATPayable: "2408", AccExcisePayable: "2409",
	AccVATWithheld: "1355", AccISRWithheld: "1356", AccCash: "1110", AccInventory: "1435", AccCostOfSales: "6135"}

func TestSaleEntry(t *testing.T) {
	d := decimal.RequireFromString
	got, err := SaleEntry(Sale{Accounts: testAccounts, Rate: d("1"), Decimals: 2, Lines: []SaleLine{
		{Subtotal: d("100"), VAT: d("16"), Excise: d("26.5"), Quantity: d("2"), UnitCost: d("30")},
		{RevenueAccount: "4150", Subtotal: d("1000"), VAT: d("160"), VATWithheld: d("106.67"), ISRWithheld: d("100")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Posting{
		{"6135", d("60"), d("0")}, {"1355", d("106.67"), d("0")}, {"1356", d("100"), d("0")}, {"1105", d("1095.83"), d("0")},
		{"4100", d("0"), d("100")}, {"2408", d("0"), d("176")}, {"2409", d("0"), d("26.5")}, {"1435", d("0"), d("60")}, {"4150", d("0"), d("1000")},
	}
	if len(got) != len(want) {
		t.Fatalf("postings %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Account != want[i].Account || !got[i].Debit.Equal(want[i].Debit) || !got[i].Credit.Equal(want[i].Credit) {
			t.Errorf("posting %d: %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := SaleEntry(Sale{Accounts: map[string]string{}, Lines: []SaleLine{{Subtotal: d("1")}}}); err == nil {
		t.Error("an entry with no revenue account was made")
	}
}

// Randomized sales in any currency always balance; their reverse balances; the receivable
// is within the rounding of each converted amount of total × rate.
func TestSaleEntriesBalance(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 3))
	for range 500 {
		s := Sale{Accounts: testAccounts, Rate: decimal.New(int64(1+r.IntN(2_000_000)), -4), Decimals: 2}
		total := decimal.Zero
		for range 1 + r.IntN(8) {
			sub := decimal.New(int64(r.IntN(10_000_000)), -2)
			l := SaleLine{Subtotal: sub, VAT: sub.Mul(decimal.New(16, -2)).Round(2)}
			if r.IntN(3) == 0 {
				l.VATWithheld, l.ISRWithheld = sub.Mul(decimal.New(106667, -6)).Round(2), sub.Mul(decimal.New(10, -2)).Round(2)
			}
			if r.IntN(2) == 0 {
				l.Quantity, l.UnitCost = decimal.NewFromInt(int64(1+r.IntN(9))), decimal.New(int64(r.IntN(100000)), -3)
			}
			s.Lines = append(s.Lines, l)
			total = total.Add(l.Subtotal).Add(l.VAT).Sub(l.VATWithheld).Sub(l.ISRWithheld)
		}
		ps, err := SaleEntry(s)
		if err != nil {
			t.Fatal(err)
		}
		if ok, sum := Balanced(ps); !ok || !sum.IsPositive() {
			t.Fatalf("unbalanced %v", ps)
		}
		if ok, _ := Balanced(Reverse(ps)); !ok {
			t.Fatal("the reverse does not balance")
		}
		var recv decimal.Decimal
		for _, p := range ps {
			if p.Account == "1105" {
				recv = recv.Add(p.Debit).Sub(p.Credit)
			}
		}
		tolerance := decimal.New(int64(5*(4*len(s.Lines)+1)), -3)
		if diff := recv.Sub(total.Mul(s.Rate)).Abs(); diff.GreaterThan(tolerance) {
			t.Fatalf("receivable %s, total × rate %s: off by %s", recv, total.Mul(s.Rate), diff)
		}
	}
}
