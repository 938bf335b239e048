package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/activities/rules"
)

// Steps of an invoice, as recorded in error_step and the audit trail.
const (
	StepPrice      = "pricing"
	StepStock      = "stock discharge"
	StepReceivable = "receivable"
	StepComplete   = "completion"
)

// invoiceHead is the locked invoice row an invoice activity works on.
type invoiceHead struct {
	ID          int64
	BatchID     string
	Status      string
	Attempt     int
	Series      string
	Customer    string
	Terms       string
	InvoiceDate time.Time
	Total       decimal.Decimal
	Currency    string
	Number      *int64
}

// lockInvoice reads an invoice under a row lock, so two runs of one activity serialise.
func lockInvoice(ctx context.Context, tx pgx.Tx, id int64) (invoiceHead, error) {
	var h invoiceHead
	err := tx.QueryRow(ctx, `
		select id, batch_id, status, attempt, series, customer, payment_terms, invoice_date, total, currency, number
		from invoices where id = $1 for update`, id).
		Scan(&h.ID, &h.BatchID, &h.Status, &h.Attempt, &h.Series, &h.Customer, &h.Terms, &h.InvoiceDate, &h.Total, &h.Currency, &h.Number)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, fmt.Errorf("invoice %d: %w", id, ErrNotFound)
	}
	return h, err
}

// PriceResult tells the invoice workflow which attempt it runs and what the invoice came to.
type PriceResult struct {
	Attempt  int    `json:"attempt"`
	Total    string `json:"total"`
	Currency string `json:"currency"`
	Done     bool   `json:"done"` // completed already: nothing left to do
}

// PriceInvoice re-prices a draft from its lines and the items' current tax profiles (so a
// fixed tax setup takes effect on retry) and moves it to processing.
func (a *Activities) PriceInvoice(ctx context.Context, invoiceID int64) (PriceResult, error) {
	var res PriceResult
	err := inTx(ctx, a.DB, func(tx pgx.Tx) error {
		h, err := lockInvoice(ctx, tx, invoiceID)
		if err != nil {
			return err
		}
		res = PriceResult{Attempt: h.Attempt, Currency: h.Currency}
		switch h.Status {
		case "completed":
			res.Done, res.Total = true, h.Total.String()
			return nil
		case "draft", "processing":
		default:
			return businessf(StepPrice, "invoice %d is %s, not a draft", invoiceID, h.Status)
		}
		var policy rules.PricingPolicy
		var decimals int32
		if err := tx.QueryRow(ctx, `
			select coalesce((b.params->>'discount_9999_is_100')::boolean, false), cur.decimals
			from invoices v join batches b on b.id = v.batch_id join currencies cur on cur.code = v.currency
			where v.id = $1`, invoiceID).Scan(&policy.Discount9999Is100, &decimals); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			select l.id, l.item, l.quantity, l.unit_price, l.discount_pct,
			       i.vat_rate, i.excise_rate, i.vat_withholding_rate, i.isr_withholding_rate
			from invoice_lines l join items i on i.code = l.item where l.invoice_id = $1 order by l.line_no`, invoiceID)
		if err != nil {
			return err
		}
		type line struct {
			id int64
			in rules.LineInput
		}
		var lines []line
		for rows.Next() {
			var l line
			if err := rows.Scan(&l.id, &l.in.Item, &l.in.Quantity, &l.in.UnitPrice, &l.in.DiscountPct,
				&l.in.Tax.VATRate, &l.in.Tax.ExciseRate, &l.in.Tax.VATWithholdingRate, &l.in.Tax.ISRWithholdingRate); err != nil {
				rows.Close()
				return err
			}
			lines = append(lines, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var priced []rules.LineAmounts
		for _, l := range lines {
			amt, err := rules.PriceLine(l.in, decimals, policy)
			if err != nil {
				return businessf(StepPrice, "%s", err.Error())
			}
			if err := storeLineAmounts(ctx, tx, l.id, amt); err != nil {
				return err
			}
			priced = append(priced, amt)
		}
		t := rules.SumLines(priced)
		if err := storeTotals(ctx, tx, invoiceID, t); err != nil {
			return err
		}
		res.Total = t.Total.String()
		if _, err := tx.Exec(ctx, `update invoices set status = 'processing', error_step = '', error_reason = '' where id = $1`, invoiceID); err != nil {
			return err
		}
		return audit(ctx, tx, h.BatchID, invoiceID, StepPrice, h.Attempt, "ok", "total "+t.Total.String())
	})
	return res, temporalError(err)
}

// stockLine is an invoice line that may move stock.
type stockLine struct {
	ID        int64
	SourceID  int64
	Kind      string
	Warehouse string
	Item      string
	Quantity  decimal.Decimal
	Committed bool
}

// DischargeStock posts one outgoing movement per stocked, undelivered line of the invoice's
// attempt. The movement's unique key (line, direction, attempt) makes a second run a no-op.
// Stock going negative fails the invoice unless the series or the batch allows it.
func (a *Activities) DischargeStock(ctx context.Context, invoiceID int64, attempt int) error {
	err := inTx(ctx, a.DB, func(tx pgx.Tx) error {
		h, err := lockInvoice(ctx, tx, invoiceID)
		if err != nil {
			return err
		}
		if h.Status != "processing" || h.Attempt != attempt {
			return nil // completed, failed or superseded: this run has nothing to do
		}
		var discharge, allowNegative bool
		if err := tx.QueryRow(ctx, `
			select s.discharge_stock, s.allow_negative_stock or coalesce((b.params->>'allow_negative_stock')::boolean, false)
			from invoices v join series s on s.code = v.series join batches b on b.id = v.batch_id where v.id = $1`, invoiceID).
			Scan(&discharge, &allowNegative); err != nil {
			return err
		}
		if !discharge {
			return audit(ctx, tx, h.BatchID, invoiceID, StepStock, attempt, "ok", "series does not discharge stock")
		}
		// Lock stock rows in (warehouse, item) order so concurrent invoices never deadlock.
		rows, err := tx.Query(ctx, `
			select l.id, l.source_id, l.source_kind, l.warehouse, l.item, l.quantity, coalesce(ol.stock_committed, false)
			from invoice_lines l join items i on i.code = l.item
			left join sales_order_lines ol on l.source_kind = 'order_line' and ol.id = l.source_id
			where l.invoice_id = $1 and i.stocked and not l.delivered and l.warehouse is not null
			order by l.warehouse, l.item, l.id`, invoiceID)
		if err != nil {
			return err
		}
		lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (stockLine, error) {
			var s stockLine
			return s, r.Scan(&s.ID, &s.SourceID, &s.Kind, &s.Warehouse, &s.Item, &s.Quantity, &s.Committed)
		})
		if err != nil {
			return err
		}
		moved := 0
		for _, l := range lines {
			var onHand, committed decimal.Decimal
			err := tx.QueryRow(ctx, `select on_hand, committed from stock where warehouse = $1 and item = $2 for update`, l.Warehouse, l.Item).
				Scan(&onHand, &committed)
			if errors.Is(err, pgx.ErrNoRows) {
				if !allowNegative {
					return businessf(StepStock, "no stock of item %s in warehouse %s (needs %s)", l.Item, l.Warehouse, l.Quantity)
				}
				if _, err := tx.Exec(ctx, `insert into stock (warehouse, item) values ($1, $2)`, l.Warehouse, l.Item); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
			release := decimal.Zero
			if l.Committed {
				release = decimal.Min(committed, l.Quantity)
			}
			tag, err := tx.Exec(ctx, `
				insert into stock_movements (invoice_line_id, attempt, direction, reason, warehouse, item, quantity, committed_released)
				values ($1, $2, 'out', 'sale', $3, $4, $5, $6) on conflict (invoice_line_id, direction, attempt) do nothing`,
				l.ID, attempt, l.Warehouse, l.Item, l.Quantity, release)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				continue // moved by an earlier run of this activity
			}
			if onHand.Sub(l.Quantity).IsNegative() && !allowNegative {
				return businessf(StepStock, "not enough stock of item %s in warehouse %s: %s on hand, %s to discharge",
					l.Item, l.Warehouse, onHand, l.Quantity)
			}
			if _, err := tx.Exec(ctx, `update stock set on_hand = on_hand - $3, committed = committed - $4 where warehouse = $1 and item = $2`,
				l.Warehouse, l.Item, l.Quantity, release); err != nil {
				return err
			}
			moved++
		}
		return audit(ctx, tx, h.BatchID, invoiceID, StepStock, attempt, "ok", fmt.Sprintf("%d movements", moved))
	})
	return temporalError(err)
}

// PostReceivable posts the invoice's receivable by its payment terms. The partial unique
// index (one live receivable per invoice) makes a second run a no-op.
func (a *Activities) PostReceivable(ctx context.Context, invoiceID int64, attempt int) error {
	err := inTx(ctx, a.DB, func(tx pgx.Tx) error {
		h, err := lockInvoice(ctx, tx, invoiceID)
		if err != nil {
			return err
		}
		if h.Status != "processing" || h.Attempt != attempt {
			return nil
		}
		var kind string
		var days int
		var generic bool
		if err := tx.QueryRow(ctx, `
			select t.kind, t.days, c.is_generic from invoices v join payment_terms t on t.code = v.payment_terms
			join customers c on c.code = v.customer where v.id = $1`, invoiceID).Scan(&kind, &days, &generic); err != nil {
			return err
		}
		r, ok, err := rules.ReceivableFor(kind, days, generic, h.InvoiceDate)
		if err != nil {
			return businessf(StepReceivable, "customer %s: %s", h.Customer, err.Error())
		}
		if !ok {
			return audit(ctx, tx, h.BatchID, invoiceID, StepReceivable, attempt, "ok", "payment terms post no receivable")
		}
		_, err = tx.Exec(ctx, `
			insert into receivables (invoice_id, customer, kind, currency, amount, balance, due_date, status)
			values ($1, $2, $3, $4, $5, $5, $6, 'open')
			on conflict (invoice_id) where status not in ('reversed', 'cancelled') do nothing`,
			invoiceID, h.Customer, r.Kind, h.Currency, h.Total, r.DueDate)
		if err != nil {
			return err
		}
		return audit(ctx, tx, h.BatchID, invoiceID, StepReceivable, attempt, "ok", r.Kind+" due "+r.DueDate.Format(time.DateOnly))
	})
	return temporalError(err)
}

// CompleteResult is the invoice's number once completed.
type CompleteResult struct {
	Series string `json:"series"`
	Number int64  `json:"number"`
}

// CompleteInvoice assigns the next number of the invoice's series under the series' row
// lock, in a short transaction, and updates the order bookkeeping. Numbers are gapless:
// only completion takes one, and a rolled-back transaction gives it back.
func (a *Activities) CompleteInvoice(ctx context.Context, invoiceID int64, attempt int) (CompleteResult, error) {
	var res CompleteResult
	err := inTx(ctx, a.DB, func(tx pgx.Tx) error {
		h, err := lockInvoice(ctx, tx, invoiceID)
		if err != nil {
			return err
		}
		res.Series = h.Series
		if h.Status == "completed" {
			res.Number = *h.Number
			return nil
		}
		if h.Status != "processing" || h.Attempt != attempt {
			return fmt.Errorf("invoice %d is %s at attempt %d, not processing attempt %d", invoiceID, h.Status, h.Attempt, attempt)
		}
		var next int64
		var closing, last *time.Time
		if err := tx.QueryRow(ctx, `select next_number, closing_date, last_date from series where code = $1 for update`, h.Series).
			Scan(&next, &closing, &last); err != nil {
			return err
		}
		if err := rules.CheckInvoiceDate(h.Series, h.InvoiceDate, closing, last); err != nil {
			return businessf(StepComplete, "%s", err.Error())
		}
		if _, err := tx.Exec(ctx, `update series set next_number = next_number + 1, last_date = $2 where code = $1`, h.Series, h.InvoiceDate); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update invoices set status = 'completed', number = $2, completed_at = now() where id = $1`, invoiceID, next); err != nil {
			return err
		}
		// Order bookkeeping: the claimed quantity is now invoiced; an order with nothing
		// pending is fulfilled.
		if _, err := tx.Exec(ctx, `
			update sales_order_lines ol set qty_in_billing = ol.qty_in_billing - l.quantity, qty_invoiced = ol.qty_invoiced + l.quantity
			from invoice_lines l where l.invoice_id = $1 and l.source_kind = 'order_line' and ol.id = l.source_id`, invoiceID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			update sales_orders o set status = 'fulfilled'
			where o.id in (select ol.order_id from invoice_lines l join sales_order_lines ol on ol.id = l.source_id
			               where l.invoice_id = $1 and l.source_kind = 'order_line')
			  and not exists (select 1 from sales_order_lines x where x.order_id = o.id and x.qty_invoiced < x.qty_ordered)`, invoiceID); err != nil {
			return err
		}
		// Installments are billed; a plan event is executed once every invoice it was split into is completed.
		if _, err := tx.Exec(ctx, `
			update installments set state = 'billed'
			where id in (select source_id from invoice_lines where invoice_id = $1 and source_kind = 'installment')`, invoiceID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			update billing_events e set state = 'executed'
			where e.id in (select source_id from invoice_lines where invoice_id = $1 and source_kind = 'plan_event')
			  and not exists (select 1 from invoice_lines l join invoices v on v.id = l.invoice_id
			                  where l.source_kind = 'plan_event' and l.source_id = e.id and v.status <> 'completed')`, invoiceID); err != nil {
			return err
		}
		res.Number = next
		return audit(ctx, tx, h.BatchID, invoiceID, StepComplete, attempt, "ok", fmt.Sprintf("%s-%d", h.Series, next))
	})
	return res, temporalError(err)
}

// FailInvoice undoes what the invoice's attempt did (stock back in, receivable reversed)
// and records it failed with the step and the reason, in one transaction. The claimed
// source quantities stay with the invoice, so an operator can fix the data and retry it.
func (a *Activities) FailInvoice(ctx context.Context, invoiceID int64, attempt int, step, reason string) error {
	return inTx(ctx, a.DB, func(tx pgx.Tx) error {
		h, err := lockInvoice(ctx, tx, invoiceID)
		if err != nil {
			return err
		}
		if attempt <= 0 { // pricing failed before it could tell the attempt
			attempt = h.Attempt
		}
		if h.Status == "completed" || h.Attempt != attempt {
			return nil // never undo a completed invoice; a stale attempt has nothing to undo
		}
		rows, err := tx.Query(ctx, `
			select m.invoice_line_id, m.warehouse, m.item, m.quantity, m.committed_released from stock_movements m
			join invoice_lines l on l.id = m.invoice_line_id
			where l.invoice_id = $1 and m.attempt = $2 and m.direction = 'out' order by m.warehouse, m.item, m.id`, invoiceID, attempt)
		if err != nil {
			return err
		}
		type mv struct {
			line          int64
			wh, item      string
			qty, released decimal.Decimal
		}
		moves, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mv, error) {
			var m mv
			return m, r.Scan(&m.line, &m.wh, &m.item, &m.qty, &m.released)
		})
		if err != nil {
			return err
		}
		for _, m := range moves {
			tag, err := tx.Exec(ctx, `
				insert into stock_movements (invoice_line_id, attempt, direction, reason, warehouse, item, quantity, committed_released)
				values ($1, $2, 'in', 'undo', $3, $4, $5, $6) on conflict (invoice_line_id, direction, attempt) do nothing`,
				m.line, attempt, m.wh, m.item, m.qty, m.released)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 1 {
				if _, err := tx.Exec(ctx, `update stock set on_hand = on_hand + $3, committed = committed + $4 where warehouse = $1 and item = $2`,
					m.wh, m.item, m.qty, m.released); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(ctx, `update receivables set status = 'reversed' where invoice_id = $1 and status = 'open'`, invoiceID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update invoices set status = 'failed', error_step = $2, error_reason = $3 where id = $1`, invoiceID, step, reason); err != nil {
			return err
		}
		return audit(ctx, tx, h.BatchID, invoiceID, step, attempt, "failed", reason)
	})
}
