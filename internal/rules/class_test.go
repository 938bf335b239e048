package rules

import (
	"strings"
	"testing"
)

// Seed 001: an order of a class is numbered in its class's series, in place of the
// document kind rule's; orders of no class keep the rule's series; two classes of two
// series never share an invoice.
func TestNumberByClass(t *testing.T) {
	lines := []SourceLine{planLine("order 1", 1, "C1", "A", "1", false), planLine("order 2", 1, "C1", "A", "1", false),
		planLine("order 3", 1, "C1", "A", "1", false)}
	lines[0].Class = Route{Series: "S", Issuer: "I", DocumentKind: "invoice", MaxLines: 3, DischargeStock: true}
	lines[1].Class = Route{Series: "A", Issuer: "I", DocumentKind: "invoice"}
	for i := range lines {
		lines[i].TaxIDKind = "tax_registration"
	}
	RouteDocumentKinds(lines, Routes{{"", "tax_registration"}: {Series: "R", Issuer: "I", DocumentKind: "invoice"}})
	NumberByClass(lines)
	var got []string
	for _, l := range lines {
		got = append(got, l.Series+"/"+l.DocumentKind)
	}
	if want := "S/invoice A/invoice R/invoice"; strings.Join(got, " ") != want || lines[0].MaxLines != 3 || !lines[0].DischargeStock {
		t.Fatalf("numbered in %v, want %s", got, want)
	}
	invs := GroupInvoices(lines, PlanOptions{Grouping: GroupByEntity}, 1)
	if len(invs) != 3 {
		t.Fatalf("%d invoices, want one per series", len(invs))
	}
}
