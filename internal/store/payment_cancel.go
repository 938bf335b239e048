package store

import (
	"github.com/jackc/pgx/v5"
)

// RecordedPart is a part of a recorded payment (one per invoice it paid), read under the
// paid invoices' row locks: each part's invoice, whether it is reversed, and its receipt
// (0: none; cancelled receipts are not counted).
type RecordedPart struct {
	ID, InvoiceID int64
	Invoice       string
	Reversed      bool
	ReceiptID     int64
	Receipt       string
	CashBox       string // a cash sale's collection on the spot: the box it went into
}

// LockRecordedParts reads a payment's parts under the row locks of the invoices it paid and
// of those its live receipt states, taken in invoice order first (the order a receipt and
// its cancellation take them in), then read afresh: a receipt cancelled while this waited
// is seen cancelled.
func (t *Tx) LockRecordedParts(paymentID int64) ([]RecordedPart, error) {
	if err := t.exec(`select 1 from invoices v where v.id in (
			select r.invoice_id from receivable_payments p join receivables r on r.id = p.receivable_id
			where p.id = $1 or p.group_id = (select group_id from receivable_payments where id = $1)
			union select o.invoice_id from payment_receipt_documents d join payment_receipt_documents o on o.receipt_id = d.receipt_id
			where d.payment_id = $1 and not d.cancelled)
		order by v.id for update`, paymentID); err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(t.ctx, `
		select p.id, v.id, v.series || '-' || coalesce(v.number::text, '?'), p.reversed_at is not null,
		       coalesce(rc.id, 0), coalesce(rc.series || '-' || rc.number, ''),
		       coalesce((select m.box from cash_movements m where m.payment_id = p.id), '')
		from receivable_payments p join receivables r on r.id = p.receivable_id join invoices v on v.id = r.invoice_id
		left join payment_receipt_documents d on d.payment_id = p.id and not d.cancelled
		left join invoices rc on rc.id = d.receipt_id
		where p.id = $1 or p.group_id = (select group_id from receivable_payments where id = $1)
		order by v.id`, paymentID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RecordedPart, error) {
		var x RecordedPart
		return x, r.Scan(&x.ID, &x.InvoiceID, &x.Invoice, &x.Reversed, &x.ReceiptID, &x.Receipt, &x.CashBox)
	})
}

// ReversePayment reverses one part of a payment that no live receipt states: it is owed
// again on its receivable (open once more) and marked reversed, once. It answers whether
// it reversed it now.
func (t *Tx) ReversePayment(partID int64) (bool, error) {
	tag, err := t.tx.Exec(t.ctx, `with rev as (
			update receivable_payments p set reversed_at = now() where p.id = $1 and p.reversed_at is null
			  and not exists (select 1 from payment_receipt_documents d where d.payment_id = p.id and not d.cancelled)
			returning p.receivable_id, p.amount)
		update receivables r set balance = r.balance + rev.amount, status = 'open' from rev where r.id = rev.receivable_id`, partID)
	if err != nil || tag.RowsAffected() != 1 {
		return false, err
	}
	return true, t.postPayment(partID, "payment_reversal")
}

// lockReceiptInvoices takes the row locks of the invoices a live receipt's payments paid,
// in invoice order (the order every payment and receipt takes them in).
const lockReceiptInvoices = `select 1 from invoices v where v.id in (select invoice_id from payment_receipt_documents where receipt_id = $1)
	order by v.id for update`

// MarkPaymentCancelled marks a payment's parts, stated by a live receipt, to be reversed
// when that receipt's cancellation completes (the receipt's other payments are stated
// again), under the paid invoices' row locks.
func (t *Tx) MarkPaymentCancelled(receiptID, paymentID int64) error {
	if err := t.exec(lockReceiptInvoices, receiptID); err != nil {
		return err
	}
	return t.exec(`update payment_receipt_documents d set reverse = true where d.receipt_id = $1 and not d.cancelled
		and d.payment_id in (select id from receivable_payments where id = $2 or group_id = (select group_id from receivable_payments where id = $2))`,
		receiptID, paymentID)
}

// MarkReceiptPaymentsCancelled marks every payment a live receipt states to be reversed when
// its cancellation completes (the receipt is cancelled with its payments).
func (t *Tx) MarkReceiptPaymentsCancelled(receiptID int64) error {
	if err := t.exec(lockReceiptInvoices, receiptID); err != nil {
		return err
	}
	return t.exec(`update payment_receipt_documents set reverse = true where receipt_id = $1 and not cancelled`, receiptID)
}

// ClearPaymentMarks unmarks a live receipt's payments: its cancellation was rejected, the
// receipt and its payments stand.
func (t *Tx) ClearPaymentMarks(receiptID int64) error {
	return t.exec(`update payment_receipt_documents set reverse = false where receipt_id = $1 and not cancelled`, receiptID)
}

// LaterLiveReceipts names the live receipts other than receiptID that state a later payment
// of an invoice that the payments given paid (with their other parts; none given: every
// payment receiptID states) — "P-5 (A-1)": reversing those payments would break the chain
// of parcialidades those receipts state.
func (t *Tx) LaterLiveReceipts(receiptID int64, paymentIDs []int64) ([]string, error) {
	rows, err := t.tx.Query(t.ctx, `
		with mine as (
			select p.id, r.invoice_id from receivable_payments p join receivables r on r.id = p.receivable_id
			where (coalesce(cardinality($2::bigint[]), 0) > 0 and (p.id = any($2) or p.group_id in (select group_id from receivable_payments where id = any($2))))
			   or (coalesce(cardinality($2::bigint[]), 0) = 0 and p.id in (select payment_id from payment_receipt_documents where receipt_id = $1 and not cancelled)))
		select distinct rc.series || '-' || coalesce(rc.number::text, '?') || ' (' || v.series || '-' || coalesce(v.number::text, '?') || ')'
		from mine m join payment_receipt_documents d on d.invoice_id = m.invoice_id and not d.cancelled and d.payment_id > m.id and d.receipt_id <> $1
		join invoices rc on rc.id = d.receipt_id join invoices v on v.id = d.invoice_id
		order by 1`, receiptID, paymentIDs)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
