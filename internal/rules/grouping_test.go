package rules

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

func TestGroupTable(t *testing.T) {
	mk := func(payer, partner, doc string, line int, method string, grouped bool) Billable {
		return Billable{SourceKind: "order_line", SourceID: int64(len(doc)*100 + line), SourceDoc: doc, LineNo: line,
			Issuer: "I", Series: "A", DocumentKind: "invoice", Payer: payer, Partner: partner, Currency: "MXN",
			PaymentTerms: "30D", PayerMethod: method, PayerGrouped: grouped}
	}
	lines := []Billable{
		mk("C1", "C1", "order 1", 1, MethodCombined, true),
		mk("C1", "C1", "order 2", 1, MethodCombined, true),
		mk("C2", "C2", "order 3", 1, MethodPerOrder, true),
		mk("C2", "C2", "order 4", 1, MethodPerOrder, true),
		mk("C3", "C3", "order 5", 1, MethodCombined, false),
		mk("C3", "C3", "order 6", 1, MethodCombined, false),
	}
	cases := []struct {
		option string
		want   int
	}{
		{GroupNone, 6},
		{GroupByEntity, 4},    // C1 together, C2 per order (its method is stricter), C3 together
		{GroupPerCustomer, 5}, // C1 asks for grouping; C2 per order; C3 does not ask
	}
	for _, c := range cases {
		if got := len(Group(lines, c.option, 0)); got != c.want {
			t.Errorf("%s: %d invoices, want %d", c.option, got, c.want)
		}
	}
	if got := len(Group(lines, GroupByEntity, 1)); got != 6 {
		t.Errorf("max 1 line: %d invoices, want 6", got)
	}
}

func genBillable(t *rapid.T, i int) Billable {
	return Billable{
		SourceKind:   "order_line",
		SourceID:     int64(i + 1),
		SourceDoc:    fmt.Sprintf("order %d", rapid.IntRange(1, 6).Draw(t, "doc")),
		LineNo:       i,
		Issuer:       rapid.SampledFrom([]string{"I1", "I2"}).Draw(t, "issuer"),
		Series:       rapid.SampledFrom([]string{"A", "B"}).Draw(t, "series"),
		DocumentKind: rapid.SampledFrom([]string{"invoice", "ticket"}).Draw(t, "kind"),
		Payer:        rapid.SampledFrom([]string{"C1", "C2", "C3"}).Draw(t, "payer"),
		Partner:      rapid.SampledFrom([]string{"P1", "P2"}).Draw(t, "partner"),
		Currency:     rapid.SampledFrom([]string{"MXN", "USD"}).Draw(t, "currency"),
		PaymentTerms: rapid.SampledFrom([]string{"CASH", "30D"}).Draw(t, "terms"),
		PayerMethod:  rapid.SampledFrom([]string{MethodCombined, MethodPerOrder}).Draw(t, "method"),
		PayerGrouped: rapid.Bool().Draw(t, "grouped"),
	}
}

func TestGroupProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 60).Draw(t, "n")
		lines := make([]Billable, n)
		for i := range lines {
			lines[i] = genBillable(t, i)
		}
		option := rapid.SampledFrom([]string{GroupNone, GroupByEntity, GroupPerCustomer}).Draw(t, "option")
		maxLines := rapid.IntRange(0, 5).Draw(t, "maxLines")
		groups := Group(lines, option, maxLines)

		seen := map[int64]int{}
		for gi, g := range groups {
			if len(g) == 0 {
				t.Fatalf("group %d is empty", gi)
			}
			if maxLines > 0 && len(g) > maxLines {
				t.Fatalf("group %d has %d lines, max %d", gi, len(g), maxLines)
			}
			for _, b := range g {
				seen[b.SourceID]++
				if b.hardKey() != g[0].hardKey() {
					t.Fatalf("group %d mixes issuer/series/kind/payer/currency/terms: %+v vs %+v", gi, b, g[0])
				}
				if PerDocument(option, b) && b.SourceDoc != g[0].SourceDoc {
					t.Fatalf("group %d mixes documents for a per-document line: %s vs %s", gi, b.SourceDoc, g[0].SourceDoc)
				}
			}
		}
		for _, b := range lines {
			if seen[b.SourceID] != 1 {
				t.Fatalf("line %d lands in %d invoices, want exactly 1", b.SourceID, seen[b.SourceID])
			}
		}
		if len(seen) != len(lines) {
			t.Fatalf("%d lines in groups, %d selected", len(seen), len(lines))
		}
	})
}

func TestGroupIsDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 30).Draw(t, "n")
		lines := make([]Billable, n)
		for i := range lines {
			lines[i] = genBillable(t, i)
		}
		perm := rapid.Permutation(lines).Draw(t, "perm")
		a, b := Group(lines, GroupByEntity, 3), Group(perm, GroupByEntity, 3)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("input order changed the grouping")
		}
	})
}

// Seed 001's "one invoice per line": every source line is an invoice of its own, whatever
// its payer's preferences; lines of two payers never mix anyway.
func TestGroupPerLine(t *testing.T) {
	line := func(doc string, n int, payer string) Billable {
		return Billable{SourceKind: "order_line", SourceID: int64(len(doc)*10 + n), SourceDoc: doc, LineNo: n, Issuer: "EKU", Series: "A",
			DocumentKind: "invoice", Payer: payer, Currency: "MXN", PaymentTerms: "NET30", PayerMethod: MethodCombined, PayerGrouped: true}
	}
	lines := []Billable{line("order 1", 1, "ACME"), line("order 1", 2, "ACME"), line("order 22", 1, "ACME"), line("order 22", 2, "ACME"),
		line("order 22", 3, "ACME"), line("order 333", 1, "BETA")}
	groups := Group(lines, GroupPerLine, 10)
	if len(groups) != len(lines) {
		t.Fatalf("%d invoices of %d lines", len(groups), len(lines))
	}
	for _, g := range groups {
		if len(g) != 1 {
			t.Errorf("an invoice of %d lines", len(g))
		}
	}
	if !ValidGrouping(GroupPerLine) || len(Group(lines, GroupByEntity, 10)) != 2 {
		t.Errorf("per-line is a grouping; by-entity still makes one invoice per payer")
	}
}
