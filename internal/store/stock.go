package store

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// StockLine is an invoice line that moves stock.
type StockLine struct {
	ID        int64
	Warehouse string
	Item      string
	Quantity  decimal.Decimal
	Committed bool // the order line committed stock, which the discharge releases
}

// LockStock reads a stock row under a row lock; found is false when there is none.
func (t *Tx) LockStock(warehouse, item string) (onHand, committed decimal.Decimal, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select on_hand, committed from stock where warehouse = $1 and item = $2 for update`, warehouse, item).
		Scan(&onHand, &committed)
	if errors.Is(err, pgx.ErrNoRows) {
		return onHand, committed, false, nil
	}
	return onHand, committed, err == nil, err
}

// CreateStock adds an empty stock row (negative stock allowed for an item never stocked).
func (t *Tx) CreateStock(warehouse, item string) error {
	return t.exec(`insert into stock (warehouse, item) values ($1, $2)`, warehouse, item)
}

// Movement is one stock movement of an invoice line's attempt.
type Movement struct {
	Line              int64
	Attempt           int
	Direction, Reason string // out/sale, in/undo
	Warehouse, Item   string
	Quantity          decimal.Decimal
	Released          decimal.Decimal // committed stock released (out) or committed again (in)
}

// Move records a movement and applies it to stock, once: the movement's unique key (line,
// direction, attempt) makes a second run a no-op, and moved tells which it was.
func (t *Tx) Move(m Movement) (moved bool, err error) {
	sign := decimal.NewFromInt(1)
	if m.Direction == "out" {
		sign = sign.Neg()
	}
	// One round trip: the stock changes only when the movement is new (a data-modifying
	// WITH runs whatever the outer query reads).
	var n int
	err = t.tx.QueryRow(t.ctx, `with mv as (
			insert into stock_movements (invoice_line_id, attempt, direction, reason, warehouse, item, quantity, committed_released)
			values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (invoice_line_id, direction, attempt) do nothing returning 1),
		st as (update stock set on_hand = on_hand + $9, committed = committed + $10
			where warehouse = $5 and item = $6 and exists (select 1 from mv) returning 1)
		select count(*) from mv`,
		m.Line, m.Attempt, m.Direction, m.Reason, m.Warehouse, m.Item, m.Quantity, m.Released, m.Quantity.Mul(sign), m.Released.Mul(sign)).Scan(&n)
	return n == 1, err
}

// Discharged are the outgoing movements of an invoice's attempt, in (warehouse, item) order.
func (t *Tx) Discharged(invoiceID int64, attempt int) ([]Movement, error) {
	rows, err := t.tx.Query(t.ctx, `
		select m.invoice_line_id, m.attempt, m.direction, m.reason, m.warehouse, m.item, m.quantity, m.committed_released
		from stock_movements m join invoice_lines l on l.id = m.invoice_line_id
		where l.invoice_id = $1 and m.attempt = $2 and m.direction = 'out' order by m.warehouse, m.item, m.id`, invoiceID, attempt)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Movement, error) {
		var m Movement
		return m, r.Scan(&m.Line, &m.Attempt, &m.Direction, &m.Reason, &m.Warehouse, &m.Item, &m.Quantity, &m.Released)
	})
}
