package store

import (
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Terms are what an invoice's receivable depends on: its payment terms, whether the
// customer is the generic one, whether its batch nets open credit notes against it, and
// whether its batch credits returns of its customer (seed 001: settled against it).
type Terms struct {
	Kind          string
	Days          int
	Generic       bool
	SettleCredits bool
	NetsReturns   bool
}

// PostReceivable records the invoice's receivable, once: the partial unique index (one
// live receivable per invoice) makes a second run a no-op, and posted tells which it was.
func (t *Tx) PostReceivable(h InvoiceHead, kind string, due time.Time) (posted bool, err error) {
	tag, err := t.tx.Exec(t.ctx, `
		insert into receivables (invoice_id, customer, kind, currency, amount, balance, due_date, status)
		values ($1, $2, $3, $4, $5, $5, $6, 'open')
		on conflict (invoice_id) where status not in ('reversed', 'cancelled') do nothing`,
		h.ID, h.Customer, kind, h.Currency, h.Total, due)
	return err == nil && tag.RowsAffected() == 1, err
}

// ReverseReceivable reverses the invoice's open receivable (the undo of a failed attempt)
// and gives back the credit notes' credit settled against it.
func (t *Tx) ReverseReceivable(invoiceID int64) error {
	if err := t.unsettle(invoiceID); err != nil {
		return err
	}
	return t.exec(`update receivables set status = 'reversed' where invoice_id = $1 and status in ('open', 'paid')`, invoiceID)
}

// unsettle gives back the credit settled against the invoice's receivable: each credit
// note's settled total goes down by it (under its application's row lock) and the
// settlements are deleted, which opens that credit again.
func (t *Tx) unsettle(invoiceID int64) error {
	// The credits' rows are locked in id order, as OpenCredits locks them: no deadlock.
	if err := t.exec(`select 1 from credit_applications where credit_note_id in
		(select credit_note_id from credit_settlements where invoice_id = $1) order by credit_note_id for update`, invoiceID); err != nil {
		return err
	}
	if err := t.exec(`
		update credit_applications a set settled = a.settled - s.amount
		from credit_settlements s where s.invoice_id = $1 and a.credit_note_id = s.credit_note_id`, invoiceID); err != nil {
		return err
	}
	return t.exec(`delete from credit_settlements where invoice_id = $1`, invoiceID)
}

// OpenCredit is a return credit note's credit not applied yet.
type OpenCredit struct {
	CreditNoteID int64
	Number       string
	Open         decimal.Decimal
}

// OpenCredits lists the customer's return credit notes in the currency with credit still
// open, oldest first, under their applications' row locks: two invoices settling at once
// take a credit one after the other. What is open is read from the locked row itself
// (refund due less settled), so the second reads what the first settled.
func (t *Tx) OpenCredits(customer, currency string) ([]OpenCredit, error) {
	rows, err := t.tx.Query(t.ctx, `
		select n.id, n.series || '-' || n.number, a.refund_due - a.settled
		from invoices n join credit_applications a on a.credit_note_id = n.id
		where n.customer = $1 and n.currency = $2 and n.credit_kind = 'return' and n.status = 'completed' and a.refund_due > a.settled
		order by n.id for update of a`, customer, currency)
	if err != nil {
		return nil, err
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OpenCredit, error) {
		var c OpenCredit
		return c, r.Scan(&c.CreditNoteID, &c.Number, &c.Open)
	})
	var open []OpenCredit
	for _, c := range all {
		if c.Open.IsPositive() {
			open = append(open, c)
		}
	}
	return open, err
}

// Settle applies amount of a credit note's open credit to the invoice's receivable: the
// settlement, the credit's settled total (never past its refund due: the database refuses)
// and the receivable's balance, together.
func (t *Tx) Settle(creditNoteID, invoiceID int64, amount decimal.Decimal) error {
	if err := t.exec(`insert into credit_settlements (credit_note_id, invoice_id, amount) values ($1, $2, $3)`, creditNoteID, invoiceID, amount); err != nil {
		return err
	}
	if err := t.exec(`update credit_applications set settled = settled + $2 where credit_note_id = $1`, creditNoteID, amount); err != nil {
		return err
	}
	return t.exec(`update receivables set balance = balance - $2, status = case when balance - $2 = 0 then 'paid' else status end
		where invoice_id = $1 and status = 'open'`, invoiceID, amount)
}
