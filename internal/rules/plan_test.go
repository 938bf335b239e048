package rules

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func planLine(doc string, line int, payer, series string, price string, generic bool) SourceLine {
	vat := d("16")
	return SourceLine{
		Billable: Billable{SourceKind: "order_line", SourceID: int64(len(doc)*1000 + line), SourceDoc: doc, LineNo: line,
			Issuer: "I", Series: series, DocumentKind: "invoice", Payer: payer, Partner: payer, Currency: "MXN",
			PaymentTerms: "NET30", PayerMethod: MethodCombined},
		Ref: doc + " line", Customer: payer, Item: "P", Quantity: d("2"), UnitPrice: d(price), Generic: generic,
		Decimals: 2, Tax: TaxProfile{VATRate: &vat},
	}
}

func TestPlanScreensGroupsAndPrices(t *testing.T) {
	lines := []SourceLine{
		planLine("order 1", 1, "C1", "A", "10.00", false),
		planLine("order 1", 2, "C1", "A", "5.00", false),
		planLine("order 2", 1, "C1", "A", "1.00", false),
		planLine("order 3", 1, "GEN", "A", "10.00", true), // the generic customer's whole order is skipped
		planLine("order 4", 1, "C2", "A", "10.00", false),
		planLine("order 4", 2, "C2", "A", "0", false), // a zero-priced line skips its whole order
		planLine("order 5", 1, "C3", "T", "10.00", false),
	}
	lines[6].MaxLines = 1
	p := Plan(lines, PlanOptions{Grouping: GroupByEntity})
	if len(p.Skipped) != 3 {
		t.Fatalf("skipped %d lines, want 3 (order 3, both lines of order 4)", len(p.Skipped))
	}
	for _, s := range p.Skipped {
		want := SkipZeroPrice
		if s.SourceDoc == "order 3" {
			want = SkipGenericCustomer
		}
		if s.Reason != want {
			t.Errorf("%s skipped for %q, want %q", s.SourceDoc, s.Reason, want)
		}
	}
	// Series A: C1's three lines in one invoice (by entity); series T after it.
	if len(p.Invoices) != 2 || p.Invoices[0].Head.Series != "A" || len(p.Invoices[0].Lines) != 3 || p.Invoices[1].Head.Series != "T" {
		t.Fatalf("invoices %+v", p.Invoices)
	}
	if got := p.Invoices[0].Totals.Total.StringFixed(2); got != "37.12" { // (20 + 10 + 2) × 1.16
		t.Errorf("total %s, want 37.12", got)
	}
	if strings.Join(p.Invoices[0].Sources, ",") != "order 1,order 2" {
		t.Errorf("sources %v", p.Invoices[0].Sources)
	}
	for i, inv := range p.Invoices {
		if inv.GroupNo != i+1 {
			t.Errorf("group numbers %d at %d", inv.GroupNo, i)
		}
	}

	// Zero-priced lines are billed when the batch allows them.
	p = Plan(lines, PlanOptions{Grouping: GroupNone, AllowZeroPrice: true})
	if len(p.Skipped) != 1 || len(p.Invoices) != 4 {
		t.Fatalf("with zero prices allowed: %d skipped, %d invoices", len(p.Skipped), len(p.Invoices))
	}
}

func TestPlanMarksAnInvoiceItCannotPrice(t *testing.T) {
	bad := planLine("order 1", 2, "C1", "A", "5.00", false)
	bad.Item, bad.Tax = "NOTAX", TaxProfile{}
	p := Plan([]SourceLine{planLine("order 1", 1, "C1", "A", "10.00", false), bad}, PlanOptions{Grouping: GroupNone})
	inv := p.Invoices[0]
	if !strings.Contains(inv.Problem, "item NOTAX has no VAT rate") || !inv.Totals.Total.IsZero() || !inv.Lines[0].Priced || inv.Lines[1].Priced {
		t.Fatalf("problem %q, total %s, priced %v/%v", inv.Problem, inv.Totals.Total, inv.Lines[0].Priced, inv.Lines[1].Priced)
	}
}

func TestRouteDocumentKinds(t *testing.T) {
	lines := []SourceLine{planLine("order 1", 1, "C1", "A", "1", false), planLine("order 2", 1, "C2", "A", "1", false),
		planLine("order 3", 1, "C3", "P", "1", false), planLine("order 4", 1, "C4", "P", "1", false)}
	lines[1].TaxIDKind, lines[2].TaxIDKind, lines[3].TaxIDKind = "national_id", "national_id", "tax_registration"
	RouteDocumentKinds(lines, Routes{
		{"", "national_id"}:  {Series: "T", Issuer: "I2", DocumentKind: "ticket", MaxLines: 5},
		{"P", "national_id"}: {Series: "Q", Issuer: "I3", DocumentKind: "ticket"},
	})
	got := []string{}
	for _, l := range lines {
		got = append(got, l.Series+"/"+l.DocumentKind+"/"+l.Issuer)
	}
	// Series A has no rule of its own: the any-series rule; P's own rule wins; a kind with no
	// rule stays in its source's series.
	if want := []string{"A/invoice/I", "T/ticket/I2", "Q/ticket/I3", "P/invoice/I"}; strings.Join(got, " ") != strings.Join(want, " ") || lines[1].MaxLines != 5 {
		t.Fatalf("routed %v, want %v", got, want)
	}
}

func TestSplitPlanItem(t *testing.T) {
	cases := []struct {
		qty, price, disc string
		quotas           []string
		want             []string
	}{
		{"1", "100.00", "0", []string{"33.33", "33.33", "33.34"}, []string{"33.33", "33.33", "33.34"}},
		{"3", "33.335", "10", []string{"50", "50"}, []string{"45.01", "45.00"}}, // 100.01 − 10.00 = 90.01
		{"1", "0.01", "0", []string{"60", "40"}, []string{"0.01", "0.00"}},
	}
	for _, c := range cases {
		var qs []decimal.Decimal
		for _, q := range c.quotas {
			qs = append(qs, d(q))
		}
		got, err := SplitPlanItem(d(c.qty), d(c.price), d(c.disc), qs, 2)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if !got[i].Equal(d(c.want[i])) {
				t.Errorf("split %s × %s − %s %% by %v = %v, want %v", c.qty, c.price, c.disc, c.quotas, got, c.want)
				break
			}
		}
	}
	if _, err := SplitPlanItem(d("1"), d("1"), d("0"), []decimal.Decimal{d("50")}, 2); err == nil {
		t.Error("quotas summing to 50 accepted")
	}
}

// Every selected line ends in exactly one invoice or in the report, whatever the data.
func TestPlanAccountsForEveryLine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 40).Draw(t, "n")
		var lines []SourceLine
		for i := 0; i < n; i++ {
			l := planLine("order "+rapid.StringMatching(`[1-6]`).Draw(t, "doc"), i, rapid.SampledFrom([]string{"C1", "C2", "C3"}).Draw(t, "payer"),
				rapid.SampledFrom([]string{"A", "B"}).Draw(t, "series"), rapid.SampledFrom([]string{"0", "1.5", "10"}).Draw(t, "price"), false)
			l.SourceID = int64(i)
			lines = append(lines, l)
		}
		max := rapid.IntRange(0, 3).Draw(t, "max")
		for i := range lines {
			lines[i].MaxLines = max
		}
		p := Plan(lines, PlanOptions{Grouping: rapid.SampledFrom([]string{GroupNone, GroupByEntity, GroupPerCustomer}).Draw(t, "grouping")})
		seen := map[int64]int{}
		for _, s := range p.Skipped {
			seen[s.SourceID]++
		}
		for _, inv := range p.Invoices {
			if max > 0 && len(inv.Lines) > max {
				t.Fatalf("an invoice of %d lines, max %d", len(inv.Lines), max)
			}
			for _, l := range inv.Lines {
				seen[l.SourceID]++
				if l.Series != inv.Head.Series || l.Payer != inv.Head.Payer {
					t.Fatalf("a line of %s/%s in an invoice of %s/%s", l.Series, l.Payer, inv.Head.Series, inv.Head.Payer)
				}
			}
		}
		if len(seen) != n {
			t.Fatalf("%d of %d lines accounted for", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Fatalf("line %d appears %d times", id, c)
			}
		}
	})
}

// Chunked planning groups the lines of a few group keys at a time, in GroupKey order; the
// invoices must be exactly those of grouping the whole batch at once.
func TestGroupingByKeyChunksEqualsGroupingAtOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 60).Draw(t, "n")
		var lines []SourceLine
		for i := 0; i < n; i++ {
			l := planLine("order "+rapid.StringMatching(`[1-9]`).Draw(t, "doc"), i, rapid.SampledFrom([]string{"C1", "C10", "C2", "D"}).Draw(t, "payer"),
				rapid.SampledFrom([]string{"A", "AB", "B"}).Draw(t, "series"), "1", false)
			l.SourceID = int64(i)
			l.Currency = rapid.SampledFrom([]string{"MXN", "USD"}).Draw(t, "cur")
			l.MaxLines = 2
			lines = append(lines, l)
		}
		o := PlanOptions{Grouping: rapid.SampledFrom([]string{GroupNone, GroupByEntity, GroupPerCustomer}).Draw(t, "grouping")}
		whole := GroupInvoices(lines, o, 1)

		sorted := slices.Clone(lines)
		slices.SortStableFunc(sorted, func(a, b SourceLine) int { return strings.Compare(GroupKey(a.Billable), GroupKey(b.Billable)) })
		var chunked []PlannedInvoice
		chunk := rapid.IntRange(1, 10).Draw(t, "chunk")
		for i := 0; i < len(sorted); {
			j := min(i+chunk, len(sorted))
			for j < len(sorted) && GroupKey(sorted[j].Billable) == GroupKey(sorted[j-1].Billable) {
				j++ // never split a group key
			}
			chunked = append(chunked, GroupInvoices(sorted[i:j], o, len(chunked)+1)...)
			i = j
		}
		if len(whole) != len(chunked) {
			t.Fatalf("%d invoices at once, %d in chunks", len(whole), len(chunked))
		}
		for k := range whole {
			if whole[k].GroupNo != chunked[k].GroupNo || len(whole[k].Lines) != len(chunked[k].Lines) {
				t.Fatalf("invoice %d differs: %d lines vs %d", k, len(whole[k].Lines), len(chunked[k].Lines))
			}
			for x := range whole[k].Lines {
				if whole[k].Lines[x].SourceID != chunked[k].Lines[x].SourceID {
					t.Fatalf("invoice %d line %d: source %d vs %d", k, x, whole[k].Lines[x].SourceID, chunked[k].Lines[x].SourceID)
				}
			}
		}
	})
}

func TestAmountsBeyondWhatIsStoredAreRefused(t *testing.T) {
	vat := d("16")
	_, err := PriceLine(LineInput{Item: "HUGE", Quantity: d("99999999999999"), UnitPrice: d("999999999999"), Tax: TaxProfile{VATRate: &vat}}, 2, PricingPolicy{})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "item HUGE amount") {
		t.Fatalf("err = %v", err)
	}
	if _, err := PriceLine(LineInput{Item: "OK", Quantity: d("1000000"), UnitPrice: d("1000000"), Tax: TaxProfile{VATRate: &vat}}, 2, PricingPolicy{}); err != nil {
		t.Fatalf("10^12 refused: %v", err)
	}
	if err := CheckTotals(Totals{Total: d("100000000000000")}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a 10^14 total accepted: %v", err)
	}
}

// Seed 002: a delivered order line is not invoiced where invoicing discharges stock (its
// delivery note did), and is billed where the series does not discharge stock.
func TestDeliveredOrderLines(t *testing.T) {
	line := func(discharge bool) SourceLine {
		l := SourceLine{Ref: "order 7 line 1", Delivered: true, DischargeStock: discharge, UnitPrice: d("10")}
		l.SourceKind, l.SourceDoc = "order_line", "order 7"
		return l
	}
	billed, skipped := Screen([]SourceLine{line(true)}, false)
	if len(billed) != 0 || len(skipped) != 1 || skipped[0].Reason != SkipDelivered {
		t.Errorf("stock-discharging series: billed %d, skipped %+v", len(billed), skipped)
	}
	billed, skipped = Screen([]SourceLine{line(false)}, false)
	if len(billed) != 1 || len(skipped) != 0 {
		t.Errorf("series that moves no stock: billed %d, skipped %d", len(billed), len(skipped))
	}
}
