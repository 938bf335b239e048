package rules

import (
	"github.com/shopspring/decimal"
)

// Return orders in a batch (seed 001, Infor LN: "si la selección de lotes de facturación
// incluye facturas de órdenes y notas de abono relacionadas para órdenes de devolución, la
// aplicación liquida primero las facturas de órdenes con las notas de abono y después
// genera una factura de venta para el importe restante").
//
// A return order's lines group with the payer's other lines as any line does; a group's
// returns become a credit note of the group's series' credit note series, beside the
// group's invoice of what is sold. SAT allows no negative concept in a CFDI of type I, so
// the group's net is not one document: its credit note's credit is settled against the
// customer's invoices of the batch (what is owed is what remains), and a group whose
// returns outweigh its sales leaves the customer a credit (a refund due).

// Skip reasons of return lines.
const (
	SkipReturnNoCreditSeries = "return: its series has no credit note series to number the credit note in (set credit_note_series on the series)"
	SkipReturnCFE            = "return: a CFE credit note refers to the CFE it corrects, which a return order does not name; credit it from that invoice (invoice return)"
)

// ReturnRoute is where a series' returns are credited: its credit note series, and
// whether that series numbers Uruguay's CFE.
type ReturnRoute struct {
	Series string
	CFE    bool
}

// ScreenReturns keeps out the return lines whose (numbering) series cannot credit them: no
// credit note series, or a CFE one. A return order goes whole, as Screen sends whole orders.
func ScreenReturns(lines []SourceLine, routes map[string]ReturnRoute) (billed []SourceLine, skipped []SkippedLine) {
	skipOrder := map[string]string{}
	for _, l := range lines {
		r := routes[l.Series]
		switch {
		case !l.Return || skipOrder[l.SourceDoc] != "":
		case r.Series == "":
			skipOrder[l.SourceDoc] = SkipReturnNoCreditSeries
		case r.CFE:
			skipOrder[l.SourceDoc] = SkipReturnCFE
		}
	}
	for _, l := range lines {
		if reason := skipOrder[l.SourceDoc]; reason != "" {
			skipped = append(skipped, SkippedLine{SourceLine: l, Reason: reason})
			continue
		}
		billed = append(billed, l)
	}
	return billed, skipped
}

// returnHead is the head of a group's document: a group of returns is a credit note,
// numbered in its series' credit note series.
func returnHead(b Billable, creditSeries map[string]string) Billable {
	if b.Return {
		b.Series, b.DocumentKind = creditSeries[b.Series], "credit_note"
	}
	return b
}

// Net is what a planned batch comes to per customer and currency: its invoices' totals
// less its credit notes' (seed 001's "importe restante"; negative: owed to the customer).
func Net(invoices []PlannedInvoice) map[[2]string]decimal.Decimal {
	out := map[[2]string]decimal.Decimal{}
	for _, inv := range invoices {
		k := [2]string{inv.Head.Payer, inv.Head.Currency}
		if inv.Head.DocumentKind == "credit_note" {
			out[k] = out[k].Sub(inv.Totals.Total)
		} else {
			out[k] = out[k].Add(inv.Totals.Total)
		}
	}
	return out
}

// Netted is a customer's documents of a batch once its credit notes are settled against
// its invoices: what each invoice still owes and what each credit note owes back.
type Netted struct {
	Owed, Refund []decimal.Decimal // per invoice, per credit note, in the order given
}

// Allocate spreads amount over the open amounts given, in order, each taking what it can
// (ApplyCredit): a credit note's credit over the balances of the invoices it settles, or
// an invoice's balance over the open credits it takes. It answers each part and what is
// left of amount.
func Allocate(amount decimal.Decimal, open []decimal.Decimal) (parts []decimal.Decimal, left decimal.Decimal) {
	parts, left = make([]decimal.Decimal, len(open)), amount
	for i, o := range open {
		parts[i], _ = ApplyCredit(o, left)
		left = left.Sub(parts[i])
	}
	return parts, left
}

// SettleReturns settles credit notes against invoices as the batch's steps do, each credit
// note in turn over the invoices' balances (Allocate); what is left of a credit is owed
// back. Whatever the order the steps run in, the batch settles to one total: Σ owed −
// Σ refund = Σ invoices − Σ credit notes.
func SettleReturns(invoices, credits []decimal.Decimal) Netted {
	n := Netted{Owed: append([]decimal.Decimal(nil), invoices...), Refund: make([]decimal.Decimal, len(credits))}
	for ci, c := range credits {
		parts, left := Allocate(c, n.Owed)
		for i, p := range parts {
			n.Owed[i] = n.Owed[i].Sub(p)
		}
		n.Refund[ci] = left
	}
	return n
}
