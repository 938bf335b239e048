package store

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Monthly payment receipts (MX, an issuer with payment_receipts = 'monthly'): one CFDI P
// per receiver for the month's payments of invoices paid in installments (migration 023).

// unreceipted are the payments of an issuer's invoices paid in installments, in a month,
// that no live receipt states and that are not reversed: a monthly issuer's, its payments
// stated again after their receipt was cancelled, and those left when an issuer went from
// monthly to per-payment receipts.
const unreceipted = `from receivable_payments p join receivables r on r.id = p.receivable_id join invoices v on v.id = r.invoice_id
	join payment_terms pt on pt.code = v.payment_terms
	where v.issuer = $1 and pt.metodo_pago = 'PPD' and p.paid_on between $2 and $3
	  and p.reversed_at is null and not exists (select 1 from payment_receipt_documents d where d.payment_id = p.id and not d.cancelled)`

// unpublished are an issuer's ($1) live monthly receipts made but not yet sealed, stamped,
// printed or e-mailed (a run stopped midway), whose cancellation nobody asked.
const unpublished = `from monthly_receipts m join invoices v on v.id = m.receipt_id
	where m.issuer = $1 and v.status = 'completed' and not v.cancelling
	  and (v.fiscal_status in ('unsealed', 'sealed', 'stamped') or v.delivery_status = 'pending')`

// MonthlyReceivers lists, after a customer code, up to limit customers of an issuer with
// payments in a month that wait for their monthly receipt, or a receipt of the month that
// waits to be published, in code order.
func (t *Tx) MonthlyReceivers(issuer string, from, to time.Time, after string, limit int) ([]string, error) {
	rows, err := t.tx.Query(t.ctx, `select customer from (select v.customer `+unreceipted+`
		union select m.customer `+unpublished+` and m.month = $2) c
		where customer > $4 order by 1 limit $5`, issuer, from, to, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// MonthlyPayments lists a customer's payments in a month that wait for their monthly
// receipt, each by its first part, in the order they were recorded.
func (t *Tx) MonthlyPayments(issuer, customer string, from, to time.Time) ([]int64, error) {
	rows, err := t.tx.Query(t.ctx, `select min(p.id) `+unreceipted+` and v.customer = $4
		group by coalesce('g' || p.group_id, 'p' || p.id) order by 1`, issuer, from, to, customer)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// LatestMonthlyReceipt is a customer's latest live monthly receipt of a month.
func (t *Tx) LatestMonthlyReceipt(issuer, customer string, month time.Time) (id int64, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select m.receipt_id from monthly_receipts m join invoices v on v.id = m.receipt_id
		where m.issuer = $1 and m.customer = $2 and m.month = $3 and v.status <> 'cancelled' order by m.receipt_id desc limit 1`,
		issuer, customer, month).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// RecordMonthlyReceipt records a receipt as a customer's monthly receipt of a month.
func (t *Tx) RecordMonthlyReceipt(receiptID int64, issuer, customer string, month time.Time) error {
	return t.exec(`insert into monthly_receipts (receipt_id, issuer, customer, month) values ($1, $2, $3, $4)`, receiptID, issuer, customer, month)
}

// IssuerReceipts is how an issuer issues its payment receipts (per_payment, monthly) and
// its country.
func (t *Tx) IssuerReceipts(issuer string) (mode, country string, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select payment_receipts, country from issuers where code = $1`, issuer).Scan(&mode, &country)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", false, nil
	}
	return mode, country, err == nil, err
}

// LockPaidInvoices takes the row locks of the invoices the payments (each with its other
// parts) paid, in invoice order, before any is read: a month's receipt and a payment's never
// wait for each other in a circle.
func (t *Tx) LockPaidInvoices(paymentIDs []int64) error {
	return t.exec(`select 1 from invoices v where v.id in (
			select r.invoice_id from receivable_payments p join receivables r on r.id = p.receivable_id
			where p.id = any($1) or p.group_id in (select group_id from receivable_payments where id = any($1)))
		order by v.id for update`, paymentIDs)
}

// UnpublishedMonthlyReceipts lists a customer's live monthly receipts of a month that were
// made but not yet sealed, stamped, printed or e-mailed, and whose cancellation nobody asked.
func (t *Tx) UnpublishedMonthlyReceipts(issuer, customer string, month time.Time) ([]int64, error) {
	rows, err := t.tx.Query(t.ctx, `select v.id `+unpublished+` and m.customer = $2 and m.month = $3 order by v.id`, issuer, customer, month)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// PendingReceiptMonths lists the months, up to through's, in which an issuer received
// payments that wait for a receipt (unreceipted), or whose receipt waits to be published,
// oldest first.
func (t *Tx) PendingReceiptMonths(issuer string, through time.Time) ([]time.Time, error) {
	rows, err := t.tx.Query(t.ctx, `select date_trunc('month', p.paid_on)::date `+unreceipted+`
		union select m.month `+unpublished+` and m.month between $2 and $3 order by 1`,
		issuer, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), through.AddDate(0, 1, -1))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[time.Time])
}

// RestatingMonth is the month and receiver of a cancelled monthly receipt some of whose
// payments stand with no live receipt: they are to be stated again (found false: none).
func (t *Tx) RestatingMonth(receiptID int64) (issuer, customer string, month time.Time, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select m.issuer, m.customer, m.month from monthly_receipts m join invoices v on v.id = m.receipt_id
		where m.receipt_id = $1 and v.status = 'cancelled' and exists (
			select 1 from payment_receipt_documents d join receivable_payments p on p.id = d.payment_id
			where d.receipt_id = m.receipt_id and p.reversed_at is null
			  and not exists (select 1 from payment_receipt_documents o where o.payment_id = p.id and not o.cancelled))`, receiptID).
		Scan(&issuer, &customer, &month)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", month, false, nil
	}
	return issuer, customer, month, err == nil, err
}
