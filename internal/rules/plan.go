package rules

import (
	"slices"

	"github.com/shopspring/decimal"
)

// Skip reasons of the not-invoiced report.
const (
	SkipGenericCustomer = "generic customer: orders of the occasional customer are not billed in a batch"
	SkipZeroPrice       = "zero price: the order has a line priced 0 and the batch does not allow zero-price lines"
	SkipDelivered       = "delivered: a delivery note moved its stock, and its series discharges stock at invoicing"
)

// SourceLine is one selected billable line with everything planning and pricing need.
type SourceLine struct {
	Billable
	Ref             string
	Customer        string
	Item            string
	Description     string
	Warehouse       string
	Quantity        decimal.Decimal
	UnitPrice       decimal.Decimal
	LineDiscount    *decimal.Decimal
	DefaultDiscount decimal.Decimal
	Delivered       bool
	DischargeStock  bool // its numbering series discharges stock at invoicing
	Generic         bool
	MaxLines        int
	TaxIDKind       string // the payer's, for the document kind rule
	Decimals        int32
	Tax             TaxProfile
	Refs            map[string]any // contract line, expense report, activity; plan, event, entity
	// Class is the series its order's class numbers in (seed 001; Series "": none).
	Class Route `json:",omitzero"`
}

// Route is where the document kind rule sends a payer's lines: a series of an issuer.
type Route struct {
	Series, Issuer, DocumentKind string
	MaxLines                     int
	DischargeStock               bool
}

// RouteKey is what the document kind rule keys on: the source document's series and the
// payer's tax id kind. An empty SourceSeries is the rule for any series without its own.
type RouteKey struct{ SourceSeries, TaxIDKind string }

// Routes is the document kind rule (seed 000), explicit per source series: (order series,
// tax id kind) → the series that numbers the document, and its kind.
type Routes map[RouteKey]Route

// NumberingSeries is where a source document of series sourceSeries, billed to a payer of
// taxIDKind, is numbered: the route for that series and kind, else the route for the kind
// in any series, else the source's own series (ok false).
func (rs Routes) NumberingSeries(sourceSeries, taxIDKind string) (Route, bool) {
	if r, ok := rs[RouteKey{sourceSeries, taxIDKind}]; ok {
		return r, true
	}
	r, ok := rs[RouteKey{"", taxIDKind}]
	return r, ok
}

// TaxIDKinds are the payer kinds the document kind rule keys on.
var TaxIDKinds = []string{"tax_registration", "national_id", "foreign", "generic"}

// OverrideRoutes is a document kind rule that numbers every document in one series,
// whatever its source series and payer (seed 001's numbering series of a batch).
func OverrideRoutes(r Route) Routes {
	rs := Routes{}
	for _, k := range TaxIDKinds {
		rs[RouteKey{"", k}] = r
	}
	return rs
}

// RouteDocumentKinds applies the document kind rule (seed 000) to every line, whatever its
// source: a payer whose tax id kind has a route from the line's series is billed in that
// route's document kind and series (national id → ticket series, tax registration →
// invoice series).
func RouteDocumentKinds(lines []SourceLine, routes Routes) {
	for i := range lines {
		if r, ok := routes.NumberingSeries(lines[i].Series, lines[i].TaxIDKind); ok {
			lines[i].Series, lines[i].Issuer, lines[i].DocumentKind, lines[i].MaxLines = r.Series, r.Issuer, r.DocumentKind, r.MaxLines
			lines[i].DischargeStock = r.DischargeStock
		}
	}
}

// NumberByClass numbers each order of a class in its class's series (seed 001, Infor LN:
// the order class's default series), in place of the document kind rule's. The caller
// applies it only when the batch names no numbering series, which overrides both.
func NumberByClass(lines []SourceLine) {
	for i := range lines {
		if r := lines[i].Class; r.Series != "" {
			lines[i].Series, lines[i].Issuer, lines[i].DocumentKind, lines[i].MaxLines = r.Series, r.Issuer, r.DocumentKind, r.MaxLines
			lines[i].DischargeStock = r.DischargeStock
		}
	}
}

// PlanOptions are a batch's planning switches.
type PlanOptions struct {
	Grouping       string
	AllowZeroPrice bool
	Pricing        PricingPolicy
	// VATOnExcise is each issuer's VAT base setting (PricingPolicy.VATOnExcise), by code.
	VATOnExcise map[string]bool
	// CreditSeries is each series' credit note series, by code: where a group's returns
	// are numbered (seed 001; ScreenReturns keeps returns of series without one out).
	CreditSeries map[string]string
}

// PlannedLine is a line of a planned invoice: its resolved discount and, when its data
// allows, its amounts.
type PlannedLine struct {
	SourceLine
	DiscountPct decimal.Decimal
	Amounts     LineAmounts
	Priced      bool
}

// PlannedInvoice is one invoice of a plan: the group's lines and its totals.
type PlannedInvoice struct {
	GroupNo int
	Head    Billable // issuer, series, document kind, payer, currency, payment terms
	Lines   []PlannedLine
	Sources []string // source documents, in order
	Totals  Totals
	Problem string // why it cannot be priced yet: its pricing step will fail with this reason
}

// SkippedLine is a selected line the batch does not bill, with its reason.
type SkippedLine struct {
	SourceLine
	Reason string
}

// PlannedBatch is what a batch's selected lines become.
type PlannedBatch struct {
	Invoices []PlannedInvoice
	Skipped  []SkippedLine
}

// Screen applies seed 002's rules to whole orders: an order of the generic customer, and an
// order with a zero-priced line unless the batch allows them, is not billed; every line of
// it goes to the not-invoiced report. Other sources pass as they are.
func Screen(lines []SourceLine, allowZeroPrice bool) (billed []SourceLine, skipped []SkippedLine) {
	skipOrder := map[string]string{}
	for _, l := range lines {
		switch {
		case l.SourceKind != "order_line":
		case l.Generic:
			skipOrder[l.SourceDoc] = SkipGenericCustomer
		case l.UnitPrice.IsZero() && !allowZeroPrice && skipOrder[l.SourceDoc] == "":
			skipOrder[l.SourceDoc] = SkipZeroPrice
		}
	}
	for _, l := range lines {
		if reason := skipOrder[l.SourceDoc]; reason != "" {
			skipped = append(skipped, SkippedLine{SourceLine: l, Reason: reason})
			continue
		}
		// Seed 002: where invoicing discharges stock, a line a delivery note already took
		// out of stock is not invoiced here; where it does not, it is billed as any other.
		if l.SourceKind == "order_line" && l.Delivered && l.DischargeStock {
			skipped = append(skipped, SkippedLine{SourceLine: l, Reason: SkipDelivered})
			continue
		}
		billed = append(billed, l)
	}
	return billed, skipped
}

// Plan screens, groups and prices a batch's selected lines (SPEC §2): Screen, then Group.
func Plan(lines []SourceLine, o PlanOptions) PlannedBatch {
	billed, skipped := Screen(lines, o.AllowZeroPrice)
	return PlannedBatch{Invoices: GroupInvoices(billed, o, 1), Skipped: skipped}
}

// GroupInvoices groups screened lines into invoices per series (each with its own maximum
// lines), numbers the groups from firstGroup and prices them line by line. A line that
// cannot be priced marks its invoice with the problem.
func GroupInvoices(billed []SourceLine, o PlanOptions, firstGroup int) []PlannedInvoice {
	billables := make([]Billable, len(billed))
	maxLines := map[string]int{}
	for i, l := range billed {
		billables[i] = l.Billable
		billables[i].Key = i // grouping knows lines by their position
		maxLines[l.Series] = l.MaxLines
	}
	var out []PlannedInvoice
	for gi, group := range groupBySeries(billables, o.Grouping, maxLines) {
		inv := PlannedInvoice{GroupNo: firstGroup + gi, Head: returnHead(billed[group[0].Key].Billable, o.CreditSeries)}
		var priced []LineAmounts
		for _, g := range group {
			l := billed[g.Key]
			pl := PlannedLine{SourceLine: l, DiscountPct: ResolveDiscount(l.LineDiscount, l.DefaultDiscount)}
			policy := o.Pricing
			policy.VATOnExcise = o.VATOnExcise[l.Issuer]
			a, err := PriceLine(LineInput{Item: l.Item, Quantity: l.Quantity, UnitPrice: l.UnitPrice, DiscountPct: pl.DiscountPct, Tax: l.Tax},
				l.Decimals, policy)
			if err != nil && inv.Problem == "" {
				inv.Problem = err.Error()
			}
			pl.Amounts, pl.Priced = a, err == nil
			priced = append(priced, a)
			if n := len(inv.Sources); n == 0 || inv.Sources[n-1] != l.SourceDoc {
				inv.Sources = append(inv.Sources, l.SourceDoc)
			}
			inv.Lines = append(inv.Lines, pl)
		}
		if inv.Problem == "" {
			inv.Totals = SumLines(priced)
			if err := CheckTotals(inv.Totals); err != nil {
				inv.Problem = err.Error()
			}
		}
		out = append(out, inv)
	}
	return out
}

// GroupKey orders a line the way grouping does: series first, then the hard key. Lines of
// different group keys never share an invoice, so a batch can be grouped a key at a time.
func GroupKey(b Billable) string { return b.Series + keySep + b.hardKey() }

// groupBySeries groups lines, each series with its own maximum lines per invoice (the
// document kind rule can route a customer's lines to another series than the batch's).
func groupBySeries(lines []Billable, option string, maxLines map[string]int) [][]Billable {
	var series []string
	bySeries := map[string][]Billable{}
	for _, l := range lines {
		if _, ok := bySeries[l.Series]; !ok {
			series = append(series, l.Series)
		}
		bySeries[l.Series] = append(bySeries[l.Series], l)
	}
	slices.Sort(series)
	var out [][]Billable
	for _, s := range series {
		out = append(out, Group(bySeries[s], option, maxLines[s])...)
	}
	return out
}

// SplitPlanItem is a plan item's share per billing entity (seed 003): the item's amount
// less its discount, each figure rounded to the currency, split by quota so the parts sum
// exactly to it.
func SplitPlanItem(qty, price, discountPct decimal.Decimal, quotas []decimal.Decimal, decimals int32) ([]decimal.Decimal, error) {
	amount := RoundMoney(qty.Mul(price), decimals)
	subtotal := amount.Sub(pct(amount, discountPct, decimals))
	return SplitByQuota(subtotal, quotas, decimals)
}
