package store

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"billrun/internal/rules"
)

// LockSeries reads a series' next number and dates under its row lock: numbers are taken
// one at a time per series. byCAE says its numbers come from CAEs (it numbers CFE).
func (t *Tx) LockSeries(code string) (next int64, closing, last *time.Time, byCAE bool, err error) {
	err = t.tx.QueryRow(t.ctx, lockSeriesSQL, code).Scan(&next, &closing, &last, &byCAE)
	return
}

const lockSeriesSQL = `select next_number, closing_date, last_date, cfe_type is not null from series where code = $1 for update`

// Number gives the invoice its number (the series' next, or its CAE's) and marks it
// completed; the series' next number follows it.
func (t *Tx) Number(h InvoiceHead, number int64) error {
	if err := t.exec(`update series set next_number = $3 + 1, last_date = $2 where code = $1`, h.Series, h.InvoiceDate, number); err != nil {
		return err
	}
	return t.exec(`update invoices set status = 'completed', number = $2, completed_at = now() where id = $1`, h.ID, number)
}

// settle are the statements that settle each kind of source an invoice bills, in order
// (SettleAndLockSeries sends those of the invoice's kinds): the order lines' claimed
// quantity is invoiced (and, where the invoice discharged the stock, delivered), and orders
// with nothing left to invoice nor to deliver are fulfilled (seed 002); installments are
// billed; a plan event is executed once every other invoice it was split into is
// completed. The event rows are locked first, so two of its invoices completing at once (in
// two series) serialise here, and the second sees the first completed.
var settle = map[string][]string{
	"order_line": {`
		update sales_order_lines ol set qty_in_billing = ol.qty_in_billing - l.quantity, qty_invoiced = ol.qty_invoiced + l.quantity,
		       qty_delivered = case when i.stocked and s.discharge_stock and not l.delivered
		                            then greatest(ol.qty_delivered, ol.qty_invoiced + l.quantity) else ol.qty_delivered end
		from invoice_lines l join items i on i.code = l.item join invoices v on v.id = l.invoice_id join series s on s.code = v.series
		where l.invoice_id = $1 and l.source_kind = 'order_line' and ol.id = l.source_id`, markNotesInvoiced, `
		update sales_orders o set status = 'fulfilled'
		where o.id in (select ol.order_id from invoice_lines l join sales_order_lines ol on ol.id = l.source_id
		               where l.invoice_id = $1 and l.source_kind = 'order_line')
		  and not exists (select 1 from sales_order_lines x join items i on i.code = x.item where x.order_id = o.id
		                  and (x.qty_invoiced < x.qty_ordered or (i.stocked and x.qty_delivered < x.qty_ordered)))`},
	"installment": {`
		update installments set state = 'billed'
		where id in (select source_id from invoice_lines where invoice_id = $1 and source_kind = 'installment')`},
	"plan_event": {`
		select 1 from billing_events where id in (select source_id from invoice_lines where invoice_id = $1 and source_kind = 'plan_event')
		order by id for update`, `
		update billing_events e set state = 'executed'
		where e.id in (select source_id from invoice_lines where invoice_id = $1 and source_kind = 'plan_event')
		  and not exists (select 1 from invoice_lines l join invoices v on v.id = l.invoice_id
		                  where l.source_kind = 'plan_event' and l.source_id = e.id and v.id <> $1 and v.status in ('draft', 'processing', 'failed'))`, `
		delete from billing_event_shares sh using invoices v
		where v.id = $1 and sh.customer = v.customer and sh.state = 'in_billing'
		  and sh.event_id in (select source_id from invoice_lines where invoice_id = $1 and source_kind = 'plan_event')`},
}

// markNotesInvoiced marks the delivery notes' lines an invoice covers invoiced by it
// (seed 002: "dejando el estado de los remitos como 'Facturados'"): each invoice line's
// quantity covers what its order line's delivery notes delivered and no standing invoice
// covers yet, oldest note first (the order lines are locked by the settlement before it).
const markNotesInvoiced = `
		insert into delivery_note_invoices (note_line_id, invoice_id, invoice_line_id, quantity)
		select c.note_line_id, $1, c.invoice_line_id, c.alloc from (
			select nl.id as note_line_id, l.id as invoice_line_id,
			       least(p.pending, greatest(0, l.quantity - coalesce(sum(p.pending) over (partition by l.id order by n.seq, nl.id
			             rows between unbounded preceding and 1 preceding), 0))) as alloc
			from invoice_lines l
			join delivery_note_lines nl on nl.order_line_id = l.source_id
			join delivery_notes n on n.id = nl.note_id and n.status = 'issued'
			cross join lateral (select nl.quantity - coalesce((select sum(d.quantity) from delivery_note_invoices d
			                    where d.note_line_id = nl.id and d.released_at is null), 0) as pending) p
			where l.invoice_id = $1 and l.source_kind = 'order_line' and p.pending > 0) c
		where c.alloc > 0
		on conflict (note_line_id, invoice_line_id) do nothing`

// MarkFailed records a failed invoice with the step and reason of its attempt.
func (t *Tx) MarkFailed(invoiceID int64, step, reason string) error {
	return t.exec(`update invoices set status = 'failed', error_step = $2, error_reason = $3 where id = $1`, invoiceID, step, reason)
}

// MarkUnsealed records why a completed invoice is not sealed, so a reseal can move it.
func (t *Tx) MarkUnsealed(invoiceID int64, reason string) error {
	return t.exec(`update invoices set fiscal_error = $2 where id = $1 and status = 'completed' and fiscal_status = 'unsealed'`, invoiceID, reason)
}

// LockCAEs reads the CAEs of a series that numbers CFE, in range order, under their row
// locks (the series' lock, taken first, already queues completions).
func (t *Tx) LockCAEs(series string) ([]rules.CAE, error) {
	rows, err := t.tx.Query(t.ctx, `select id, cae, cfe_series, first_number, last_number, next_number, expires
		from caes where series = $1 order by first_number for update`, series)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.CAE, error) {
		var c rules.CAE
		return c, r.Scan(&c.ID, &c.Number, &c.CFESeries, &c.First, &c.Last, &c.Next, &c.Expires)
	})
}

// UseCAE records that the invoice took number from the CAE. The CAE's next number must be
// that number (it is read under the same lock): anything else would leave a gap or give a
// number twice, so it is refused.
func (t *Tx) UseCAE(invoiceID, caeID, number int64) error {
	tag, err := t.tx.Exec(t.ctx, `update caes set next_number = $2 + 1 where id = $1 and next_number = $2`, caeID, number)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("CAE %d: next number is not %d; numbering refused", caeID, number)
	}
	return t.exec(`update invoices set cae = $2 where id = $1`, invoiceID, caeID)
}
