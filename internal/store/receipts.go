package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
	"billrun/internal/model"
)

// ReceivedPayment is a recorded payment as its receipt needs it: the payment, the invoice it
// paid with its terms and document, and its place among the invoice's payments.
type ReceivedPayment struct {
	ID          int64
	InvoiceID   int64
	Amount      decimal.Decimal
	PaidOn      time.Time
	Issuer      string
	Country     string // the issuer's
	Customer    string
	Currency    string
	Method      string // the invoice's SAT MetodoPago: PUE or PPD
	Invoice     string // "A-4"
	UUID        string // the invoice's folio fiscal ("" until stamped)
	Series      string // the receipt series of the invoice's series ("" if none)
	Parcialidad int    // 1 for the invoice's first payment
	SaldoAnt    decimal.Decimal
	ReceiptID   int64 // the receipt made for it before (0: none yet)
	Reversed    bool  // cancelled (payment cancel) or its receipt cancelled
	Monthly     bool  // its issuer issues monthly receipts (payment_receipts = 'monthly')
}

// LockPaymentForReceipt reads a payment for its receipt — with the other parts of a
// payment of several invoices, in invoice order — under the paid invoices' row locks (so
// two receipts of one invoice are numbered in the order of its payments). Its parcialidad
// counts the invoice's payments up to it that stand, and follows every live receipt of
// an earlier one; reversed payments count in neither. The balance before each is the one
// read as it was applied (for payments recorded before that was kept: the receivable's
// balance now plus it and every later payment standing), plus the earlier payments
// reversed since.
func (t *Tx) LockPaymentForReceipt(paymentID int64) ([]ReceivedPayment, error) {
	return readPaymentForReceipt(t.ctx, t.tx, paymentID, " for update of v")
}

// ReadPaymentForReceipt reads a payment as its receipt needs it, without locks.
func (s *Store) ReadPaymentForReceipt(ctx context.Context, paymentID int64) ([]ReceivedPayment, error) {
	return readPaymentForReceipt(ctx, s.pool, paymentID, "")
}

func readPaymentForReceipt(ctx context.Context, q querier, paymentID int64, lock string) ([]ReceivedPayment, error) {
	rows, err := q.Query(ctx, `
		select p.id, r.invoice_id, p.amount, p.paid_on, v.issuer, i.country, v.customer, v.currency, pt.metodo_pago,
		       v.series || '-' || coalesce(v.number::text, '?'), coalesce(d.uuid, ''), coalesce(s.payment_receipt_series, ''),
		       greatest((select count(*) from receivable_payments x join receivables rx on rx.id = x.receivable_id
		                 where rx.invoice_id = r.invoice_id and x.id <= p.id and x.reversed_at is null),
		                1 + coalesce((select max(d.parcialidad) from payment_receipt_documents d
		                              where d.invoice_id = r.invoice_id and not d.cancelled and d.payment_id < p.id), 0)),
		       coalesce(p.balance_before
		                  + coalesce((select sum(x.amount) from receivable_payments x where x.receivable_id = r.id and x.id < p.id and x.reversed_at > p.recorded_at), 0),
		                r.balance + (select sum(x.amount) from receivable_payments x where x.receivable_id = r.id and x.id >= p.id and x.reversed_at is null)),
		       coalesce((select receipt_id from payment_receipt_documents where payment_id = p.id and not cancelled), 0), p.reversed_at is not null,
		       i.payment_receipts = 'monthly'
		from receivable_payments p join receivables r on r.id = p.receivable_id join invoices v on v.id = r.invoice_id
		join issuers i on i.code = v.issuer join payment_terms pt on pt.code = v.payment_terms join series s on s.code = v.series
		left join fiscal_documents d on d.invoice_id = v.id
		where p.id = $1 or p.group_id = (select group_id from receivable_payments where id = $1)
		order by v.id`+lock, paymentID)
	if err != nil {
		return nil, err
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReceivedPayment, error) {
		var p ReceivedPayment
		return p, r.Scan(&p.ID, &p.InvoiceID, &p.Amount, &p.PaidOn, &p.Issuer, &p.Country, &p.Customer, &p.Currency, &p.Method,
			&p.Invoice, &p.UUID, &p.Series, &p.Parcialidad, &p.SaldoAnt, &p.ReceiptID, &p.Reversed, &p.Monthly)
	})
	if err == nil && len(ps) == 0 {
		err = fmt.Errorf("payment %d: %w", paymentID, model.ErrNotFound)
	}
	return ps, err
}

// InsertPaymentReceipt records the receipt of a payment (its parts ps, one per invoice it
// pays), processing until numbered, dated date, in the first part's receipt series; it
// answers the receipt's id.
func (t *Tx) InsertPaymentReceipt(ps []ReceivedPayment, date time.Time) (int64, error) {
	var id int64
	err := t.tx.QueryRow(t.ctx, `
		insert into invoices (batch_id, group_no, issuer, series, document_kind, customer, currency, rate, payment_terms, invoice_date, status)
		select null, 1, v.issuer, $2, 'payment_receipt', v.customer, v.currency, v.rate, v.payment_terms, $3, 'processing'
		from invoices v where v.id = $1 returning id`, ps[0].InvoiceID, ps[0].Series, date).Scan(&id)
	if err != nil {
		return 0, err
	}
	for _, p := range ps {
		if err := t.exec(`insert into payment_receipt_documents (receipt_id, payment_id, invoice_id, parcialidad, saldo_ant, paid)
			values ($1, $2, $3, $4, $5, $6)`, id, p.ID, p.InvoiceID, p.Parcialidad, p.SaldoAnt, p.Amount); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// ReceiptPayments reads the payments a receipt states (one, or a month's), with each
// invoice each pays and that invoice's stamped document, for the receipt's fiscal
// document: in the currency paid, with the rates that relate it to each invoice's. The
// parts of one payment of several invoices are one payment; payments come in the order
// they were recorded.
func (t *Tx) ReceiptPayments(receiptID int64) ([]fiscal.Payment, error) {
	rows, err := t.tx.Query(t.ctx, `
		select coalesce('g' || p.group_id, 'p' || p.id), p.paid_on, p.forma_pago, coalesce(p.paid_currency, v.currency), coalesce(pc.decimals, cur.decimals), coalesce(p.paid_amount, p.amount),
		       v.currency, coalesce((select x.rate from exchange_rates x where x.currency = v.currency and x.date <= p.paid_on order by x.date desc limit 1), v.rate),
		       p.paid_rate, d.parcialidad, d.saldo_ant, d.paid, coalesce(fd.xml, '')
		from payment_receipt_documents d join receivable_payments p on p.id = d.payment_id join invoices v on v.id = d.invoice_id
		join currencies cur on cur.code = v.currency left join currencies pc on pc.code = p.paid_currency
		left join fiscal_documents fd on fd.invoice_id = d.invoice_id
		where d.receipt_id = $1 order by min(p.id) over (partition by coalesce('g' || p.group_id, 'p' || p.id)), d.invoice_id`, receiptID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var pays []fiscal.Payment
	last := ""
	for rows.Next() {
		var x fiscal.PaidInvoice
		var p fiscal.Payment
		var key, invCurrency string
		var amount decimal.Decimal
		var paidRate *decimal.Decimal
		if err := rows.Scan(&key, &p.PaidOn, &p.Form, &p.Currency, &p.Decimals, &amount, &invCurrency, &x.Rate, &paidRate,
			&x.Parcialidad, &x.SaldoAnt, &x.Paid, &x.XML); err != nil {
			return nil, err
		}
		p.Rate = x.Rate      // paid in the invoice's own currency: its rate
		if paidRate != nil { // paid in another: the rate of the one that is not the peso
			p.Rate = *paidRate
			if invCurrency != "MXN" {
				x.Rate = *paidRate
			}
		}
		if key != last {
			p.Amount = decimal.Zero
			pays, last = append(pays, p), key
		}
		pay := &pays[len(pays)-1]
		pay.Amount = pay.Amount.Add(amount)
		pay.Paid = append(pay.Paid, x)
	}
	return pays, rows.Err()
}

// LiveReceipts names the receipts of an invoice's payments that are not cancelled: SAT does
// not cancel an invoice while a payment receipt relates to it.
func (t *Tx) LiveReceipts(invoiceID int64) ([]string, error) {
	rows, err := t.tx.Query(t.ctx, `select r.series || '-' || coalesce(r.number::text, '(processing)') from payment_receipt_documents d
		join invoices r on r.id = d.receipt_id where d.invoice_id = $1 and r.status <> 'cancelled' order by r.id`, invoiceID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
