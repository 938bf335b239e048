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

// DeliveryOrder is an order as a delivery note reads it.
type DeliveryOrder struct {
	ID            int64
	Number        int64
	Status        string
	Return        bool
	Warehouse     string
	AllowNegative bool // its series lets stock go negative
}

// OrderLineStock is whether an order line commits stock (its delivery releases it).
type OrderLineStock map[int64]bool

// LockOrderForDelivery reads an order and its lines, the lines under their row locks
// (taken in line order, as a bill run's claim takes them), so what a delivery note decides
// on cannot change under it.
func (t *Tx) LockOrderForDelivery(number int64) (DeliveryOrder, []rules.DeliverableLine, OrderLineStock, error) {
	var o DeliveryOrder
	err := t.tx.QueryRow(t.ctx, `select o.id, o.number, o.status, o.is_return, o.warehouse, s.allow_negative_stock
		from sales_orders o join series s on s.code = o.series where o.number = $1`, number).
		Scan(&o.ID, &o.Number, &o.Status, &o.Return, &o.Warehouse, &o.AllowNegative)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, nil, nil, fmt.Errorf("order %d: %w", number, model.ErrNotFound)
	}
	if err != nil {
		return o, nil, nil, err
	}
	rows, err := t.tx.Query(t.ctx, `select l.id, l.line_no, l.item, i.stocked, l.qty_ordered, l.qty_delivered, l.qty_in_billing, l.stock_committed
		from sales_order_lines l join items i on i.code = l.item where l.order_id = $1 order by l.id for update of l`, o.ID)
	if err != nil {
		return o, nil, nil, err
	}
	defer rows.Close()
	var lines []rules.DeliverableLine
	committed := OrderLineStock{}
	for rows.Next() {
		var l rules.DeliverableLine
		var c bool
		if err := rows.Scan(&l.ID, &l.Line, &l.Item, &l.Stocked, &l.Ordered, &l.Delivered, &l.InBilling, &c); err != nil {
			return o, nil, nil, err
		}
		lines, committed[l.ID] = append(lines, l), c
	}
	return o, lines, committed, rows.Err()
}

// NoteByKey is the delivery note a request key made: its order's number, its number, and
// its lines as order line number → quantity (found false: none yet).
func (t *Tx) NoteByKey(key string) (order int64, number string, lines map[int]decimal.Decimal, found bool, err error) {
	var id int64
	err = t.tx.QueryRow(t.ctx, `select n.id, o.number, o.number || '-' || n.seq from delivery_notes n join sales_orders o on o.id = n.order_id
		where n.request_key = $1`, key).Scan(&id, &order, &number)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", nil, false, nil
	}
	if err != nil {
		return 0, "", nil, false, err
	}
	rows, err := t.tx.Query(t.ctx, `select ol.line_no, nl.quantity from delivery_note_lines nl
		join sales_order_lines ol on ol.id = nl.order_line_id where nl.note_id = $1`, id)
	if err != nil {
		return 0, "", nil, false, err
	}
	defer rows.Close()
	lines = map[int]decimal.Decimal{}
	for rows.Next() {
		var n int
		var q decimal.Decimal
		if err := rows.Scan(&n, &q); err != nil {
			return 0, "", nil, false, err
		}
		lines[n] = q
	}
	return order, number, lines, true, rows.Err()
}

// CreateNote records a delivery note of the order, numbered next among the order's notes
// (the order's lines are locked: notes of one order are numbered one at a time).
func (t *Tx) CreateNote(orderID int64, date time.Time, key string) (id int64, seq int, err error) {
	err = t.tx.QueryRow(t.ctx, `insert into delivery_notes (order_id, seq, note_date, request_key)
		values ($1, (select coalesce(max(seq), 0) + 1 from delivery_notes where order_id = $1), $2, $3) returning id, seq`,
		orderID, date, key).Scan(&id, &seq)
	return
}

// AddNoteLine records a delivery note's line and its outgoing stock movement (reason
// 'delivery', releasing what the order committed), applies it to stock and raises the
// order line's delivered quantity (the database refuses more than ordered).
func (t *Tx) AddNoteLine(noteID int64, lineNo int, warehouse string, l rules.DeliveryLine, released decimal.Decimal) error {
	var id int64
	if err := t.tx.QueryRow(t.ctx, `insert into delivery_note_lines (note_id, line_no, order_line_id, item, warehouse, quantity)
		values ($1, $2, $3, $4, $5, $6) returning id`, noteID, lineNo, l.OrderLineID, l.Item, warehouse, l.Quantity).Scan(&id); err != nil {
		return err
	}
	if err := t.exec(`insert into stock_movements (delivery_note_line_id, attempt, direction, reason, warehouse, item, quantity, committed_released)
		values ($1, 1, 'out', 'delivery', $2, $3, $4, $5)`, id, warehouse, l.Item, l.Quantity, released); err != nil {
		return err
	}
	if err := t.exec(`update stock set on_hand = on_hand - $3, committed = committed - $4 where warehouse = $1 and item = $2`,
		warehouse, l.Item, l.Quantity, released); err != nil {
		return err
	}
	if err := t.exec(`update sales_order_lines set qty_delivered = qty_delivered + $2 where id = $1`, l.OrderLineID, l.Quantity); err != nil {
		return err
	}
	return t.exec(coverNoteLine, id)
}

// coverNoteLine marks a new note line invoiced by the standing invoices that billed its
// goods before they were delivered (a series that does not discharge stock): at most what
// its order line had invoiced beyond what was delivered before the note, taken from the
// invoice lines' quantities no note and no discharge covers yet, oldest invoice first.
const coverNoteLine = `
	insert into delivery_note_invoices (note_line_id, invoice_id, invoice_line_id, quantity)
	select $1, c.invoice_id, c.invoice_line_id, c.alloc from (
		select l.invoice_id, l.id as invoice_line_id,
		       least(u.open, greatest(0, cap.q - coalesce(sum(u.open) over (order by l.invoice_id, l.id
		             rows between unbounded preceding and 1 preceding), 0))) as alloc
		from delivery_note_lines nl
		join sales_order_lines ol on ol.id = nl.order_line_id
		cross join lateral (select least(nl.quantity, greatest(0, ol.qty_invoiced - (ol.qty_delivered - nl.quantity))) as q) cap
		join invoice_lines l on l.source_kind = 'order_line' and l.source_id = ol.id
		join invoices v on v.id = l.invoice_id and v.status = 'completed'
		cross join lateral (select l.quantity
			- coalesce((select sum(d.quantity) from delivery_note_invoices d where d.invoice_line_id = l.id and d.released_at is null), 0)
			- coalesce((select sum(m.quantity) from stock_movements m where m.invoice_line_id = l.id and m.direction = 'out'
			            and m.reason = 'sale' and m.attempt = v.attempt), 0) as open) u
		where nl.id = $1 and u.open > 0) c
	where c.alloc > 0`

// FulfilOrder marks the order fulfilled when nothing is left to invoice and, of its
// stocked lines, nothing left to deliver (seed 002).
func (t *Tx) FulfilOrder(orderID int64) error {
	return t.exec(`update sales_orders o set status = 'fulfilled' where o.id = $1 and o.status = 'approved'
		and not exists (select 1 from sales_order_lines x join items i on i.code = x.item where x.order_id = o.id
		                and (x.qty_invoiced < x.qty_ordered or (i.stocked and x.qty_delivered < x.qty_ordered)))`, orderID)
}

// DeliveryNoteView is a delivery note as `order deliveries` shows it.
type DeliveryNoteView struct {
	Number string             `json:"number"` // order-seq
	Date   string             `json:"date"`
	Status string             `json:"status"`
	Lines  []DeliveryLineView `json:"lines"`
}

// DeliveryLineView is a delivery note's line and the invoices that cover it.
type DeliveryLineView struct {
	Line      int             `json:"line"`       // the note's
	OrderLine int             `json:"order_line"` // the order's
	Item      string          `json:"item"`
	Warehouse string          `json:"warehouse"`
	Quantity  decimal.Decimal `json:"quantity"`
	Invoiced  decimal.Decimal `json:"invoiced"`
	Invoices  []string        `json:"invoices"` // "A-5: 4"
}

// DeliveryNotes are an order's delivery notes, in number order, each line with the
// invoices standing that cover it.
func (s *Store) DeliveryNotes(ctx context.Context, order int64) ([]DeliveryNoteView, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `select exists (select 1 from sales_orders where number = $1)`, order).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("order %d: %w", order, model.ErrNotFound)
	}
	rows, err := s.pool.Query(ctx, `
		select o.number || '-' || n.seq, n.note_date::text, n.status, nl.line_no, ol.line_no, nl.item, nl.warehouse, nl.quantity,
		       coalesce(sum(di.quantity), 0),
		       coalesce(array_agg(v.series || '-' || coalesce(v.number::text, '(draft)') || ': ' || trim_scale(di.quantity)::text order by di.id)
		                filter (where di.id is not null), '{}')
		from delivery_notes n join sales_orders o on o.id = n.order_id
		join delivery_note_lines nl on nl.note_id = n.id join sales_order_lines ol on ol.id = nl.order_line_id
		left join delivery_note_invoices di on di.note_line_id = nl.id and di.released_at is null
		left join invoices v on v.id = di.invoice_id
		where o.number = $1
		group by n.id, o.number, nl.id, ol.line_no order by n.seq, nl.line_no`, order)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeliveryNoteView
	for rows.Next() {
		var n DeliveryNoteView
		var l DeliveryLineView
		if err := rows.Scan(&n.Number, &n.Date, &n.Status, &l.Line, &l.OrderLine, &l.Item, &l.Warehouse, &l.Quantity, &l.Invoiced, &l.Invoices); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Number != n.Number {
			out = append(out, n)
		}
		out[len(out)-1].Lines = append(out[len(out)-1].Lines, l)
	}
	return out, rows.Err()
}

// OrderCountries are the countries of the issuer of the order's series (none: no such
// order, which the command names then).
func (s *Store) OrderCountries(ctx context.Context, order int64) ([]string, error) {
	return s.countries(ctx, `select i.country from sales_orders o join series s on s.code = o.series join issuers i on i.code = s.issuer
		where o.number = $1`, order)
}
