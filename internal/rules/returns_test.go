package rules

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// returnLine is a seed-001-shaped order line: item B at a price, 16 % VAT, positive
// quantity for a sale, Return for a return order's.
func returnLine(customer, doc string, line int, qty, price string, ret bool) SourceLine {
	vat := d("16")
	return SourceLine{
		Billable: Billable{SourceKind: "order_line", SourceID: int64(len(doc)*1000 + line), SourceDoc: doc, LineNo: line,
			Issuer: "EKU", Series: "A", DocumentKind: "invoice", Payer: customer, Partner: customer, Currency: "MXN",
			PaymentTerms: "NET30", PayerMethod: MethodCombined, Return: ret},
		Ref: fmt.Sprintf("%s line %d", doc, line), Customer: customer, Item: "B", Warehouse: "CENTRAL",
		Quantity: d(qty), UnitPrice: d(price), Decimals: 2, Tax: TaxProfile{VATRate: &vat},
	}
}

func TestScreenReturns(t *testing.T) {
	routes := map[string]ReturnRoute{"A": {Series: "NC"}, "X": {}, "U": {Series: "UNC", CFE: true}}
	sale := returnLine("C1", "order 1", 1, "5", "10", false)
	ok := returnLine("C1", "order 2", 1, "5", "10", true)
	noSeries1, noSeries2 := returnLine("C1", "order 3", 1, "5", "10", true), returnLine("C1", "order 3", 2, "5", "10", true)
	noSeries1.Series, noSeries2.Series = "X", "X"
	cfe := returnLine("C1", "order 4", 1, "5", "10", true)
	cfe.Series = "U"
	saleOfX := returnLine("C1", "order 5", 1, "5", "10", false)
	saleOfX.Series = "X" // a sale needs no credit note series
	billed, skipped := ScreenReturns([]SourceLine{sale, ok, noSeries1, noSeries2, cfe, saleOfX}, routes)
	if len(billed) != 3 || billed[0].Ref != sale.Ref || billed[1].Ref != ok.Ref || billed[2].Ref != saleOfX.Ref {
		t.Errorf("billed %v", billed)
	}
	want := map[string]string{"order 3 line 1": SkipReturnNoCreditSeries, "order 3 line 2": SkipReturnNoCreditSeries, "order 4 line 1": SkipReturnCFE}
	if len(skipped) != len(want) {
		t.Fatalf("skipped %v", skipped)
	}
	for _, s := range skipped {
		if want[s.Ref] != s.Reason {
			t.Errorf("%s: %q, want %q", s.Ref, s.Reason, want[s.Ref])
		}
	}
}

// Seed 001's example, as TestReturnOrdersNetInTheBatch bills it: a group's returns are a
// credit note of the series' credit note series beside its invoice; what each customer
// owes once the credit is settled is its sales less its returns.
func TestReturnsBecomeCreditNotes(t *testing.T) {
	lines := []SourceLine{
		returnLine("FORSETI", "order 1601", 1, "100", "10", false),
		returnLine("FORSETI", "order 1602", 1, "30", "10", true),
		returnLine("KEMPER", "order 1603", 1, "5", "10", true),
		returnLine("SOCIO", "order 1604", 1, "10", "10", false),
		returnLine("SOCIO", "order 1605", 1, "20", "10", true),
	}
	invs := GroupInvoices(lines, PlanOptions{Grouping: GroupByEntity, CreditSeries: map[string]string{"A": "NC"}}, 1)
	var got []string
	for _, inv := range invs {
		got = append(got, fmt.Sprintf("%d %s %s %s %s %v", inv.GroupNo, inv.Head.Payer, inv.Head.DocumentKind, inv.Head.Series, inv.Totals.Total.StringFixed(2), inv.Sources))
	}
	want := []string{
		"1 FORSETI invoice A 1160.00 [order 1601]",
		"2 FORSETI credit_note NC 348.00 [order 1602]",
		"3 KEMPER credit_note NC 58.00 [order 1603]",
		"4 SOCIO invoice A 116.00 [order 1604]",
		"5 SOCIO credit_note NC 232.00 [order 1605]",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("documents\n got %v\nwant %v", got, want)
	}
	net := Net(invs)
	for c, w := range map[string]string{"FORSETI": "812", "KEMPER": "-58", "SOCIO": "-116"} {
		if !net[[2]string{c, "MXN"}].Equal(d(w)) {
			t.Errorf("%s nets %s, want %s", c, net[[2]string{c, "MXN"}], w)
		}
	}
	for _, c := range []struct {
		invoices, credits, owed, refund []string
	}{
		{[]string{"1160"}, []string{"348"}, []string{"812"}, []string{"0"}},                     // importe restante
		{nil, []string{"58"}, nil, []string{"58"}},                                              // returns only: a credit
		{[]string{"116"}, []string{"232"}, []string{"0"}, []string{"116"}},                      // returns outweigh sales
		{[]string{"100", "50"}, []string{"120", "20"}, []string{"0", "10"}, []string{"0", "0"}}, // several of each, in order
	} {
		n := SettleReturns(decs(c.invoices), decs(c.credits))
		if fmt.Sprint(n.Owed) != fmt.Sprint(decs(c.owed)) || fmt.Sprint(n.Refund) != fmt.Sprint(decs(c.refund)) {
			t.Errorf("settle %v against %v: owed %v refund %v, want %v %v", c.credits, c.invoices, n.Owed, n.Refund, c.owed, c.refund)
		}
	}
}

func decs(ss []string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(ss))
	for i, s := range ss {
		out[i] = d(s)
	}
	return out
}

// Over random mixes of orders and return orders, under every grouping and line limit:
// no document mixes sales and returns or has a negative figure, returns are credit notes
// of the credit note series, and per customer and currency the documents sum — to the
// cent — to the sources (sales less returns, each line priced alone); once the credits
// are settled against the invoices, in any order, what is owed less what is owed back is
// that same net.
func TestReturnNettingSumsToTheSources(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 40).Draw(t, "n")
		lines := make([]SourceLine, n)
		want := map[[2]string]decimal.Decimal{}
		for i := range lines {
			customer := rapid.SampledFrom([]string{"C1", "C2", "C3"}).Draw(t, "customer")
			doc := fmt.Sprintf("order %d", rapid.IntRange(1, 8).Draw(t, "doc"))
			ret := rapid.IntRange(0, 2).Draw(t, "return") == 0
			qty := decimal.New(rapid.Int64Range(1, 500000).Draw(t, "qty"), -2)
			price := decimal.New(rapid.Int64Range(0, 10000000).Draw(t, "price"), -4)
			l := returnLine(customer, doc, i+1, "1", "1", ret)
			l.Return = ret
			l.Quantity, l.UnitPrice = qty, price
			l.Currency = rapid.SampledFrom([]string{"MXN", "USD"}).Draw(t, "currency")
			l.PayerMethod = rapid.SampledFrom([]string{MethodCombined, MethodPerOrder}).Draw(t, "method")
			vat := decimal.NewFromInt(int64(rapid.SampledFrom([]int{0, 8, 16}).Draw(t, "vat")))
			disc := decimal.New(rapid.Int64Range(0, 10000).Draw(t, "discount"), -2)
			l.Tax.VATRate, l.LineDiscount = &vat, &disc
			lines[i] = l
			a, err := PriceLine(LineInput{Item: l.Item, Quantity: qty, UnitPrice: price, DiscountPct: disc, Tax: l.Tax}, 2, PricingPolicy{})
			if err != nil {
				t.Fatal(err)
			}
			k := [2]string{customer, l.Currency}
			if ret {
				want[k] = want[k].Sub(a.Total)
			} else {
				want[k] = want[k].Add(a.Total)
			}
		}
		o := PlanOptions{Grouping: rapid.SampledFrom([]string{GroupNone, GroupByEntity, GroupPerCustomer, GroupPerLine}).Draw(t, "grouping"),
			CreditSeries: map[string]string{"A": "NC"}}
		maxLines := rapid.IntRange(0, 3).Draw(t, "maxLines")
		for i := range lines {
			lines[i].MaxLines = maxLines // one series, one limit
		}
		invs := GroupInvoices(lines, o, 1)
		seen := 0
		invoices, credits := map[[2]string][]decimal.Decimal{}, map[[2]string][]decimal.Decimal{}
		for _, inv := range invs {
			if inv.Problem != "" {
				t.Fatalf("group %d: %s", inv.GroupNo, inv.Problem)
			}
			credit := inv.Head.DocumentKind == "credit_note"
			if credit != (inv.Head.Series == "NC") {
				t.Fatalf("group %d: %s numbered in %s", inv.GroupNo, inv.Head.DocumentKind, inv.Head.Series)
			}
			for _, l := range inv.Lines {
				seen++
				if l.Return != credit {
					t.Fatalf("group %d (%s) holds %s (return %v)", inv.GroupNo, inv.Head.DocumentKind, l.Ref, l.Return)
				}
				if l.Amounts.Total.IsNegative() || l.Amounts.Subtotal.IsNegative() {
					t.Fatalf("%s: a negative figure %v", l.Ref, l.Amounts)
				}
			}
			k := [2]string{inv.Head.Payer, inv.Head.Currency}
			if credit {
				credits[k] = append(credits[k], inv.Totals.Total)
			} else {
				invoices[k] = append(invoices[k], inv.Totals.Total)
			}
		}
		if seen != n {
			t.Fatalf("%d lines in documents, %d selected", seen, n)
		}
		net := Net(invs)
		for k, w := range want {
			if !net[k].Equal(w) {
				t.Fatalf("%v: documents sum to %s, sources to %s", k, net[k], w)
			}
			for _, reversed := range []bool{false, true} {
				cs := append([]decimal.Decimal(nil), credits[k]...)
				if reversed { // the steps run in parallel: any order settles to the same net
					for i, j := 0, len(cs)-1; i < j; i, j = i+1, j-1 {
						cs[i], cs[j] = cs[j], cs[i]
					}
				}
				s := SettleReturns(invoices[k], cs)
				total := decimal.Zero
				for i, o := range s.Owed {
					if o.IsNegative() || o.GreaterThan(invoices[k][i]) {
						t.Fatalf("%v: invoice %d owes %s of %s", k, i, o, invoices[k][i])
					}
					total = total.Add(o)
				}
				for _, r := range s.Refund {
					if r.IsNegative() {
						t.Fatalf("%v: a negative refund %s", k, r)
					}
					total = total.Sub(r)
				}
				if !total.Equal(w) {
					t.Fatalf("%v: settled to %s (owed less owed back), sources %s", k, total, w)
				}
			}
		}
	})
}
