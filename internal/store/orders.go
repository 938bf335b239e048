package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
)

// OrderLineView is an order line's quantities.
type OrderLineView struct {
	Order     int64           `json:"order"`
	Line      int             `json:"line"`
	Item      string          `json:"item"`
	Ordered   decimal.Decimal `json:"ordered"`
	ToInvoice decimal.Decimal `json:"to_invoice"`
	InBilling decimal.Decimal `json:"in_billing"`
	Invoiced  decimal.Decimal `json:"invoiced"`
	Pending   decimal.Decimal `json:"pending"` // ordered less invoiced and in billing: what may be set to invoice
}

// SetToInvoice sets the quantity of an order line the next bill run invoices (seed 002:
// after a partial bill run, the rest of the order is billable again), at most what is
// pending: ordered less invoiced and in billing. A line whose order is not approved is
// refused.
func (s *Store) SetToInvoice(ctx context.Context, order int64, line int, qty decimal.Decimal) (OrderLineView, error) {
	var v OrderLineView
	refuse := func(format string, args ...any) error {
		return &model.InputError{Problems: []string{fmt.Sprintf("order %d line %d: ", order, line) + fmt.Sprintf(format, args...)}}
	}
	if qty.IsNegative() || qty.Exponent() < -4 {
		return v, refuse("quantity %s must be 0 or more, with at most 4 decimals", qty)
	}
	err := s.InTx(ctx, func(t *Tx) error {
		var id int64
		var status string
		err := t.tx.QueryRow(ctx, `select l.id, o.status, l.item, l.qty_ordered, l.qty_in_billing, l.qty_invoiced
			from sales_order_lines l join sales_orders o on o.id = l.order_id where o.number = $1 and l.line_no = $2 for update of l`, order, line).
			Scan(&id, &status, &v.Item, &v.Ordered, &v.InBilling, &v.Invoiced)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("order %d line %d: %w", order, line, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		v.Order, v.Line, v.Pending = order, line, v.Ordered.Sub(v.Invoiced).Sub(v.InBilling)
		switch {
		case status != "approved":
			return refuse("the order is %s: only approved orders are billed", status)
		case qty.GreaterThan(v.Pending):
			return refuse("%s is more than the %s pending (%s ordered, %s invoiced, %s in a bill run)", qty, v.Pending, v.Ordered, v.Invoiced, v.InBilling)
		}
		v.ToInvoice = qty
		return t.exec(`update sales_order_lines set qty_to_invoice = $2 where id = $1`, id, qty)
	})
	return v, err
}
