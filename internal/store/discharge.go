package store

import (
	"github.com/shopspring/decimal"
)

// DischargeFacts are what discharging an invoice's stock decides on: whether its series
// discharges stock and whether stock may go negative, and its stocked lines with their
// stock rows as they stand, locked.
type DischargeFacts struct {
	Discharge     bool
	AllowNegative bool
	Lines         []DischargeLine
}

// DischargeLine is a StockLine with its stock row (Found false: none) read under the row's
// lock, and whether the attempt moved it already, out or in (the movement's unique key).
type DischargeLine struct {
	StockLine
	Found             bool
	OnHand, InStock   decimal.Decimal // the stock row's on hand and committed
	MovedOut, MovedIn bool
}

// LockForDischarge reads an invoice under its row lock with its DischargeFacts, in one
// statement. The stock rows are locked only for the lines of a processing invoice at the
// attempt whose series discharges stock, after the invoice's row (the CTEs read one
// another: the stock's reads the lines', which read the invoice's) and in (warehouse,
// item) order, so concurrent invoices lock stock rows in one order and never deadlock. Its
// lines are the stocked, undelivered ones; a line a delivery note partly delivered
// discharges only the rest (seed 002).
func (t *Tx) LockForDischarge(id int64, attempt int) (InvoiceHead, DischargeFacts, error) {
	var f DischargeFacts
	var l dischargeRow
	// The invoice's lock first, in a statement of its own: a read that waited for it in the
	// same statement would see the movements an overlapping run of the step committed
	// meanwhile as not made (that run does not touch the invoice's row, so PostgreSQL does
	// not read the statement again), and decide on them twice.
	if err := t.exec(`select id from invoices where id = $1 for update`, id); err != nil {
		return InvoiceHead{}, f, err
	}
	h, err := t.lockedRead(id, `with h as materialized (
			select `+headColumns+`, coalesce(s.discharge_stock, false) as discharge,
			       coalesce(s.allow_negative_stock, false) or coalesce((b.params->>'allow_negative_stock')::boolean, false) as allow_negative
			from invoices v left join series s on s.code = v.series left join batches b on b.id = v.batch_id
			where v.id = $1 for update of v),
		l as materialized (
			select l.id, l.warehouse, l.item, q.quantity, coalesce(ol.stock_committed, false) as committed,
			       exists (select 1 from stock_movements m where m.invoice_line_id = l.id and m.attempt = $2 and m.direction = 'out') as moved_out,
			       exists (select 1 from stock_movements m where m.invoice_line_id = l.id and m.attempt = $2 and m.direction = 'in') as moved_in
			from h join invoice_lines l on l.invoice_id = h.id join items i on i.code = l.item
			left join sales_order_lines ol on l.source_kind = 'order_line' and ol.id = l.source_id
			cross join lateral (select greatest(0, l.quantity - greatest(0, coalesce(ol.qty_delivered - ol.qty_invoiced, 0))) as quantity) q
			where h.status = 'processing' and h.attempt = $2 and h.discharge
			  and i.stocked and not l.delivered and l.warehouse is not null and q.quantity > 0),
		st as materialized (
			select s.warehouse, s.item, s.on_hand, s.committed from stock s
			where (s.warehouse, s.item) in (select warehouse, item from l) order by s.warehouse, s.item for update)
		select `+headColumnNames+`, h.discharge, h.allow_negative, l.id, l.warehouse, l.item, l.quantity, l.committed,
		       l.moved_out, l.moved_in, st.warehouse is not null, st.on_hand, st.committed
		from h left join l on true left join st on st.warehouse = l.warehouse and st.item = l.item
		order by l.warehouse, l.item, l.id`, []any{id, attempt},
		func(InvoiceHead) []any {
			l = dischargeRow{}
			return []any{&f.Discharge, &f.AllowNegative, &l.id, &l.warehouse, &l.item, &l.qty, &l.committed, &l.out, &l.in,
				&l.found, &l.onHand, &l.inStock}
		},
		func() {
			if l.id == nil {
				return
			}
			d := DischargeLine{StockLine: StockLine{ID: *l.id, Warehouse: *l.warehouse, Item: *l.item, Quantity: *l.qty,
				Committed: *l.committed}, Found: l.found, MovedOut: *l.out, MovedIn: *l.in}
			if l.onHand != nil && l.inStock != nil {
				d.OnHand, d.InStock = *l.onHand, *l.inStock
			}
			f.Lines = append(f.Lines, d)
		})
	return h, f, err
}

// dischargeRow is a line's columns of LockForDischarge's read (nulls: no line), fresh each row.
type dischargeRow struct {
	id              *int64
	warehouse, item *string
	qty             *decimal.Decimal
	committed       *bool
	out, in         *bool
	found           bool
	onHand, inStock *decimal.Decimal
}

// MoveStock records movements and applies them to stock, with the step's audit row, in one
// statement, each movement once: its unique key (line, direction, attempt) makes a second
// run's a no-op, and stock changes by the movements that are new. Stock rows must exist
// (CreateStock) and be locked (LockForDischarge).
func (t *Tx) MoveStock(ms []Movement, a AuditRow) error {
	n := len(ms)
	lines, attempts := make([]int64, n), make([]int32, n)
	dirs, reasons, whs, items := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	qty, rel := make([]decimal.Decimal, n), make([]decimal.Decimal, n)
	for i, m := range ms {
		lines[i], attempts[i], dirs[i], reasons[i], whs[i], items[i], qty[i], rel[i] =
			m.Line, int32(m.Attempt), m.Direction, m.Reason, m.Warehouse, m.Item, m.Quantity, m.Released
	}
	return t.exec(`with mv as (
			insert into stock_movements (invoice_line_id, attempt, direction, reason, warehouse, item, quantity, committed_released)
			select * from unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::numeric[])
			on conflict (invoice_line_id, direction, attempt) do nothing
			returning warehouse, item, case direction when 'out' then -quantity else quantity end as q,
			          case direction when 'out' then -committed_released else committed_released end as r),
		st as (
			update stock s set on_hand = s.on_hand + d.q, committed = s.committed + d.r
			from (select warehouse, item, sum(q) as q, sum(r) as r from mv group by warehouse, item) d
			where s.warehouse = d.warehouse and s.item = d.item)
		`+auditInsert(9), append([]any{lines, attempts, dirs, reasons, whs, items, qty, rel}, a.args()...)...)
}
