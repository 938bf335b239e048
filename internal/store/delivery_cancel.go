package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// NoteLine is a delivery note's line as its cancellation moves it back.
type NoteLine struct {
	ID, OrderLineID int64
	Item, Warehouse string
	Quantity        decimal.Decimal
	Released        decimal.Decimal // committed stock its delivery released
}

// NoteForCancel reads delivery note seq of the order (whose lines the caller has locked),
// under the note's row lock, with its lines in (warehouse, item) order and what standing
// invoices cover of them.
func (t *Tx) NoteForCancel(orderID int64, seq int) (id int64, n rules.NoteToCancel, lines []NoteLine, err error) {
	err = t.tx.QueryRow(t.ctx, `select n.id, o.number || '-' || n.seq, n.status,
		coalesce((select sum(d.quantity) from delivery_note_invoices d join delivery_note_lines nl on nl.id = d.note_line_id
		          where nl.note_id = n.id and d.released_at is null), 0),
		coalesce((select sum(ol.qty_in_billing) from sales_order_lines ol
		          where ol.id in (select nl.order_line_id from delivery_note_lines nl where nl.note_id = n.id)), 0)
		from delivery_notes n join sales_orders o on o.id = n.order_id where n.order_id = $1 and n.seq = $2 for update of n`, orderID, seq).
		Scan(&id, &n.Number, &n.Status, &n.Invoiced, &n.InBilling)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, n, nil, fmt.Errorf("delivery note %d of order id %d: %w", seq, orderID, model.ErrNotFound)
	}
	if err != nil {
		return 0, n, nil, err
	}
	rows, err := t.tx.Query(t.ctx, `select nl.id, nl.order_line_id, nl.item, nl.warehouse, nl.quantity, m.committed_released
		from delivery_note_lines nl join stock_movements m on m.delivery_note_line_id = nl.id and m.direction = 'out'
		where nl.note_id = $1 order by nl.warehouse, nl.item, nl.id`, id)
	if err != nil {
		return 0, n, nil, err
	}
	lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (NoteLine, error) {
		var l NoteLine
		return l, r.Scan(&l.ID, &l.OrderLineID, &l.Item, &l.Warehouse, &l.Quantity, &l.Released)
	})
	return id, n, lines, err
}

// UndeliverNoteLine brings a cancelled note line's goods back (an incoming movement,
// reason 'delivery_cancel', committing again what the delivery released, once per line)
// and lowers its order line's delivered quantity.
func (t *Tx) UndeliverNoteLine(l NoteLine) error {
	if err := t.exec(`insert into stock_movements (delivery_note_line_id, attempt, direction, reason, warehouse, item, quantity, committed_released)
		values ($1, 1, 'in', 'delivery_cancel', $2, $3, $4, $5)`, l.ID, l.Warehouse, l.Item, l.Quantity, l.Released); err != nil {
		return err
	}
	if err := t.exec(`update stock set on_hand = on_hand + $3, committed = committed + $4 where warehouse = $1 and item = $2`,
		l.Warehouse, l.Item, l.Quantity, l.Released); err != nil {
		return err
	}
	return t.exec(`update sales_order_lines set qty_delivered = qty_delivered - $2 where id = $1`, l.OrderLineID, l.Quantity)
}

// CancelNote marks the note cancelled and its order open again (it has goods to deliver).
func (t *Tx) CancelNote(id, orderID int64) error {
	if err := t.exec(`update delivery_notes set status = 'cancelled', cancelled_at = now() where id = $1`, id); err != nil {
		return err
	}
	return t.exec(`update sales_orders set status = 'approved' where id = $1 and status = 'fulfilled'`, orderID)
}
