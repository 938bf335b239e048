package store

import "time"

// ReceivableTerms are what an invoice's receivable depends on: its payment terms and
// whether the customer is the generic one.
func (t *Tx) ReceivableTerms(invoiceID int64) (kind string, days int, generic bool, err error) {
	err = t.tx.QueryRow(t.ctx, `
		select t.kind, t.days, c.is_generic from invoices v join payment_terms t on t.code = v.payment_terms
		join customers c on c.code = v.customer where v.id = $1`, invoiceID).Scan(&kind, &days, &generic)
	return
}

// PostReceivable records the invoice's receivable, once: the partial unique index (one
// live receivable per invoice) makes a second run a no-op.
func (t *Tx) PostReceivable(h InvoiceHead, kind string, due time.Time) error {
	return t.exec(`
		insert into receivables (invoice_id, customer, kind, currency, amount, balance, due_date, status)
		values ($1, $2, $3, $4, $5, $5, $6, 'open')
		on conflict (invoice_id) where status not in ('reversed', 'cancelled') do nothing`,
		h.ID, h.Customer, kind, h.Currency, h.Total, due)
}

// ReverseReceivable reverses the invoice's open receivable (the undo of a failed attempt).
func (t *Tx) ReverseReceivable(invoiceID int64) error {
	return t.exec(`update receivables set status = 'reversed' where invoice_id = $1 and status = 'open'`, invoiceID)
}
