package rules

import (
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
)

// Ledger account roles (seed 004): where each part of a sale is booked unless an item
// (revenue) or a customer (receivable) names its own account.
const (
	AccReceivable    = "receivable"
	AccRevenue       = "revenue"
	AccVATPayable    = "vat_payable"
	AccExcisePayable = "excise_payable"
	AccVATWithheld   = "vat_withheld"
	AccISRWithheld   = "isr_withheld"
	AccCash          = "cash"
	AccInventory     = "inventory"
	AccCostOfSales   = "cost_of_sales"
)

// Posting is one line of a journal entry: an account debited or credited, in the books'
// currency.
type Posting struct {
	Account       string
	Debit, Credit decimal.Decimal
}

// SaleLine is what one invoice line books: its amounts in the invoice's currency, its
// item's revenue account ("" for the role's) and, for a stocked item with a standard cost,
// its quantity and unit cost (cost of sales out of inventory).
type SaleLine struct {
	RevenueAccount           string
	Subtotal, VAT, Excise    decimal.Decimal
	VATWithheld, ISRWithheld decimal.Decimal
	Quantity, UnitCost       decimal.Decimal
}

// Sale is an invoice (or a credit note, which books its reverse) as the journal sees it.
type Sale struct {
	Accounts   map[string]string // role → account
	Receivable string            // the customer's own receivable account, "" for the role's
	Rate       decimal.Decimal   // books' currency per unit of the invoice's (1 for the same)
	Decimals   int32             // the books' currency's
	Lines      []SaleLine
}

// SaleEntry is the entry an invoice writes: revenue per account, VAT and IEPS payable
// credited; withholdings (owed to the seller by the tax authority) and the receivable
// debited; cost of sales debited out of inventory. Each amount is converted to the books'
// currency and rounded on its own; the receivable takes what balances the entry, so the
// entry always balances and the receivable differs from total × rate by rounding alone.
// Postings to one account on one side are summed, in a fixed order.
func SaleEntry(s Sale) ([]Posting, error) {
	acc := func(role string) (string, error) {
		if a := s.Accounts[role]; a != "" {
			return a, nil
		}
		return "", fmt.Errorf("no ledger account for %s: import ledger_accounts", role)
	}
	if s.Rate.IsZero() {
		s.Rate = decimal.NewFromInt(1)
	}
	book := func(x decimal.Decimal) decimal.Decimal { return x.Mul(s.Rate).Round(s.Decimals) }
	e := entry{}
	for _, l := range s.Lines {
		rev := l.RevenueAccount
		if rev == "" {
			var err error
			if rev, err = acc(AccRevenue); err != nil {
				return nil, err
			}
		}
		e.add(rev, decimal.Zero, book(l.Subtotal))
		for _, x := range []struct {
			role   string
			amount decimal.Decimal
			debit  bool
		}{{AccVATPayable, l.VAT, false}, {AccExcisePayable, l.Excise, false}, {AccVATWithheld, l.VATWithheld, true}, {AccISRWithheld, l.ISRWithheld, true}} {
			if x.amount.IsZero() {
				continue
			}
			a, err := acc(x.role)
			if err != nil {
				return nil, err
			}
			if x.debit {
				e.add(a, book(x.amount), decimal.Zero)
			} else {
				e.add(a, decimal.Zero, book(x.amount))
			}
		}
		if cost := l.Quantity.Mul(l.UnitCost).Round(s.Decimals); cost.IsPositive() {
			cos, err1 := acc(AccCostOfSales)
			inv, err2 := acc(AccInventory)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("cost of sales: %v", cmpErr(err1, err2))
			}
			e.add(cos, cost, decimal.Zero)
			e.add(inv, decimal.Zero, cost)
		}
	}
	recv := s.Receivable
	if recv == "" {
		var err error
		if recv, err = acc(AccReceivable); err != nil {
			return nil, err
		}
	}
	debits, credits := e.totals()
	if rest := credits.Sub(debits); !rest.IsZero() {
		e.add(recv, decimal.Max(rest, decimal.Zero), decimal.Max(rest.Neg(), decimal.Zero))
	}
	return e.postings(), nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// Reverse is an entry's reverse: every debit a credit and the other way round.
func Reverse(ps []Posting) []Posting {
	out := make([]Posting, len(ps))
	for i, p := range ps {
		out[i] = Posting{Account: p.Account, Debit: p.Credit, Credit: p.Debit}
	}
	return out
}

// Balanced tells whether postings balance, and their total.
func Balanced(ps []Posting) (bool, decimal.Decimal) {
	var d, c decimal.Decimal
	for _, p := range ps {
		d, c = d.Add(p.Debit), c.Add(p.Credit)
	}
	return d.Equal(c), d
}

// entry sums postings per account and side, in the order accounts first appear.
type entry struct {
	order []string
	sums  map[string]*Posting
}

func (e *entry) add(account string, debit, credit decimal.Decimal) {
	if debit.IsZero() && credit.IsZero() {
		return
	}
	side := "C"
	if !debit.IsZero() {
		side = "D"
	}
	k := side + account
	if e.sums == nil {
		e.sums = map[string]*Posting{}
	}
	if e.sums[k] == nil {
		e.sums[k] = &Posting{Account: account}
		e.order = append(e.order, k)
	}
	e.sums[k].Debit, e.sums[k].Credit = e.sums[k].Debit.Add(debit), e.sums[k].Credit.Add(credit)
}

func (e *entry) totals() (d, c decimal.Decimal) {
	for _, p := range e.sums {
		d, c = d.Add(p.Debit), c.Add(p.Credit)
	}
	return d, c
}

// postings lists debits first, then credits, each in the order first booked.
func (e *entry) postings() []Posting {
	keys := slices.Clone(e.order)
	slices.SortStableFunc(keys, func(a, b string) int { return int(b[0]) - int(a[0]) }) // D before C
	out := make([]Posting, 0, len(keys))
	for _, k := range keys {
		out = append(out, *e.sums[k])
	}
	return out
}
