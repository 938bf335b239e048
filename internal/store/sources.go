package store

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// SelectLines selects all of a batch's billable lines by its source kind and locks them.
func (t *Tx) SelectLines(b model.Batch) ([]rules.SourceLine, error) {
	lines, _, _, err := t.SelectChunk(b, 0, 0)
	return lines, err
}

// SelectChunk selects and locks the billable lines of the next limit source documents after
// the cursor (orders by number, installments and plan events by id; limit 0: all of them),
// so a concurrent batch over the same sources waits, then finds them claimed. It answers
// the cursor to continue from and whether this was the last chunk. A chunk holds whole
// orders: seed 002's rules skip or bill an order as a whole.
func (t *Tx) SelectChunk(b model.Batch, after int64, limit int) (lines []rules.SourceLine, next int64, last bool, err error) {
	var keys []int64
	switch b.Params.SourceKind {
	case model.SourceInstallments:
		keys, err = t.keys(`select n.id from installments n join contract_lines cl on cl.id = n.contract_line_id join contracts ct on ct.id = cl.contract_id
			where n.state = 'complete' and n.due_date <= $1 and ($2 = '' or ct.partner = $2) and ($3::boolean is null or n.recurring = $3)
			  and ($4 = '' or ct.series = $4) and n.id > $5 order by n.id limit $6`,
			b.Params.DueUntil, b.Params.Partner, b.Params.Recurring, b.Params.Series, after, limitOrAll(limit))
	case model.SourcePlans:
		keys, err = t.keys(`select e.id from billing_events e join billing_plans pl on pl.id = e.plan_id
			where (e.state = 'planned' or e.state = 'executed' and exists (select 1 from billing_event_shares sh where sh.event_id = e.id and sh.state = 'released'))
			  and e.event_date between $1 and $2 and ($3 = '' or pl.series = $3) and e.id > $4 order by e.id limit $5`,
			b.Params.PeriodFrom, b.Params.PeriodTo, b.Params.Series, after, limitOrAll(limit))
	default:
		keys, err = t.keys(`select number from sales_orders where status = 'approved' and number between $1 and $2 and series = $3
			and ($4::text[] is null or customer = any($4)) and number > $5 order by number limit $6`,
			b.Params.OrdersFrom, b.Params.OrdersTo, b.Params.Series, customersFilter(b.Params.Customers), after, limitOrAll(limit))
	}
	if err != nil || len(keys) == 0 {
		return nil, after, true, err
	}
	switch b.Params.SourceKind {
	case model.SourceInstallments:
		lines, err = t.selectInstallments(keys)
	case model.SourcePlans:
		lines, err = t.selectPlanEvents(keys)
	default:
		lines, err = t.selectOrderLines(keys)
	}
	return lines, keys[len(keys)-1], limit == 0 || len(keys) < limit, err
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

func customersFilter(c []string) []string {
	if len(c) == 0 {
		return nil
	}
	return c
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

// Claim takes a selected line's source for this batch, so no other batch bills it.
func (t *Tx) Claim(l rules.SourceLine) error {
	var sql string
	switch l.SourceKind {
	case "order_line":
		sql = `update sales_order_lines set qty_in_billing = qty_in_billing + qty_to_invoice, qty_to_invoice = 0 where id = $1`
	case "installment":
		sql = `update installments set state = 'in_billing' where id = $1 and state = 'complete'`
	case "plan_event":
		// A planned event is claimed whole; an executed one only for the share released.
		if err := t.exec(`update billing_events set state = 'in_billing' where id = $1 and state = 'planned'`, l.SourceID); err != nil {
			return err
		}
		return t.exec(`update billing_event_shares set state = 'in_billing' where event_id = $1 and customer = $2 and state = 'released'`,
			l.SourceID, l.Customer)
	}
	return t.exec(sql, l.SourceID)
}

// selectOrderLines reads the lines still to invoice of the orders numbered, locked.
func (t *Tx) selectOrderLines(numbers []int64) ([]rules.SourceLine, error) {
	// FOR UPDATE OF l: a concurrent batch over the same orders waits here, then sees the
	// quantities this one claimed as gone and selects nothing twice.
	rows, err := t.tx.Query(t.ctx, `
		select l.id, o.number, l.line_no, o.customer, o.warehouse, o.currency, o.payment_terms,
		       l.item, i.description, l.qty_to_invoice, l.unit_price, l.discount_pct,
		       l.qty_delivered >= l.qty_invoiced + l.qty_in_billing + l.qty_to_invoice,
		       c.is_generic, c.default_discount, c.invoicing_method, c.grouped_billing,
		       c.tax_id_kind, s.code, s.issuer, s.document_kind, s.max_lines, s.discharge_stock, cur.decimals,
		       i.vat_rate, i.excise_rate, i.vat_withholding_rate, i.isr_withholding_rate
		from sales_order_lines l
		join sales_orders o on o.id = l.order_id
		join customers c on c.code = o.customer
		join series s on s.code = o.series
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
			&s.Tax.VATRate, &s.Tax.ExciseRate, &s.Tax.VATWithholdingRate, &s.Tax.ISRWithholdingRate)
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
		       i.vat_rate, i.excise_rate, i.vat_withholding_rate, i.isr_withholding_rate
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
			&s.Tax.VATRate, &s.Tax.ExciseRate, &s.Tax.VATWithholdingRate, &s.Tax.ISRWithholdingRate); err != nil {
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

// selectPlanEvents reads planned events of billing plans (seed 003), locked, and splits
// each item of each event among the plan's billing entities by quota, so the parts sum
// exactly to the item's amount.
func (t *Tx) selectPlanEvents(ids []int64) ([]rules.SourceLine, error) {
	type event struct {
		id, plan                 int64
		code, customer, currency string
		state                    string
		terms, series            string
		date                     time.Time
		decimals                 int32
		issuer, kind             string
		maxLines                 int
	}
	rows, err := t.tx.Query(t.ctx, `
		select e.id, e.plan_id, pl.code, pl.customer, pl.currency, pl.payment_terms, pl.series, e.event_date, cur.decimals,
		       s.issuer, s.document_kind, s.max_lines, e.state
		from billing_events e join billing_plans pl on pl.id = e.plan_id
		join series s on s.code = pl.series join currencies cur on cur.code = pl.currency
		where e.id = any($1) and (e.state = 'planned'
		  or e.state = 'executed' and exists (select 1 from billing_event_shares sh where sh.event_id = e.id and sh.state = 'released'))
		order by pl.code, e.event_date
		for update of e`, ids)
	if err != nil {
		return nil, err
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (event, error) {
		var e event
		return e, r.Scan(&e.id, &e.plan, &e.code, &e.customer, &e.currency, &e.terms, &e.series, &e.date, &e.decimals,
			&e.issuer, &e.kind, &e.maxLines, &e.state)
	})
	if err != nil {
		return nil, err
	}
	var out []rules.SourceLine
	for _, e := range events {
		type entity struct {
			customer           string
			quota              decimal.Decimal
			method             string
			grouped, isGeneric bool
			defaultDiscount    decimal.Decimal
			taxIDKind          string
		}
		rows, err := t.tx.Query(t.ctx, `select be.customer, be.quota, `+payerColumns+`
			from billing_entities be join customers p on p.code = be.customer where be.plan_id = $1 order by be.customer`, e.plan)
		if err != nil {
			return nil, err
		}
		entities, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (entity, error) {
			var x entity
			return x, r.Scan(&x.customer, &x.quota, &x.defaultDiscount, &x.method, &x.grouped, &x.isGeneric, &x.taxIDKind)
		})
		if err != nil {
			return nil, err
		}
		quotas := make([]decimal.Decimal, len(entities))
		for i, x := range entities {
			quotas[i] = x.quota
		}
		// An executed event bills again only the shares released (their invoices were
		// cancelled); the split is the same, so each share is what it was.
		released := map[string]bool{}
		if e.state == "executed" {
			rows, err := t.tx.Query(t.ctx, `select customer from billing_event_shares where event_id = $1 and state = 'released'`, e.id)
			if err != nil {
				return nil, err
			}
			names, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return nil, err
			}
			for _, n := range names {
				released[n] = true
			}
		}
		rows, err = t.tx.Query(t.ctx, `select pi.line_no, pi.item, coalesce(nullif(pi.description, ''), i.description), pi.quantity,
			pi.unit_price, pi.discount_pct, i.vat_rate, i.excise_rate, i.vat_withholding_rate, i.isr_withholding_rate
			from billing_plan_items pi join items i on i.code = pi.item where pi.plan_id = $1 order by pi.line_no`, e.plan)
		if err != nil {
			return nil, err
		}
		type item struct {
			lineNo            int
			code, description string
			qty, price, disc  decimal.Decimal
			tax               rules.TaxProfile
		}
		items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
			var x item
			return x, r.Scan(&x.lineNo, &x.code, &x.description, &x.qty, &x.price, &x.disc,
				&x.tax.VATRate, &x.tax.ExciseRate, &x.tax.VATWithholdingRate, &x.tax.ISRWithholdingRate)
		})
		if err != nil {
			return nil, err
		}
		date := e.date.Format(time.DateOnly)
		for _, it := range items {
			parts, err := rules.SplitPlanItem(it.qty, it.price, it.disc, quotas, e.decimals)
			if err != nil {
				return nil, fmt.Errorf("billing plan %s: %w", e.code, err)
			}
			for i, x := range entities {
				if parts[i].IsZero() || e.state == "executed" && !released[x.customer] {
					continue
				}
				zero := decimal.Zero
				s := rules.SourceLine{
					Ref:          fmt.Sprintf("plan %s event %s item %d entity %s", e.code, date, it.lineNo, x.customer),
					Customer:     x.customer,
					Item:         it.code,
					Description:  fmt.Sprintf("%s (%s %% of plan %s, %s)", it.description, x.quota.String(), e.code, date),
					Quantity:     decimal.NewFromInt(1),
					UnitPrice:    parts[i],
					LineDiscount: &zero, // the plan's discount is inside the split amount
					MaxLines:     e.maxLines, Decimals: e.decimals, Tax: it.tax, Generic: x.isGeneric,
					DefaultDiscount: x.defaultDiscount, TaxIDKind: x.taxIDKind,
					Refs: map[string]any{"plan": e.code, "event_date": date, "entity": x.customer,
						"quota": x.quota.String(), "item_line": it.lineNo},
				}
				s.Billable = rules.Billable{SourceKind: "plan_event", SourceID: e.id, SourceDoc: fmt.Sprintf("plan %s %s", e.code, date),
					LineNo: it.lineNo, Issuer: e.issuer, Series: e.series, DocumentKind: e.kind, Payer: x.customer, Partner: e.customer,
					Currency: e.currency, PaymentTerms: e.terms, PayerMethod: x.method, PayerGrouped: x.grouped}
				out = append(out, s)
			}
		}
	}
	return out, nil
}
