package activities

import (
	"billrun/internal/rules"
	"billrun/internal/store"
)

// Journaler writes the accounting journal's entries (seed 004).
type Journaler interface {
	SaleFacts(invoiceID int64) (rules.Sale, store.JournalHead, error)
	PostJournal(h store.JournalHead, ps []rules.Posting) error
}

// postSale writes the entry of a completed invoice — or, for a credit note, its reverse —
// once, in the transaction that completes it. An entry the ledger cannot make (an account
// missing) is a business error of the step.
func postSale(tx Journaler, id int64, step string) error {
	sale, h, err := tx.SaleFacts(id)
	if err != nil {
		return err
	}
	ps, err := saleEntry(sale, h, step)
	if err != nil || len(ps) == 0 {
		return err // nothing to book (a document of 0)
	}
	return tx.PostJournal(h, ps)
}

// saleEntry is the postings of a sale's entry (its reverse for a credit note); an entry
// the ledger cannot make is a business error of step.
func saleEntry(sale rules.Sale, h store.JournalHead, step string) ([]rules.Posting, error) {
	ps, err := rules.SaleEntry(sale)
	if err != nil {
		return nil, businessf(step, "journal: %s", err.Error())
	}
	if h.Kind == "credit_note" {
		ps = rules.Reverse(ps)
	}
	return ps, nil
}
