package store

import (
	"github.com/jackc/pgx/v5"
)

// Cancelling a credit note (seed 004: as SAT cancels any CFDI): the goods its return
// brought in go out again, the credit it took off the corrected invoice's receivable is
// owed again, and its journal entry is reversed.

// CreditSettlements names the invoices a credit note's open credit was settled against in
// batches (--settle-credits): while any stands, the credit note is not cancelled.
func (t *Tx) CreditSettlements(creditNoteID int64) ([]string, error) {
	rows, err := t.tx.Query(t.ctx, `select v.series || '-' || coalesce(v.number::text, '(no number)') from credit_settlements cs
		join invoices v on v.id = cs.invoice_id where cs.credit_note_id = $1 and v.status <> 'cancelled' order by v.id`, creditNoteID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Returned are the incoming movements a credit note's return made, in (warehouse, item)
// order.
func (t *Tx) Returned(creditNoteID int64) ([]Movement, error) {
	rows, err := t.tx.Query(t.ctx, `
		select m.invoice_line_id, m.attempt, m.direction, m.reason, m.warehouse, m.item, m.quantity, m.committed_released
		from stock_movements m join invoice_lines l on l.id = m.invoice_line_id
		where l.invoice_id = $1 and m.direction = 'in' and m.reason = 'return' order by m.warehouse, m.item, m.id`, creditNoteID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Movement, error) {
		var m Movement
		return m, r.Scan(&m.Line, &m.Attempt, &m.Direction, &m.Reason, &m.Warehouse, &m.Item, &m.Quantity, &m.Released)
	})
}

// ReverseCreditApplication owes again what a credit note took off its invoice's receivable
// (open once more). Called once, as the credit note is marked cancelled in the same
// transaction.
func (t *Tx) ReverseCreditApplication(creditNoteID int64) error {
	return t.exec(`update receivables r set balance = r.balance + a.applied, status = 'open'
		from credit_applications a where a.credit_note_id = $1 and a.receivable_id = r.id and a.applied > 0`, creditNoteID)
}
