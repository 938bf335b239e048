package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// Cash sales (seed 004, migration 038): an invoice on cash terms that name a cash box is
// collected on the spot, its returns and rebates are paid back out of the box, and its
// cancellation gives the money back — each a row of cash_movements, written once.

// CashSale is what an invoice's collection on the spot depends on: its terms' box, the
// currencies, the rate, its live receivable and balance.
type CashSale struct {
	Box, BoxCurrency, InvoiceCurrency, BooksCurrency, Form string
	BoxDecimals                                            int32
	Rate                                                   decimal.Decimal // books' currency per unit of the invoice's
	ReceivableID                                           int64
	Balance                                                decimal.Decimal
	Date                                                   time.Time
}

// CashSaleFacts reads an invoice's CashSale under its receivable's row lock; found is false
// when its terms name no box, or it has no open receivable left to collect.
func (t *Tx) CashSaleFacts(invoiceID int64) (s CashSale, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `
		select pt.cash_box, b.currency, cur.decimals, v.currency, i.currency, case when v.currency = i.currency then 1 else v.rate end,
		       pt.forma_pago, v.invoice_date, r.id, r.balance
		from invoices v join payment_terms pt on pt.code = v.payment_terms join cash_boxes b on b.code = pt.cash_box
		join currencies cur on cur.code = b.currency join issuers i on i.code = v.issuer
		join receivables r on r.invoice_id = v.id and r.status = 'open'
		where v.id = $1 and v.document_kind <> 'credit_note' and r.balance > 0 for update of r`, invoiceID).
		Scan(&s.Box, &s.BoxCurrency, &s.BoxDecimals, &s.InvoiceCurrency, &s.BooksCurrency, &s.Rate, &s.Form, &s.Date, &s.ReceivableID, &s.Balance)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	return s, err == nil, err
}

// CollectCash pays the invoice's receivable in full on the spot, once: the payment (the
// terms' form of payment, on the invoice's date; in the box's currency when it is not the
// invoice's), the cash movement in (boxAmount, in the box's currency), the payment's
// journal entry (the box's account debited, the receivable credited) and the balance.
func (t *Tx) CollectCash(invoiceID int64, s CashSale, boxAmount decimal.Decimal) (collected bool, err error) {
	var paidCur string
	var paidAmount, paidRate decimal.Decimal
	if s.BoxCurrency != s.InvoiceCurrency {
		paidCur, paidAmount, paidRate = s.BoxCurrency, boxAmount, s.Rate
	}
	request := fmt.Sprintf("invoice %d collected on the spot: %s into cash box %s", invoiceID, s.Balance, s.Box)
	var paymentID int64
	err = t.tx.QueryRow(t.ctx, `insert into receivable_payments (receivable_id, amount, paid_on, request_key, request, forma_pago,
		paid_currency, paid_amount, paid_rate, balance_before)
		values ($1, $2, $3, $4, $5, $6, nullif($7, ''), nullif($8::numeric, 0), nullif($9::numeric, 0), $2)
		on conflict (request_key) where request_key is not null do nothing returning id`,
		s.ReceivableID, s.Balance, s.Date, fmt.Sprintf("cash-sale-%d", invoiceID), request, s.Form, paidCur, paidAmount, paidRate).Scan(&paymentID)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // collected by an earlier run
	}
	if err != nil {
		return false, err
	}
	if err := t.exec(`insert into cash_movements (box, currency, invoice_id, sale_id, payment_id, direction, reason, amount, invoice_amount, moved_on)
		values ($1, $2, $3, $3, $4, 'in', 'sale', $5, $6, $7)`, s.Box, s.BoxCurrency, invoiceID, paymentID, boxAmount, s.Balance, s.Date); err != nil {
		return false, err
	}
	if err := t.postPayment(paymentID, "payment"); err != nil {
		return false, err
	}
	return true, t.exec(`update receivables set balance = 0, status = 'paid' where id = $1`, s.ReceivableID)
}

// CashHeld reads what of a cash sale its box still holds (found is false for a sale not
// collected into a box): what came in less what went out, in the sale's currency and the
// box's, with the box and the rate between the two (the sale's, for a box of the books'
// currency; 1 for a box of the sale's).
func (t *Tx) CashHeld(saleID int64) (box string, h rules.CashHeld, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `
		select s.box, sum(case m.direction when 'in' then m.invoice_amount else -m.invoice_amount end),
		       sum(case m.direction when 'in' then m.amount else -m.amount end), case when s.currency = v.currency then 1 else v.rate end, cur.decimals
		from cash_movements s join cash_movements m on m.sale_id = s.sale_id join currencies cur on cur.code = s.currency
		join invoices v on v.id = s.sale_id
		where s.sale_id = $1 and s.reason = 'sale' group by s.box, s.currency, v.currency, v.rate, cur.decimals`, saleID).
		Scan(&box, &h.Left, &h.BoxLeft, &h.Rate, &h.BoxDecimals)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", h, false, nil
	}
	return box, h, err == nil, err
}

// RefundCash pays a credit note's refund on a cash sale out of the sale's box, once: the
// cash movement out (out in the sale's currency, box in the box's) and its journal entry
// (the receivable debited, the box's account credited: by the box's amount when the box
// keeps the books' currency, so the account and the box agree to the cent).
func (t *Tx) RefundCash(creditNoteID, saleID int64, out, box decimal.Decimal, on time.Time) error {
	var id int64
	err := t.tx.QueryRow(t.ctx, `insert into cash_movements (box, currency, invoice_id, sale_id, direction, reason, amount, invoice_amount, moved_on)
		select box, currency, $1, sale_id, 'out', 'refund', $3, $4, $5 from cash_movements where sale_id = $2 and reason = 'sale'
		on conflict do nothing returning id`, creditNoteID, saleID, box, out, on).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return t.exec(`with m as (
			select m.moved_on, n.id as invoice_id, i.currency, b.account as cash,
			       case when m.currency = i.currency then m.amount
			            else round(m.invoice_amount * case when n.currency = i.currency then 1 else n.rate end, cur.decimals) end as amount,
			       coalesce(c.receivable_account, (select account from ledger_accounts where role = 'receivable')) as receivable,
			       'cash refund of ' || s.series || '-' || s.number || ' from box ' || m.box as memo
			from cash_movements m join cash_boxes b on b.code = m.box join invoices n on n.id = m.invoice_id join invoices s on s.id = m.sale_id
			join issuers i on i.code = n.issuer join currencies cur on cur.code = i.currency join customers c on c.code = n.customer
			where m.id = $1),
		e as (
			insert into journal_entries (entry_date, kind, invoice_id, currency, debit, credit, memo)
			select moved_on, 'cash_refund', invoice_id, currency, amount, amount, memo from m where amount > 0
			on conflict do nothing returning id)
		insert into journal_lines (entry_id, line_no, account, debit, credit)
		select e.id, 1, m.receivable, m.amount, 0 from e, m
		union all
		select e.id, 2, m.cash, 0, m.amount from e, m`, id)
}

// GiveCashBack reverses, once, the cash a cancelled document moved (seed 004): a cash
// sale's collection goes out of its box again and its payment is reversed (owed again on
// its receivable, its entry reversed), so the receivable can be cancelled; a credit note's
// refund comes back in (its entry is reversed with the credit note's). It answers the
// amount given back in the box's currency (zero: the document moved no cash).
func (t *Tx) GiveCashBack(documentID int64) (decimal.Decimal, error) {
	var amount decimal.Decimal
	err := t.tx.QueryRow(t.ctx, `insert into cash_movements (box, currency, invoice_id, sale_id, reverses, direction, reason, amount, invoice_amount, moved_on)
		select box, currency, invoice_id, sale_id, id, case direction when 'in' then 'out' else 'in' end, 'cancel', amount, invoice_amount, current_date
		from cash_movements where invoice_id = $1 and reason in ('sale', 'refund')
		on conflict do nothing returning amount`, documentID).Scan(&amount)
	if errors.Is(err, pgx.ErrNoRows) {
		return decimal.Zero, nil
	}
	if err != nil {
		return amount, err
	}
	rows, err := t.tx.Query(t.ctx, `with rev as (
			update receivable_payments p set reversed_at = now() from cash_movements m
			where m.invoice_id = $1 and m.reason = 'sale' and p.id = m.payment_id and p.reversed_at is null
			returning p.id, p.receivable_id, p.amount),
		upd as (update receivables r set balance = r.balance + rev.amount, status = 'open' from rev where r.id = rev.receivable_id)
		select id from rev`, documentID)
	if err != nil {
		return amount, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	for _, id := range ids {
		if err == nil {
			err = t.postPayment(id, "payment_reversal")
		}
	}
	return amount, err
}

// CashMovements lists the movements of a box ("" for all) dated from..to, in order.
func (s *Store) CashMovements(ctx context.Context, box string, from, to time.Time) ([]model.CashMovement, error) {
	return s.cashMovements(ctx, `($1 = '' or m.box = $1) and m.moved_on between $2 and $3`, box, from, to)
}

// documentCashMovements lists the movements of a cash sale and of its credit notes, or
// of a credit note's refund.
func (s *Store) documentCashMovements(ctx context.Context, id int64) ([]model.CashMovement, error) {
	return s.cashMovements(ctx, `(m.sale_id = $1 or m.invoice_id = $1)`, id)
}

func (s *Store) cashMovements(ctx context.Context, where string, args ...any) ([]model.CashMovement, error) {
	rows, err := s.pool.Query(ctx, `
		select m.id, m.box, m.moved_on::text, m.direction, m.reason, m.amount, m.currency,
		       coalesce(d.series || '-' || d.number, 'invoice ' || d.id), coalesce(v.series || '-' || v.number, 'invoice ' || v.id), m.payment_id
		from cash_movements m join invoices d on d.id = m.invoice_id join invoices v on v.id = m.sale_id
		where `+where+` order by m.moved_on, m.id`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.CashMovement, error) {
		var m model.CashMovement
		return m, r.Scan(&m.ID, &m.Box, &m.Date, &m.Direction, &m.Reason, &m.Amount, &m.Currency, &m.Document, &m.Sale, &m.PaymentID)
	})
}
