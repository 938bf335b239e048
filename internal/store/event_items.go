package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// LockEventItems reads a billing event under its row lock — its plan, its state — with the
// items it bills (its own once edited, else its plan's), in line order.
func (t *Tx) LockEventItems(id int64) (plan, state string, items []rules.PlanItem, err error) {
	var planID int64
	err = t.tx.QueryRow(t.ctx, `select p.id, p.code, e.state from billing_events e join billing_plans p on p.id = e.plan_id
		where e.id = $1 for update of e`, id).Scan(&planID, &plan, &state)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", nil, fmt.Errorf("billing event %d: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return "", "", nil, err
	}
	rows, err := t.tx.Query(t.ctx, `select pi.line_no, pi.item, pi.description, pi.quantity, pi.unit_price, pi.discount_pct
		from (`+eventItems+`) pi order by pi.line_no`, planID, id)
	if err != nil {
		return "", "", nil, err
	}
	items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.PlanItem, error) {
		var x rules.PlanItem
		return x, r.Scan(&x.LineNo, &x.Item, &x.Description, &x.Quantity, &x.Price, &x.DiscountPct)
	})
	return plan, state, items, err
}

// SetEventItems makes items the event's own, in place of what it billed before.
func (t *Tx) SetEventItems(id int64, items []rules.PlanItem) error {
	if err := t.exec(`delete from billing_event_items where event_id = $1`, id); err != nil {
		return err
	}
	for _, x := range items {
		if err := t.exec(`insert into billing_event_items (event_id, line_no, item, description, quantity, unit_price, discount_pct)
			values ($1, $2, $3, $4, $5, $6, $7)`, id, x.LineNo, x.Item, x.Description, x.Quantity, x.Price, x.DiscountPct); err != nil {
			return err
		}
	}
	return t.exec(`update billing_events set own_items = true where id = $1`, id)
}
