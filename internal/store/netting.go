package store

import (
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Netting in the batch (seed 001): a batch's credit note of return orders opens a credit
// to its customer and settles it against the customer's invoices of the batch
// (credit_settlements); an invoice of the batch posting its receivable settles the open
// credits of the batch's credit notes of its customer. The two steps run in parallel
// invoices, so both take the batch's netting lock of the customer first: whichever runs
// second sees what the first committed, and each credit is settled once.

// LockNetting takes the batch's netting lock of a customer for the transaction.
func (t *Tx) LockNetting(batchID, customer string) error {
	return t.exec(`select pg_advisory_xact_lock(hashtextextended('billrun netting ' || $1 || ' ' || $2, 0))`, batchID, customer)
}

// OpenReturnCredit records a batch's credit note's credit as open (owed back, settled
// against nothing yet), once: opened is false when an earlier run recorded it.
func (t *Tx) OpenReturnCredit(creditNoteID int64, total decimal.Decimal) (opened bool, err error) {
	tag, err := t.tx.Exec(t.ctx, `insert into credit_applications (credit_note_id, receivable_id, applied, refund_due)
		values ($1, null, 0, $2) on conflict (credit_note_id) do nothing`, creditNoteID, total)
	return err == nil && tag.RowsAffected() == 1, err
}

// Balance is an invoice's receivable balance.
type Balance struct {
	InvoiceID int64
	Number    string
	Balance   decimal.Decimal
}

// BatchBalances are the open receivables of the customer's invoices of the batch in the
// currency, oldest first, under their row locks.
func (t *Tx) BatchBalances(batchID, customer, currency string) ([]Balance, error) {
	rows, err := t.tx.Query(t.ctx, `
		select v.id, coalesce(v.series || '-' || v.number, 'invoice ' || v.id), r.balance
		from invoices v join receivables r on r.invoice_id = v.id
		where v.batch_id = $1 and v.customer = $2 and v.currency = $3 and v.document_kind <> 'credit_note'
		  and v.status in ('processing', 'completed') and r.status = 'open' and r.balance > 0
		order by v.id for update of r`, batchID, customer, currency)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Balance, error) {
		var b Balance
		return b, r.Scan(&b.InvoiceID, &b.Number, &b.Balance)
	})
}

// BatchOpenCredits are the open credits of the batch's credit notes of return orders of
// the customer in the currency, oldest first, under their applications' row locks (as
// OpenCredits locks them).
func (t *Tx) BatchOpenCredits(batchID, customer, currency string) ([]OpenCredit, error) {
	rows, err := t.tx.Query(t.ctx, `
		select n.id, coalesce(n.series || '-' || n.number, 'credit note ' || n.id), a.refund_due - a.settled
		from invoices n join credit_applications a on a.credit_note_id = n.id
		where n.batch_id = $1 and n.customer = $2 and n.currency = $3 and n.document_kind = 'credit_note' and n.credit_kind = 'return'
		  and n.status in ('processing', 'completed') and a.refund_due > a.settled
		order by n.id for update of a`, batchID, customer, currency)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (OpenCredit, error) {
		var c OpenCredit
		return c, r.Scan(&c.CreditNoteID, &c.Number, &c.Open)
	})
}

// WithdrawCredit undoes a batch's credit note's credit (its attempt failed): what it
// settled is owed again on the invoices it settled, and its credit is gone.
func (t *Tx) WithdrawCredit(creditNoteID int64) error {
	if err := t.exec(`update receivables r set balance = r.balance + s.amount, status = 'open'
		from credit_settlements s where s.credit_note_id = $1 and r.invoice_id = s.invoice_id and r.status in ('open', 'paid')`, creditNoteID); err != nil {
		return err
	}
	if err := t.exec(`delete from credit_settlements where credit_note_id = $1`, creditNoteID); err != nil {
		return err
	}
	return t.exec(`delete from credit_applications where credit_note_id = $1`, creditNoteID)
}

// ReturnedIn are the incoming return movements of a credit note's attempt, in (warehouse,
// item) order: what undoing it takes out again.
func (t *Tx) ReturnedIn(invoiceID int64, attempt int) ([]Movement, error) {
	rows, err := t.tx.Query(t.ctx, `
		select m.invoice_line_id, m.attempt, m.direction, m.reason, m.warehouse, m.item, m.quantity, m.committed_released
		from stock_movements m join invoice_lines l on l.id = m.invoice_line_id
		where l.invoice_id = $1 and m.attempt = $2 and m.direction = 'in' and m.reason = 'return' order by m.warehouse, m.item, m.id`, invoiceID, attempt)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Movement, error) {
		var m Movement
		return m, r.Scan(&m.Line, &m.Attempt, &m.Direction, &m.Reason, &m.Warehouse, &m.Item, &m.Quantity, &m.Released)
	})
}
