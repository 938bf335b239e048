package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Grouping options of a batch (SPEC §2).
const (
	GroupNone        = "none"         // one invoice per source document
	GroupByEntity    = "by-entity"    // all of a payer's lines together, payer then partner
	GroupPerCustomer = "per-customer" // each payer's own preference
	GroupPerLine     = "per-line"     // one invoice per source line (seed 001)
)

// Invoicing methods of a customer (seed 001): whether several source documents may share an invoice.
const (
	MethodCombined = "combined"
	MethodPerOrder = "per-order"
)

// Billable is one line ready to invoice, with every field grouping looks at.
type Billable struct {
	SourceKind string // order_line, installment, plan_event
	SourceID   int64
	SourceDoc  string // the source document: "order 1001", "contract C-7", "plan P-1 event 2026-01-01"
	LineNo     int    // position inside the source document

	Issuer       string
	Series       string
	DocumentKind string
	Payer        string
	Partner      string
	Currency     string
	PaymentTerms string

	PayerMethod  string // the payer's invoicing method
	PayerGrouped bool   // the payer asks for grouped billing (seed 003)

	// Return is a return order's line (seed 001): goods coming back. It groups with the
	// payer's other lines, and the group's returns become a credit note of their own
	// (SAT allows no negative concept in an invoice).
	Return bool

	Key int // the caller's handle on the line; grouping ignores it
}

// keySep separates the fields of a key; it sorts before any character a code may hold.
const keySep = "\x1f"

// hardKey holds what lines never share an invoice across: issuer, series and document kind,
// payer, currency and payment terms.
func (b Billable) hardKey() string {
	return strings.Join([]string{b.Issuer, b.Series, b.DocumentKind, b.Payer, b.Currency, b.PaymentTerms}, keySep)
}

// PerDocument tells whether this line's invoice must hold only its own source document.
// The most restrictive of the batch option and the payer's invoicing method wins.
func PerDocument(option string, b Billable) bool {
	switch {
	case option == GroupNone:
		return true
	case b.PayerMethod == MethodPerOrder:
		return true
	case option == GroupPerCustomer:
		return !b.PayerGrouped
	default: // by-entity with a payer that accepts combined invoices
		return false
	}
}

// ValidGrouping reports whether option names a grouping.
func ValidGrouping(option string) bool {
	return option == GroupNone || option == GroupByEntity || option == GroupPerCustomer || option == GroupPerLine
}

// Group splits lines into invoices. Every line lands in exactly one group; lines of a
// group share the hard key; a group holds at most maxLines lines (0: no limit). Groups and
// their lines come out in a stable order: hard key, payer, partner, source document, line.
func Group(lines []Billable, option string, maxLines int) [][]Billable {
	sorted := make([]Billable, len(lines))
	copy(sorted, lines)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if ka, kb := a.hardKey(), b.hardKey(); ka != kb {
			return ka < kb
		}
		if a.Partner != b.Partner {
			return a.Partner < b.Partner
		}
		if a.SourceDoc != b.SourceDoc {
			return a.SourceDoc < b.SourceDoc
		}
		if a.LineNo != b.LineNo {
			return a.LineNo < b.LineNo
		}
		if a.SourceKind != b.SourceKind {
			return a.SourceKind < b.SourceKind
		}
		if a.SourceID != b.SourceID {
			return a.SourceID < b.SourceID
		}
		return a.Key < b.Key
	})

	var keys []string
	byKey := map[string][]Billable{}
	for _, b := range sorted {
		k := groupKey(option, b)
		if b.Return {
			k += keySep + "return" // the group's returns: its credit note
		}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], b)
	}

	var out [][]Billable
	for _, k := range keys { // keys keep the sorted order: no map-order dependence
		g := byKey[k]
		for maxLines > 0 && len(g) > maxLines {
			out = append(out, g[:maxLines:maxLines])
			g = g[maxLines:]
		}
		out = append(out, g)
	}
	return out
}

// groupKey is the group a line belongs to under option, returns and sales alike.
func groupKey(option string, b Billable) string {
	if option == GroupPerLine {
		return b.hardKey() + keySep + b.SourceDoc + keySep + fmt.Sprintf("%s%s%d%s%d%s%d", b.SourceKind, keySep, b.SourceID, keySep, b.LineNo, keySep, b.Key)
	}
	if PerDocument(option, b) {
		return b.hardKey() + keySep + b.SourceDoc
	}
	return b.hardKey()
}
