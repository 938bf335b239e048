package rules

import (
	"errors"
	"fmt"
	"time"
)

// Payment term kinds (seed 004): credit opens a receivable, cash leaves one pending
// collection, none posts nothing.
const (
	TermsCash   = "cash"
	TermsCredit = "credit"
	TermsNone   = "none"
)

// ErrCreditForGeneric refuses credit sales to the generic (counter) customer (seed 004).
var ErrCreditForGeneric = errors.New("credit terms are refused for the generic customer")

// Receivable is what an invoice posts to the customer's account.
type Receivable struct {
	Kind    string // open or pending_collection
	DueDate time.Time
}

// ReceivableFor decides the receivable of an invoice: ok is false when nothing is posted.
func ReceivableFor(termsKind string, days int, genericCustomer bool, invoiceDate time.Time) (r Receivable, ok bool, err error) {
	switch termsKind {
	case TermsCredit:
		if genericCustomer {
			return r, false, ErrCreditForGeneric
		}
		return Receivable{Kind: "open", DueDate: invoiceDate.AddDate(0, 0, days)}, true, nil
	case TermsCash:
		return Receivable{Kind: "pending_collection", DueDate: invoiceDate}, true, nil
	case TermsNone:
		return r, false, nil
	}
	return r, false, fmt.Errorf("unknown payment terms kind %q", termsKind)
}
