package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/importfmt"
	"billrun/internal/rules"
)

func loadKnown(ctx context.Context, tx pgx.Tx) (importfmt.Known, error) {
	k := importfmt.Known{}
	load := func(sql string) (map[string]bool, error) {
		rows, err := tx.Query(ctx, sql)
		if err != nil {
			return nil, err
		}
		codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
		m := map[string]bool{}
		for _, c := range codes {
			m[c] = true
		}
		return m, err
	}
	var err error
	for _, x := range []struct {
		dst *map[string]bool
		sql string
	}{
		{&k.Currencies, `select code from currencies`}, {&k.Issuers, `select code from issuers`},
		{&k.PaymentTerms, `select code from payment_terms`}, {&k.Customers, `select code from customers`},
		{&k.Items, `select code from items`}, {&k.Warehouses, `select code from warehouses`},
		{&k.Series, `select code from series`}, {&k.Contracts, `select number from contracts`},
		{&k.CFESeries, `select code from series where cfe_type is not null`},
	} {
		if *x.dst, err = load(x.sql); err != nil {
			return k, err
		}
	}
	return k, nil
}

// Import validates a dataset and writes it in one transaction: all of it, or nothing. Master data is
// upserted; orders, contracts and plans that exist already (same number or code) are kept.
func (s *Store) Import(ctx context.Context, d *importfmt.Dataset) (importfmt.Counts, error) {
	counts := importfmt.Counts{}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		known, err := loadKnown(ctx, tx)
		if err != nil {
			return err
		}
		if probs := append(importfmt.Validate(d, known), importfmt.CheckFiles(d)...); len(probs) > 0 {
			return &importfmt.Invalid{Problems: probs}
		}
		return write(ctx, tx, d, counts)
	})
	var inv *importfmt.Invalid
	if errors.As(err, &inv) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("import: nothing imported: %w", err)
	}
	return counts, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// absPath resolves p against the dataset's folder; empty stays empty.
func absPath(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	a, err := filepath.Abs(filepath.Join(base, p))
	if err != nil {
		return p
	}
	return a
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func write(ctx context.Context, tx pgx.Tx, d *importfmt.Dataset, n importfmt.Counts) error {
	exec := func(kind, sql string, args ...any) error {
		tag, err := tx.Exec(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		n[kind] += int(tag.RowsAffected())
		return nil
	}
	for _, x := range d.Currencies {
		if err := exec("currencies", `insert into currencies (code, decimals) values ($1, $2)
			on conflict (code) do update set decimals = excluded.decimals`, x.Code, x.Decimals); err != nil {
			return err
		}
	}
	for _, x := range d.ExchangeRates {
		if err := exec("exchange_rates", `insert into exchange_rates (currency, date, rate) values ($1, $2, $3)
			on conflict (currency, date) do update set rate = excluded.rate`, x.Currency, x.Date, x.Rate); err != nil {
			return err
		}
	}
	for _, x := range d.Issuers {
		if err := exec("issuers", `insert into issuers (code, rfc, name, fiscal_regime, postal_code, currency, email,
			csd_certificate, csd_key, csd_password_env, vat_on_excise, country, branch, address, city, department)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) on conflict (code) do update set rfc = excluded.rfc, name = excluded.name,
			fiscal_regime = excluded.fiscal_regime, postal_code = excluded.postal_code, currency = excluded.currency, email = excluded.email,
			csd_certificate = excluded.csd_certificate, csd_key = excluded.csd_key, csd_password_env = excluded.csd_password_env,
			vat_on_excise = excluded.vat_on_excise, country = excluded.country, branch = excluded.branch, address = excluded.address,
			city = excluded.city, department = excluded.department`,
			x.Code, orDefault(x.RUT, x.RFC), x.Name, x.FiscalRegime, x.PostalCode, x.Currency, x.Email,
			absPath(d.BaseDir, x.CSDCertificate), absPath(d.BaseDir, x.CSDKey), orDefault(x.CSDPasswordEnv, "BILLRUN_CSD_PASSWORD"),
			boolOr(x.VATOnExcise, true), orDefault(x.Country, "MX"), x.Branch, x.Address, x.City, x.Department); err != nil {
			return err
		}
	}
	for _, x := range d.PaymentTerms {
		if err := exec("payment_terms", `insert into payment_terms (code, kind, days, forma_pago, metodo_pago)
			values ($1, $2, $3, $4, $5) on conflict (code) do update set kind = excluded.kind, days = excluded.days,
			forma_pago = excluded.forma_pago, metodo_pago = excluded.metodo_pago`,
			x.Code, x.Kind, x.Days, orDefault(x.FormaPago, "99"), orDefault(x.MetodoPago, "PUE")); err != nil {
			return err
		}
	}
	for _, x := range d.Customers {
		if err := exec("customers", `insert into customers (code, name, tax_id, tax_id_kind, fiscal_regime, postal_code, cfdi_use,
			email, default_discount, payment_terms, invoicing_method, grouped_billing, is_generic, country, address, city)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) on conflict (code) do update set
			name = excluded.name, tax_id = excluded.tax_id, tax_id_kind = excluded.tax_id_kind, fiscal_regime = excluded.fiscal_regime,
			postal_code = excluded.postal_code, cfdi_use = excluded.cfdi_use, email = excluded.email,
			default_discount = excluded.default_discount, payment_terms = excluded.payment_terms,
			invoicing_method = excluded.invoicing_method, grouped_billing = excluded.grouped_billing, is_generic = excluded.is_generic,
			country = excluded.country, address = excluded.address, city = excluded.city`,
			x.Code, x.Name, x.TaxID, x.TaxIDKind, x.FiscalRegime, x.PostalCode, orDefault(x.CFDIUse, "G03"), x.Email,
			x.DefaultDiscount, x.PaymentTerms, orDefault(x.InvoicingMethod, rules.MethodCombined), x.GroupedBilling, x.Generic,
			x.Country, x.Address, x.City); err != nil {
			return err
		}
	}
	for _, x := range d.Items {
		if err := exec("items", `insert into items (code, description, unit_price, vat_rate, excise_rate, vat_withholding_rate,
			isr_withholding_rate, product_code, unit_code, unit_name, stocked)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict (code) do update set
			description = excluded.description, unit_price = excluded.unit_price, vat_rate = excluded.vat_rate,
			excise_rate = excluded.excise_rate, vat_withholding_rate = excluded.vat_withholding_rate,
			isr_withholding_rate = excluded.isr_withholding_rate, product_code = excluded.product_code,
			unit_code = excluded.unit_code, unit_name = excluded.unit_name, stocked = excluded.stocked`,
			x.Code, x.Description, x.UnitPrice, x.VATRate, x.ExciseRate, x.VATWithholdingRate, x.ISRWithholdingRate,
			orDefault(x.ProductCode, "01010101"), orDefault(x.UnitCode, "H87"), orDefault(x.UnitName, "Pieza"), boolOr(x.Stocked, true)); err != nil {
			return err
		}
	}
	for _, x := range d.Warehouses {
		if err := exec("warehouses", `insert into warehouses (code, name) values ($1, $2)
			on conflict (code) do update set name = excluded.name`, x.Code, x.Name); err != nil {
			return err
		}
	}
	for _, x := range d.Stock {
		if err := importStock(ctx, tx, x, n); err != nil {
			return fmt.Errorf("stock %s/%s: %w", x.Warehouse, x.Item, err)
		}
	}
	for _, x := range d.Series {
		next := x.NextNumber
		if next == 0 {
			next = 1
		}
		// next_number is only set when the series is new: numbers already issued are never rewound.
		if err := exec("series", `insert into series (code, issuer, document_kind, next_number, max_lines, closing_date,
			allow_negative_stock, discharge_stock, cfe_type) values ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, 0))
			on conflict (code) do update set issuer = excluded.issuer, document_kind = excluded.document_kind, cfe_type = excluded.cfe_type,
			max_lines = excluded.max_lines, closing_date = excluded.closing_date,
			allow_negative_stock = excluded.allow_negative_stock, discharge_stock = excluded.discharge_stock`,
			x.Code, x.Issuer, x.DocumentKind, next, x.MaxLines, nullIfEmpty(x.ClosingDate), x.AllowNegativeStock, boolOr(x.DischargeStock, true), x.CFEType); err != nil {
			return err
		}
	}
	if err := writeCAEs(ctx, tx, d.CAEs, n); err != nil {
		return err
	}
	for _, x := range d.Templates {
		if err := exec("templates", `insert into billing_templates (name, sources, orders_from, orders_to, grouping, series, fixed_series)
			values ($1, $2, $3, $4, $5, nullif($6, ''), $7)
			on conflict (name) do update set sources = excluded.sources, orders_from = excluded.orders_from, orders_to = excluded.orders_to,
			grouping = excluded.grouping, series = excluded.series, fixed_series = excluded.fixed_series`,
			x.Name, x.Sources, x.OrdersFrom, x.OrdersTo, orDefault(x.Grouping, "by-entity"), x.Series, x.FixedSeries); err != nil {
			return err
		}
	}
	// Credit note series once every series exists: a series may name one listed after it.
	for _, x := range d.Series {
		if err := exec("series", `update series set credit_note_series = nullif($2, '') where code = $1`, x.Code, x.CreditNoteSeries); err != nil {
			return err
		}
	}
	for _, x := range d.DocumentKinds {
		if err := exec("document_kinds", `insert into document_kinds (source_series, tax_id_kind, document_kind, series) values (nullif($1, ''), $2, $3, $4)
			on conflict (coalesce(source_series, ''), tax_id_kind) do update set document_kind = excluded.document_kind, series = excluded.series`,
			x.SourceSeries, x.TaxIDKind, x.DocumentKind, x.Series); err != nil {
			return err
		}
	}
	if err := writeOrders(ctx, tx, d, n); err != nil {
		return err
	}
	if err := writeContracts(ctx, tx, d, n); err != nil {
		return err
	}
	return writePlans(ctx, tx, d, n)
}

func writeOrders(ctx context.Context, tx pgx.Tx, d *importfmt.Dataset, n importfmt.Counts) error {
	for _, x := range d.Orders {
		terms := x.PaymentTerms
		var orderID int64
		err := tx.QueryRow(ctx, `insert into sales_orders (number, customer, series, warehouse, currency, payment_terms, order_date, status)
			values ($1, $2, $3, $4, $5, coalesce(nullif($6, ''), (select payment_terms from customers where code = $2)), $7, $8)
			on conflict (number) do nothing returning id`,
			x.Number, x.Customer, x.Series, x.Warehouse, x.Currency, terms, x.Date, orDefault(x.Status, "approved")).Scan(&orderID)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // imported before: kept as it is
		}
		if err != nil {
			return fmt.Errorf("orders (number %d): %w", x.Number, err)
		}
		n["orders"]++
		for j, l := range x.Lines {
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
			rule_kind, every_n, every_unit, start_date, end_date)
			values ($1, $2, (select id from contracts where number = $3), $4, $5, $6, $7, $8, $9, $10, $11, $12)
			on conflict (code) do nothing returning id`,
			x.Code, x.Customer, x.Contract, x.Series, x.Currency, x.PaymentTerms, nullIfEmpty(x.Warehouse),
			kind, every, unit, start, end).Scan(&id)
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
// kept as it is, with the numbers it has given. A range that overlaps another CAE of its
// series is refused, naming the record.
func writeCAEs(ctx context.Context, tx pgx.Tx, caes []importfmt.CAE, counts importfmt.Counts) error {
	var probs []importfmt.Problem
	for i, x := range caes {
		rows, err := tx.Query(ctx, `select cae, cfe_series, first_number, last_number from caes where series = $1`, x.Series)
		if err != nil {
			return err
		}
		stored, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.CAE, error) {
			var c rules.CAE
			return c, r.Scan(&c.Number, &c.CFESeries, &c.First, &c.Last)
		})
		if err != nil {
			return err
		}
		if err := rules.CheckCAERange(rules.CAE{Number: x.CAE, First: x.From, Last: x.To}, stored); err != nil {
			probs = append(probs, importfmt.Problem{Record: fmt.Sprintf("caes[%d] (%s)", i, x.CAE), Field: "from", Error: err.Error()})
			continue
		}
		tag, err := tx.Exec(ctx, `insert into caes (series, cae, cfe_series, first_number, last_number, next_number, expires)
			values ($1, $2, $3, $4, $5, $4, $6) on conflict (series, cae) do nothing`, x.Series, x.CAE, x.CFESeries, x.From, x.To, x.Expires)
		if err != nil {
			return fmt.Errorf("caes[%d] (%s): %w", i, x.CAE, err)
		}
		counts["caes"] += int(tag.RowsAffected())
	}
	if len(probs) > 0 {
		return &importfmt.Invalid{Problems: probs}
	}
	return nil
}
