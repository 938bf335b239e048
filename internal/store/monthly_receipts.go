package store

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Monthly payment receipts (MX, an issuer with payment_receipts = 'monthly'): one CFDI P
// per receiver for the month's payments of invoices paid in installments (migration 023).

// unreceipted are the payments of a monthly issuer's invoices paid in installments, in a
// month, that no receipt states and that are not reversed.
const unreceipted = `from receivable_payments p join receivables r on r.id = p.receivable_id join invoices v on v.id = r.invoice_id
	join payment_terms pt on pt.code = v.payment_terms join issuers i on i.code = v.issuer
	where v.issuer = $1 and i.payment_receipts = 'monthly' and pt.metodo_pago = 'PPD' and p.paid_on between $2 and $3
	  and p.reversed_at is null and not exists (select 1 from payment_receipt_documents d where d.payment_id = p.id)`

// MonthlyReceivers lists, after a customer code, up to limit customers of an issuer with
// payments in a month that wait for their monthly receipt, in code order.
func (t *Tx) MonthlyReceivers(issuer string, from, to time.Time, after string, limit int) ([]string, error) {
	rows, err := t.tx.Query(t.ctx, `select distinct v.customer `+unreceipted+` and v.customer > $4 order by 1 limit $5`, issuer, from, to, after, limit)
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
