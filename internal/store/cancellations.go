package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
)

// CancelHead is an invoice as its cancellation reads it, under the invoice's row lock.
type CancelHead struct {
	ID           int64
	Status       string
	FiscalStatus string
	FiscalError  string
	Attempt      int
	Series       string
	Number       *int64
	Customer     string
	IssuerTaxID  string
	Country      string
	CreditOf     *int64
	DocumentKind string
	UUID         string
	Paid         decimal.Decimal // payments applied to its receivable (a cash sale's collection on the spot is not one)
	PaidOn       []string        // "1000.00 on 2026-11-25", for the refusal
	CreditNotes  []string        // its completed credit notes' numbers
	Cancel       *Cancellation   // its cancellation request, if any
}

// Cancellation is an invoice's cancellation request.
type Cancellation struct {
	Motive, Replacement, Status, Detail string
}

// LockForCancel reads an invoice for its cancellation, under its row lock.
func (t *Tx) LockForCancel(id int64) (CancelHead, error) {
	var h CancelHead
	err := t.tx.QueryRow(t.ctx, `
		select v.id, v.status, v.fiscal_status, v.fiscal_error, v.attempt, v.series, v.number, v.customer, i.rfc, i.country, v.credit_of, v.document_kind, coalesce(d.uuid, '')
		from invoices v join issuers i on i.code = v.issuer left join fiscal_documents d on d.invoice_id = v.id
		where v.id = $1 for update of v`, id).
		Scan(&h.ID, &h.Status, &h.FiscalStatus, &h.FiscalError, &h.Attempt, &h.Series, &h.Number, &h.Customer, &h.IssuerTaxID, &h.Country, &h.CreditOf, &h.DocumentKind, &h.UUID)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return h, err
	}
	rows, err := t.tx.Query(t.ctx, `select p.amount, p.paid_on::text from receivable_payments p join receivables r on r.id = p.receivable_id
		where r.invoice_id = $1 and r.status in ('open', 'paid') and p.reversed_at is null
		  and not exists (select 1 from cash_movements m where m.payment_id = p.id) order by p.id`, id)
	if err != nil {
		return h, err
	}
	type payment struct {
		amount decimal.Decimal
		on     string
	}
	pays, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (payment, error) {
		var p payment
		return p, r.Scan(&p.amount, &p.on)
	})
	if err != nil {
		return h, err
	}
	for _, p := range pays {
		h.Paid = h.Paid.Add(p.amount)
		h.PaidOn = append(h.PaidOn, p.amount.StringFixed(2)+" on "+p.on)
	}
	rows, err = t.tx.Query(t.ctx, `select series || '-' || number from invoices where credit_of = $1 and status = 'completed' order by credit_seq`, id)
	if err != nil {
		return h, err
	}
	if h.CreditNotes, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return h, err
	}
	var c Cancellation
	err = t.tx.QueryRow(t.ctx, `select motive, coalesce(replacement_uuid, ''), status, detail from cancellations where invoice_id = $1`, id).
		Scan(&c.Motive, &c.Replacement, &c.Status, &c.Detail)
	switch {
	case err == nil:
		h.Cancel = &c
	case !errors.Is(err, pgx.ErrNoRows):
		return h, err
	}
	return h, nil
}

// Replacement finds the invoice whose stamped CFDI has the UUID, and its customer.
func (t *Tx) Replacement(uuid string) (id int64, customer string, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select v.id, v.customer from fiscal_documents d join invoices v on v.id = d.invoice_id
		where d.uuid = upper($1) and v.status = 'completed'`, uuid).Scan(&id, &customer)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", false, nil
	}
	return id, customer, err == nil, err
}

// RequestCancellation records the invoice's cancellation request (replacing a rejected one).
func (t *Tx) RequestCancellation(id int64, motive, replacement, key, request string) error {
	if err := t.SetCancelling(id, true); err != nil {
		return err
	}
	return t.exec(`insert into cancellations (invoice_id, motive, replacement_uuid, status, request_key, request)
		values ($1, $2, nullif(upper($3), ''), 'requested', nullif($4, ''), $5)
		on conflict (invoice_id) do update set motive = excluded.motive, replacement_uuid = excluded.replacement_uuid, status = 'requested',
		detail = '', requested_at = now(), request_key = excluded.request_key, request = excluded.request
		where cancellations.status = 'rejected'`, id, motive, replacement, key, request)
}

// CancellationRequest is an invoice's cancellation request as its key finds it.
type CancellationRequest struct {
	Status, Key, Request string
}

// ReadCancellationRequest reads the invoice's cancellation request (found false: none).
func (s *Store) ReadCancellationRequest(ctx context.Context, id int64) (r CancellationRequest, found bool, err error) {
	err = s.pool.QueryRow(ctx, `select status, coalesce(request_key, ''), coalesce(request, '') from cancellations where invoice_id = $1`, id).
		Scan(&r.Status, &r.Key, &r.Request)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// SetCancelling marks the invoice as being cancelled (a request stands) or not (rejected).
func (t *Tx) SetCancelling(id int64, on bool) error {
	return t.exec(`update invoices set cancelling = $2 where id = $1`, id, on)
}

// SetCancellation records where the invoice's cancellation stands.
func (t *Tx) SetCancellation(id int64, status, detail string) error {
	return t.exec(`update cancellations set status = $2, detail = $3 where invoice_id = $1 and status <> 'cancelled'`, id, status, detail)
}

// RefuseCancellation records that the authority cancelled the invoice's document but
// billrun refuses to undo its books (it has payments): status refused, with the reason.
func (t *Tx) RefuseCancellation(id int64, why string) error {
	return t.exec(`update cancellations set status = 'refused', detail = $2 where invoice_id = $1`, id, why)
}

// CancelReceivable cancels the invoice's live receivable, giving back the credit settled
// against it. One with payments is never cancelled (the database refuses).
func (t *Tx) CancelReceivable(id int64) error {
	if err := t.unsettle(id); err != nil {
		return err
	}
	return t.exec(`update receivables set status = 'cancelled' where invoice_id = $1 and status in ('open', 'paid')`, id)
}

// ReleaseSources gives back what the invoice billed so it can be billed again: order lines'
// quantities go from invoiced back to "to invoice" (and their orders are open again),
// installments are complete again, plan events planned again.
// What the invoice's discharge delivered is undelivered: the cancellation brings it back.
// The delivery notes it covered are no longer invoiced (their own movements stay, seed 004).
func (t *Tx) ReleaseSources(id int64) error {
	for _, sql := range []string{`
		update sales_order_lines ol set qty_invoiced = ol.qty_invoiced - l.quantity, qty_to_invoice = ol.qty_to_invoice + l.quantity,
		       qty_delivered = greatest(0, ol.qty_delivered - coalesce((select sum(m.quantity) from stock_movements m join invoices v on v.id = l.invoice_id
		                        where m.invoice_line_id = l.id and m.direction = 'out' and m.reason = 'sale' and m.attempt = v.attempt), 0))
		from invoice_lines l where l.invoice_id = $1 and l.source_kind = 'order_line' and ol.id = l.source_id`, `
		update delivery_note_invoices set released_at = now() where invoice_id = $1 and released_at is null`, `
		update sales_orders o set status = 'approved' where o.status = 'fulfilled'
		  and o.id in (select ol.order_id from invoice_lines l join sales_order_lines ol on ol.id = l.source_id
		               where l.invoice_id = $1 and l.source_kind = 'order_line')`, `
		update installments set state = 'complete'
		where state = 'billed' and id in (select source_id from invoice_lines where invoice_id = $1 and source_kind = 'installment')`,
	} {
		if err := t.exec(sql, id); err != nil {
			return err
		}
	}
	return t.releaseEventShares(id)
}

// liveShare is an invoice of the same plan event other than $1 that stands or is still
// being billed.
const liveShare = `select 1 from invoice_lines o join invoices ov on ov.id = o.invoice_id
	where o.source_kind = 'plan_event' and o.source_id = %s and ov.id <> $1 and ov.status in ('draft', 'processing', 'failed', 'completed')`

// releaseEventShares gives back the plan events' shares an invoice billed (it is
// cancelled, voided or abandoned): while other invoices of the event stand, only this
// invoice's share is released, to be billed again alone; the event itself is planned again
// once none stands, and executed once the others are all completed.
func (t *Tx) releaseEventShares(id int64) error {
	events := `(select source_id from invoice_lines where invoice_id = $1 and source_kind = 'plan_event')`
	for _, sql := range []string{`
		insert into billing_event_shares (event_id, customer, state)
		select distinct l.source_id, v.customer, 'released' from invoice_lines l join invoices v on v.id = l.invoice_id
		where l.invoice_id = $1 and l.source_kind = 'plan_event' and exists (` + fmt.Sprintf(liveShare, "l.source_id") + `)
		on conflict (event_id, customer) do update set state = 'released'`, `
		update billing_events e set state = 'planned'
		where e.state in ('in_billing', 'executed') and e.id in ` + events + ` and not exists (` + fmt.Sprintf(liveShare, "e.id") + `)`, `
		update billing_events e set state = 'executed'
		where e.state = 'in_billing' and e.id in ` + events + ` and not exists (` + fmt.Sprintf(liveShare, "e.id") + ` and ov.status <> 'completed')`,
	} {
		if err := t.exec(sql, id); err != nil {
			return err
		}
	}
	return nil
}

// ReversePayments completes a cancelled receipt's payments, under the paid invoices' row
// locks (taken in invoice order, before the payments are read): those asked to be cancelled
// with it are owed again on their receivables (open once more) and marked reversed, once;
// every payment it stated is no longer stated by it. It answers how many it reversed and
// how many stand, to be stated again.
func (t *Tx) ReversePayments(receiptID int64) (reversed, standing int, err error) {
	if err := t.exec(lockReceiptInvoices, receiptID); err != nil {
		return 0, 0, err
	}
	rows, err := t.tx.Query(t.ctx, `with rev as (
			update receivable_payments p set reversed_at = now()
			from payment_receipt_documents d where d.receipt_id = $1 and d.reverse and not d.cancelled and p.id = d.payment_id and p.reversed_at is null
			returning p.id, p.receivable_id, p.amount),
		upd as (update receivables r set balance = r.balance + x.amount, status = 'open'
			from (select receivable_id, sum(amount) amount from rev group by receivable_id) x where r.id = x.receivable_id)
		select id from rev order by id`, receiptID)
	if err != nil {
		return 0, 0, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, 0, err
	}
	for _, id := range ids { // each reversal's entry
		if err := t.postPayment(id, "payment_reversal"); err != nil {
			return 0, 0, err
		}
	}
	err = t.tx.QueryRow(t.ctx, `with c as (update payment_receipt_documents d set cancelled = true where d.receipt_id = $1 and not d.cancelled
			returning d.payment_id)
		select count(*) from c join receivable_payments p on p.id = c.payment_id where p.reversed_at is null`, receiptID).Scan(&standing)
	return len(ids), standing, err
}

// MarkCancelled marks the invoice, its fiscal document and its cancellation cancelled. The
// invoice keeps its number: numbers are never reused.
func (t *Tx) MarkCancelled(id int64) error {
	for _, sql := range []string{
		`update invoices set status = 'cancelled', fiscal_status = 'cancelled' where id = $1`,
		`update fiscal_documents set status = 'cancelled' where invoice_id = $1`,
		`update cancellations set status = 'cancelled', cancelled_at = coalesce(cancelled_at, now()) where invoice_id = $1`,
	} {
		if err := t.exec(sql, id); err != nil {
			return err
		}
	}
	return nil
}

// CancellationStatus is where the invoice's cancellation request stands ("" when none).
func (t *Tx) CancellationStatus(id int64) (string, error) {
	var s string
	err := t.tx.QueryRow(t.ctx, `select status from cancellations where invoice_id = $1`, id).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return s, err
}
