package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// Selection is what a batch selects: source lines of orders and installments, and plan
// events, which rules.PlanEventLines turns into source lines.
type Selection struct {
	Lines      []rules.SourceLine
	PlanEvents []rules.PlanEvent
}

// SelectLines selects all of a batch's billable sources by its source kind and locks them.
func (t *Tx) SelectLines(b model.Batch) (Selection, error) {
	sel, _, _, err := t.SelectChunk(b, 0, 0)
	return sel, err
}

// SelectChunk selects and locks the billable lines of the next limit source documents after
// the cursor (orders by number, installments and plan events by id; limit 0: all of them),
// so a concurrent batch over the same sources waits, then finds them claimed. It answers
// the cursor to continue from and whether this was the last chunk. A chunk holds whole
// orders: seed 002's rules skip or bill an order as a whole.
func (t *Tx) SelectChunk(b model.Batch, after int64, limit int) (sel Selection, next int64, last bool, err error) {
	var keys []int64
	switch b.Params.SourceKind {
	case model.SourceInstallments:
		args := installmentArgs(&b.Params)
		args["after"], args["limit"] = after, limitOrAll(limit)
		keys, err = t.keys(`select n.id from installments n join contract_lines cl on cl.id = n.contract_line_id join contracts ct on ct.id = cl.contract_id
			where `+installmentSelection+` and n.id > @after order by n.id limit @limit`, args)
	case model.SourcePlans:
		args := planArgs(&b.Params)
		args["after"], args["limit"] = after, limitOrAll(limit)
		keys, err = t.keys(`select e.id from billing_events e join billing_plans pl on pl.id = e.plan_id and pl.state = 'active'
			where `+planSelection+` and e.id > @after order by e.id limit @limit`, args)
	default:
		args := orderArgs(&b.Params)
		args["after"], args["limit"] = after, limitOrAll(limit)
		keys, err = t.keys(`select o.number from sales_orders o where `+orderSelection+` and o.number > @after order by o.number limit @limit`, args)
	}
	if err != nil || len(keys) == 0 {
		return sel, after, true, err
	}
	switch b.Params.SourceKind {
	case model.SourceInstallments:
		sel.Lines, err = t.selectInstallments(keys)
	case model.SourcePlans:
		sel.PlanEvents, err = t.selectPlanEvents(keys, b.Params.Series)
	default:
		sel.Lines, err = t.selectOrderLines(keys)
	}
	return sel, keys[len(keys)-1], limit == 0 || len(keys) < limit, err
}

func (t *Tx) keys(sql string, args ...any) ([]int64, error) {
	rows, err := t.tx.Query(t.ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func limitOrAll(limit int) any {
	if limit <= 0 {
		return nil // SQL: limit null is no limit
	}
	return limit
}

// listOrAll is a filter's list, or null (no filter) when it names nothing.
func listOrAll(c []string) []string {
	if len(c) == 0 {
		return nil
	}
	return c
}

// orderSelection is the orders a batch selects: approved, in its range and series, and
// within every filter it was given (orderArgs names the arguments).
var orderSelection = `o.status = 'approved' and o.number between @from and @to and o.series = @series
	and ` + customerIn("o.customer") + `
	and (@zones::text[] is null or exists (select 1 from customers zc where zc.code = o.customer and zc.zone = any(@zones)))
	and (@sellers::text[] is null or o.seller = any(@sellers))
	and (@terms::text[] is null or o.payment_terms = any(@terms))
	and (@warehouses::text[] is null or o.warehouse = any(@warehouses))
	and (@order_from::date is null or o.order_date >= @order_from) and (@order_to::date is null or o.order_date <= @order_to)
	and (@delivery_from::date is null or o.delivery_date >= @delivery_from) and (@delivery_to::date is null or o.delivery_date <= @delivery_to)`

func orderArgs(p *model.BatchParams) pgx.NamedArgs {
	return pgx.NamedArgs{"from": p.OrdersFrom, "to": p.OrdersTo, "series": p.Series, "customers": listOrAll(p.Customers), "associated": p.IncludeAssociated,
		"zones": listOrAll(p.Zones), "sellers": listOrAll(p.Sellers), "terms": listOrAll(p.Terms),
		"warehouses": listOrAll(p.Warehouses), "order_from": nullIfEmpty(p.OrderFrom), "order_to": nullIfEmpty(p.OrderTo),
		"delivery_from": nullIfEmpty(p.DeliveryFrom), "delivery_to": nullIfEmpty(p.DeliveryTo)}
}

// installmentSelection is the installments a batch selects: complete, due in its span, of
// its partner, payers, contracts and series (installmentArgs names the arguments).
var installmentSelection = `n.state = 'complete' and n.due_date <= @due_until and (@due_from::date is null or n.due_date >= @due_from)
	and (@partner = '' or ct.partner = @partner) and (@recurring::boolean is null or n.recurring = @recurring)
	and (@series = '' or ct.series = @series) and ` + customerIn("ct.payer") + `
	and (@contracts::text[] is null or ct.number = any(@contracts))`

func installmentArgs(p *model.BatchParams) pgx.NamedArgs {
	return pgx.NamedArgs{"due_until": p.DueUntil, "due_from": nullIfEmpty(p.DueFrom), "partner": p.Partner, "recurring": p.Recurring,
		"series": p.Series, "customers": listOrAll(p.Customers), "associated": p.IncludeAssociated, "contracts": listOrAll(p.Contracts)}
}

// customerIn is a batch's customers filter on the customer column col: every customer
// when none is given, else those given and — asked to include associated entities (seed
// 003) — the customers associated with them.
func customerIn(col string) string {
	return `(@customers::text[] is null or ` + col + ` = any(@customers) or (@associated::boolean and exists (
		select 1 from customers ac where ac.code = ` + col + ` and ac.associated_to = any(@customers))))`
}

// planSelection is the billing events a plans batch selects: planned (or executed with a
// share released), of an active plan, in its period and series (a plan without a series
// bills in the batch's: seed 003, the series is chosen when processing), of its customers
// (the plan's customer; planArgs names the arguments).
var planSelection = `(e.state = 'planned' or e.state = 'executed' and exists (select 1 from billing_event_shares sh where sh.event_id = e.id and sh.state = 'released'))
	and e.event_date between @period_from and @period_to and coalesce(pl.series, nullif(@series, '')) is not null
	and (@series = '' or coalesce(pl.series, @series) = @series) and ` + customerIn("pl.customer")

func planArgs(p *model.BatchParams) pgx.NamedArgs {
	return pgx.NamedArgs{"period_from": p.PeriodFrom, "period_to": p.PeriodTo, "series": p.Series,
		"customers": listOrAll(p.Customers), "associated": p.IncludeAssociated}
}

// SeriesRoute reads a series as a route for every document of a batch, and whether it
// numbers CFE (found false: no such series).
func (t *Tx) SeriesRoute(code string) (r rules.Route, cfe, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select code, issuer, document_kind, max_lines, discharge_stock, cfe_type is not null from series where code = $1`, code).
		Scan(&r.Series, &r.Issuer, &r.DocumentKind, &r.MaxLines, &r.DischargeStock, &cfe)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, false, nil
	}
	return r, cfe, err == nil, err
}

// DocumentRoutes reads the document kind rule: (source series, tax id kind) → series.
func (t *Tx) DocumentRoutes() (rules.Routes, error) {
	rows, err := t.tx.Query(t.ctx, `select coalesce(dk.source_series, ''), dk.tax_id_kind, s.code, s.issuer, dk.document_kind, s.max_lines, s.discharge_stock
		from document_kinds dk join series s on s.code = dk.series`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	routes := rules.Routes{}
	for rows.Next() {
		var k rules.RouteKey
		var r rules.Route
		if err := rows.Scan(&k.SourceSeries, &k.TaxIDKind, &r.Series, &r.Issuer, &r.DocumentKind, &r.MaxLines, &r.DischargeStock); err != nil {
			return nil, err
		}
		routes[k] = r
	}
	return routes, rows.Err()
}

// selectOrderLines reads the lines still to invoice of the orders numbered, locked, each
// with its order class's series (seed 001: batching.Route numbers it there).
func (t *Tx) selectOrderLines(numbers []int64) ([]rules.SourceLine, error) {
	// FOR UPDATE OF l: a concurrent batch over the same orders waits here, then sees the
	// quantities this one claimed as gone and selects nothing twice.
	rows, err := t.tx.Query(t.ctx, `
		select l.id, o.number, l.line_no, o.customer, o.warehouse, o.currency, o.payment_terms,
		       l.item, i.description, l.qty_to_invoice, l.unit_price, l.discount_pct,
		       l.qty_delivered >= l.qty_invoiced + l.qty_in_billing + l.qty_to_invoice,
		       c.is_generic, c.default_discount, c.invoicing_method, c.grouped_billing,
		       c.tax_id_kind, s.code, s.issuer, s.document_kind, s.max_lines, s.discharge_stock, cur.decimals,
		       i.vat_rate, i.excise_rate, i.vat_withholding_rate, i.isr_withholding_rate, i.vat_exempt, i.excise_quota, o.is_return,
		       coalesce(cs.code, ''), coalesce(cs.issuer, ''), coalesce(cs.document_kind, ''), coalesce(cs.max_lines, 0), coalesce(cs.discharge_stock, false)
		from sales_order_lines l
		join sales_orders o on o.id = l.order_id
		join customers c on c.code = o.customer
		join series s on s.code = o.series
		left join order_classes oc on oc.code = o.class left join series cs on cs.code = oc.series
		join items i on i.code = l.item
		join currencies cur on cur.code = o.currency
		where o.number = any($1) and o.status = 'approved' and l.qty_to_invoice > 0
		order by o.number, l.line_no
		for update of l`, numbers)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rules.SourceLine
	for rows.Next() {
		var s rules.SourceLine
		var number int64
		err := rows.Scan(&s.SourceID, &number, &s.LineNo, &s.Customer, &s.Warehouse, &s.Currency, &s.PaymentTerms,
			&s.Item, &s.Description, &s.Quantity, &s.UnitPrice, &s.LineDiscount, &s.Delivered,
			&s.Generic, &s.DefaultDiscount, &s.PayerMethod, &s.PayerGrouped,
			&s.TaxIDKind, &s.Series, &s.Issuer, &s.DocumentKind, &s.MaxLines, &s.DischargeStock, &s.Decimals,
			&s.Tax.VATRate, &s.Tax.ExciseRate, &s.Tax.VATWithholdingRate, &s.Tax.ISRWithholdingRate, &s.Tax.VATExempt, &s.Tax.ExciseQuota, &s.Return,
			&s.Class.Series, &s.Class.Issuer, &s.Class.DocumentKind, &s.Class.MaxLines, &s.Class.DischargeStock)
		if err != nil {
			return nil, err
		}
		s.SourceKind = "order_line"
		s.SourceDoc = fmt.Sprintf("order %d", number)
		s.Ref = fmt.Sprintf("%s line %d", s.SourceDoc, s.LineNo)
		s.Payer, s.Partner = s.Customer, s.Customer
		out = append(out, s)
	}
	return out, rows.Err()
}

// payerColumns are what grouping and pricing need of a payer.
const payerColumns = `p.default_discount, p.invoicing_method, p.grouped_billing, p.is_generic, p.tax_id_kind`

// selectInstallments reads contract installments (seed 000), locked, still complete. The
// price is the contract line's, with its discount.
func (t *Tx) selectInstallments(ids []int64) ([]rules.SourceLine, error) {
	rows, err := t.tx.Query(t.ctx, `
		select n.id, n.seq, ct.number, cl.line_no, cl.id, n.expense_report, n.activity, n.recurring,
		       ct.payer, ct.partner, ct.currency, ct.payment_terms, coalesce(ct.warehouse, ''),
		       cl.item, coalesce(nullif(cl.description, ''), i.description), cl.quantity, cl.unit_price, cl.discount_pct,
		       `+payerColumns+`,
		       s.code, s.issuer, s.document_kind, s.max_lines, cur.decimals,
		       i.vat_rate, i.excise_rate, i.vat_withholding_rate, i.isr_withholding_rate, i.vat_exempt, i.excise_quota
		from installments n
		join contract_lines cl on cl.id = n.contract_line_id
		join contracts ct on ct.id = cl.contract_id
		join customers p on p.code = ct.payer
		join series s on s.code = ct.series
		join items i on i.code = cl.item
		join currencies cur on cur.code = ct.currency
		where n.id = any($1) and n.state = 'complete'
		order by ct.payer, ct.partner, ct.number, cl.line_no, n.seq
		for update of n`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rules.SourceLine
	for rows.Next() {
		var s rules.SourceLine
		var contract, expense, activity string
		var lineNo, seq int
		var contractLine int64
		var recurring bool
		var disc decimal.Decimal
		if err := rows.Scan(&s.SourceID, &seq, &contract, &lineNo, &contractLine, &expense, &activity, &recurring,
			&s.Payer, &s.Partner, &s.Currency, &s.PaymentTerms, &s.Warehouse,
			&s.Item, &s.Description, &s.Quantity, &s.UnitPrice, &disc,
			&s.DefaultDiscount, &s.PayerMethod, &s.PayerGrouped, &s.Generic, &s.TaxIDKind,
			&s.Series, &s.Issuer, &s.DocumentKind, &s.MaxLines, &s.Decimals,
			&s.Tax.VATRate, &s.Tax.ExciseRate, &s.Tax.VATWithholdingRate, &s.Tax.ISRWithholdingRate, &s.Tax.VATExempt, &s.Tax.ExciseQuota); err != nil {
			return nil, err
		}
		s.SourceKind = "installment"
		s.SourceDoc = "contract " + contract
		s.LineNo = lineNo*1000 + seq
		s.Ref = fmt.Sprintf("contract %s line %d installment %d", contract, lineNo, seq)
		s.Customer = s.Payer
		s.LineDiscount = &disc
		s.Refs = map[string]any{"contract": contract, "contract_line": contractLine, "installment": seq,
			"expense_report": expense, "activity": activity, "recurring": recurring}
		out = append(out, s)
	}
	return out, rows.Err()
}

// selectPlanEvents reads planned events of billing plans (seed 003), locked, each with its
// plan's billing entities and items (rules.PlanEventLines splits them by quota), in its
// plan's series or else the batch's, on its contract's terms and currency when the plan
// has one (seed 003: an associated contract's commercial conditions prevail), else its
// source order's (the header of the document it bills from), else its own.
func (t *Tx) selectPlanEvents(ids []int64, batchSeries string) ([]rules.PlanEvent, error) {
	rows, err := t.tx.Query(t.ctx, `
		select e.id, pl.id, pl.code, pl.customer, coalesce(ct.currency, so.currency, pl.currency), coalesce(ct.payment_terms, so.payment_terms, pl.payment_terms),
		       s.code, e.event_date, cur.decimals, s.issuer, s.document_kind, s.max_lines, e.state = 'executed'
		from billing_events e join billing_plans pl on pl.id = e.plan_id left join contracts ct on ct.id = pl.contract_id
		left join sales_orders so on so.id = pl.source_order
		join series s on s.code = coalesce(pl.series, $2) join currencies cur on cur.code = coalesce(ct.currency, so.currency, pl.currency)
		where e.id = any($1) and (e.state = 'planned'
		  or e.state = 'executed' and exists (select 1 from billing_event_shares sh where sh.event_id = e.id and sh.state = 'released'))
		order by pl.code, e.event_date
		for update of e`, ids, batchSeries)
	if err != nil {
		return nil, err
	}
	var plans []int64
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.PlanEvent, error) {
		var e rules.PlanEvent
		var plan int64
		err := r.Scan(&e.ID, &plan, &e.Plan, &e.Customer, &e.Currency, &e.Terms, &e.Series, &e.Date, &e.Decimals,
			&e.Issuer, &e.DocumentKind, &e.MaxLines, &e.Executed)
		plans = append(plans, plan)
		return e, err
	})
	if err != nil {
		return nil, err
	}
	for i := range events {
		if err := t.readPlanEvent(&events[i], plans[i]); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// eventItems are the items event $2 of plan $1 bills: its own once edited (seed 003),
// else its plan's.
const eventItems = `select ei.line_no, ei.item, ei.description, ei.quantity, ei.unit_price, ei.discount_pct
	from billing_event_items ei join billing_events e on e.id = ei.event_id where ei.event_id = $2 and e.own_items
	union all
	select pi.line_no, pi.item, pi.description, pi.quantity, pi.unit_price, pi.discount_pct
	from billing_plan_items pi join billing_events e on e.id = $2 where pi.plan_id = $1 and not e.own_items`

// readPlanEvent reads the event's plan's entities and items, and the shares released of
// an executed event.
func (t *Tx) readPlanEvent(e *rules.PlanEvent, plan int64) error {
	rows, err := t.tx.Query(t.ctx, `select be.customer, be.quota, `+payerColumns+`
		from billing_entities be join customers p on p.code = be.customer where be.plan_id = $1 order by be.customer`, plan)
	if err != nil {
		return err
	}
	if e.Entities, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.PlanEntity, error) {
		var x rules.PlanEntity
		return x, r.Scan(&x.Customer, &x.Quota, &x.DefaultDiscount, &x.Method, &x.Grouped, &x.Generic, &x.TaxIDKind)
	}); err != nil {
		return err
	}
	if e.Executed {
		rows, err := t.tx.Query(t.ctx, `select customer from billing_event_shares where event_id = $1 and state = 'released'`, e.ID)
		if err != nil {
			return err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		e.Released = map[string]bool{}
		for _, n := range names {
			e.Released[n] = true
		}
	}
	rows, err = t.tx.Query(t.ctx, `select pi.line_no, pi.item, coalesce(nullif(pi.description, ''), i.description), pi.quantity,
		pi.unit_price, pi.discount_pct, i.vat_rate, i.excise_rate, i.vat_withholding_rate, i.isr_withholding_rate, i.vat_exempt, i.excise_quota
		from (`+eventItems+`) pi join items i on i.code = pi.item order by pi.line_no`, plan, e.ID)
	if err != nil {
		return err
	}
	e.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.PlanItem, error) {
		var x rules.PlanItem
		return x, r.Scan(&x.LineNo, &x.Item, &x.Description, &x.Quantity, &x.Price, &x.DiscountPct,
			&x.Tax.VATRate, &x.Tax.ExciseRate, &x.Tax.VATWithholdingRate, &x.Tax.ISRWithholdingRate, &x.Tax.VATExempt, &x.Tax.ExciseQuota)
	})
	return err
}
