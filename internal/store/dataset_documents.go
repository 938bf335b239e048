package store

import (
	"billrun/internal/importfmt"
	"billrun/internal/rules"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// The dataset's documents: orders, contracts with their installments, billing plans, stock counts and CAEs.

func writeOrders(ctx context.Context, tx pgx.Tx, d *importfmt.Dataset, n importfmt.Counts) error {
	for _, x := range d.Orders {
		terms := x.PaymentTerms
		var orderID int64
		err := tx.QueryRow(ctx, `insert into sales_orders (number, customer, series, warehouse, currency, payment_terms, order_date, status, observations,
			seller, delivery_date, po_reference, is_return, class)
			values ($1, $2, $3, $4, $5, coalesce(nullif($6, ''), (select payment_terms from customers where code = $2)), $7, $8, $9, $10, $11, $12, $13, $14)
			on conflict (number) do nothing returning id`,
			x.Number, x.Customer, x.Series, x.Warehouse, x.Currency, terms, x.Date, orDefault(x.Status, "approved"), x.Observations,
			x.Seller, nullIfEmpty(x.DeliveryDate), x.POReference, x.IsReturn(), nullIfEmpty(x.Class)).Scan(&orderID)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // imported before: kept as it is
		}
		if err != nil {
			return fmt.Errorf("orders (number %d): %w", x.Number, err)
		}
		n["orders"]++
		for j, l := range x.Lines {
			if x.IsReturn() {
				l = l.Unsigned() // kept positive; the order says they come back
			}
			toInv := l.Ordered.Sub(l.Invoiced)
			if l.ToInvoice != nil {
				toInv = *l.ToInvoice
			}
			_, err := tx.Exec(ctx, `insert into sales_order_lines (order_id, line_no, item, qty_ordered, qty_to_invoice, qty_invoiced,
				qty_delivered, unit_price, discount_pct, stock_committed)
				values ($1, $2, $3, $4, $5, $6, $7, coalesce($8, (select unit_price from items where code = $3)), $9, $10)`,
				orderID, j+1, l.Item, l.Ordered, toInv, l.Invoiced, l.Delivered, l.Price, l.Discount, l.StockCommitted)
			if err != nil {
				return fmt.Errorf("orders (number %d) lines[%d]: %w", x.Number, j, err)
			}
			n["order lines"]++
		}
	}
	return nil
}

func writeContracts(ctx context.Context, tx pgx.Tx, d *importfmt.Dataset, n importfmt.Counts) error {
	for _, x := range d.Contracts {
		var id int64
		err := tx.QueryRow(ctx, `insert into contracts (number, partner, payer, series, currency, payment_terms, warehouse)
			values ($1, $2, $3, $4, $5, $6, $7) on conflict (number) do nothing returning id`,
			x.Number, x.Partner, orDefault(x.Payer, x.Partner), x.Series, x.Currency, x.PaymentTerms, nullIfEmpty(x.Warehouse)).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("contracts (%s): %w", x.Number, err)
		}
		n["contracts"]++
		for j, l := range x.Lines {
			var lineID int64
			if err := tx.QueryRow(ctx, `insert into contract_lines (contract_id, line_no, item, description, quantity, unit_price, discount_pct)
				values ($1, $2, $3, $4, $5, $6, $7) returning id`,
				id, j+1, l.Item, l.Description, l.Quantity, l.Price, l.Discount).Scan(&lineID); err != nil {
				return fmt.Errorf("contracts (%s) lines[%d]: %w", x.Number, j, err)
			}
			for k, in := range l.Installments {
				if _, err := tx.Exec(ctx, `insert into installments (contract_line_id, seq, due_date, state, recurring, expense_report, activity)
					values ($1, $2, $3, $4, $5, $6, $7)`,
					lineID, k+1, in.Due, in.State, boolOr(in.Recurring, true), in.ExpenseReport, in.Activity); err != nil {
					return fmt.Errorf("contracts (%s) lines[%d] installments[%d]: %w", x.Number, j, k, err)
				}
				n["installments"]++
			}
		}
	}
	return nil
}

func writePlans(ctx context.Context, tx pgx.Tx, d *importfmt.Dataset, n importfmt.Counts) error {
	for _, x := range d.BillingPlans {
		kind := "periodic"
		var dates []time.Time
		if len(x.Dates) > 0 {
			kind = "dates"
			for _, s := range x.Dates {
				t, _ := time.Parse(time.DateOnly, s) // validated
				dates = append(dates, t)
			}
		} else {
			s, _ := time.Parse(time.DateOnly, x.Start)
			e, _ := time.Parse(time.DateOnly, x.End)
			var err error
			if dates, err = rules.PeriodicDates(s, e, x.Every, x.Unit); err != nil {
				return err
			}
		}
		var every, unit, start, end any
		if kind == "periodic" {
			every, unit, start, end = x.Every, x.Unit, x.Start, x.End
		}
		var id int64
		err := tx.QueryRow(ctx, `insert into billing_plans (code, customer, contract_id, series, currency, payment_terms, warehouse,
			rule_kind, every_n, every_unit, start_date, end_date, state, source_order)
			values ($1, $2, (select id from contracts where number = $3), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
			        (select id from sales_orders where number = $14))
			on conflict (code) do nothing returning id`,
			x.Code, x.Customer, x.Contract, nullIfEmpty(x.Series), x.Currency, x.PaymentTerms, nullIfEmpty(x.Warehouse),
			kind, every, unit, start, end, orDefault(x.State, "active"), x.SourceOrder).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("billing_plans (%s): %w", x.Code, err)
		}
		n["billing plans"]++
		for j, it := range x.Items {
			if _, err := tx.Exec(ctx, `insert into billing_plan_items (plan_id, line_no, item, description, quantity, unit_price, discount_pct)
				values ($1, $2, $3, $4, $5, $6, $7)`, id, j+1, it.Item, it.Description, it.Quantity, it.Price, it.Discount); err != nil {
				return fmt.Errorf("billing_plans (%s) items[%d]: %w", x.Code, j, err)
			}
		}
		entities := x.Entities
		if len(entities) == 0 {
			entities = []importfmt.BillingEntity{{Customer: x.Customer, Quota: decimal.NewFromInt(100)}}
		}
		for j, en := range entities {
			if _, err := tx.Exec(ctx, `insert into billing_entities (plan_id, customer, quota) values ($1, $2, $3)`, id, en.Customer, en.Quota); err != nil {
				return fmt.Errorf("billing_plans (%s) entities[%d]: %w", x.Code, j, err)
			}
		}
		for _, dt := range dates {
			if _, err := tx.Exec(ctx, `insert into billing_events (plan_id, event_date, state) values ($1, $2, 'planned') on conflict do nothing`, id, dt); err != nil {
				return fmt.Errorf("billing_plans (%s) events: %w", x.Code, err)
			}
			n["billing events"]++
		}
	}
	return nil
}

// importStock takes a stock record: an opening balance where nothing has moved the stock
// yet, a recorded count adjustment where the record says count, and otherwise leaves
// stock that has moved as it is (counted as kept), so importing a dataset again never
// undoes the movements since. Every change is recorded in stock_adjustments.
func importStock(ctx context.Context, tx pgx.Tx, x importfmt.Stock, n importfmt.Counts) error {
	var onHand, committed decimal.Decimal
	var moved bool
	err := tx.QueryRow(ctx, `select on_hand, committed,
		exists (select 1 from stock_movements m where m.warehouse = s.warehouse and m.item = s.item)
		from stock s where warehouse = $1 and item = $2 for update`, x.Warehouse, x.Item).Scan(&onHand, &committed, &moved)
	exists := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	kind := "opening"
	switch {
	case exists && onHand.Equal(x.OnHand) && committed.Equal(x.Committed):
		return nil
	case moved && !x.Count:
		n["stock kept: moved since (\"count\": true adjusts it)"]++
		return nil
	case moved:
		kind = "count"
	}
	if _, err := tx.Exec(ctx, `insert into stock (warehouse, item, on_hand, committed) values ($1, $2, $3, $4)
		on conflict (warehouse, item) do update set on_hand = excluded.on_hand, committed = excluded.committed`,
		x.Warehouse, x.Item, x.OnHand, x.Committed); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `insert into stock_adjustments (warehouse, item, kind, on_hand_before, on_hand_after, committed_before, committed_after)
		values ($1, $2, $3, $4, $5, $6, $7)`, x.Warehouse, x.Item, kind, onHand, x.OnHand, committed, x.Committed); err != nil {
		return err
	}
	n["stock"]++
	return nil
}

// writeCAEs adds the file's CAEs; one already imported (same series and CAE number) is
// kept as it is, with the numbers it has given (the validation refused overlaps).
func writeCAEs(ctx context.Context, tx pgx.Tx, caes []importfmt.CAE, counts importfmt.Counts) error {
	for i, x := range caes {
		tag, err := tx.Exec(ctx, `insert into caes (series, cae, cfe_series, first_number, last_number, next_number, expires)
			values ($1, $2, $3, $4, $5, $4, $6) on conflict (series, cae) do nothing`, x.Series, x.CAE, x.CFESeries, x.From, x.To, x.Expires)
		if err != nil {
			return fmt.Errorf("caes[%d] (%s): %w", i, x.CAE, err)
		}
		counts["caes"] += int(tag.RowsAffected())
	}
	return nil
}
