package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/jackc/pgx/v5"

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
		{&k.Orders, `select number::text from sales_orders`},
		{&k.CFESeries, `select code from series where cfe_type is not null`},
		{&k.ContingencySeries, `select code from series where document_kind = 'contingency'`},
		{&k.CreditTerms, `select code from payment_terms where kind = 'credit'`},
		{&k.GenericCustomers, `select code from customers where is_generic`},
		{&k.CashBoxes, `select code from cash_boxes`},
	} {
		if *x.dst, err = load(x.sql); err != nil {
			return k, err
		}
	}
	if k.SeriesIssuers, k.SeriesKinds, k.OrderClasses, err = loadSeriesFacts(ctx, tx); err != nil {
		return k, err
	}
	rows, err := tx.Query(ctx, `select series, cae, cfe_series, first_number, last_number from caes order by series, first_number`)
	if err != nil {
		return k, err
	}
	k.CAEs = map[string][]rules.CAE{}
	for rows.Next() {
		var series string
		var c rules.CAE
		if err := rows.Scan(&series, &c.Number, &c.CFESeries, &c.First, &c.Last); err != nil {
			rows.Close()
			return k, err
		}
		k.CAEs[series] = append(k.CAEs[series], c)
	}
	return k, rows.Err()
}

// loadSeriesFacts reads the stored series' issuers and kinds, and the order classes' series.
func loadSeriesFacts(ctx context.Context, tx pgx.Tx) (issuers, kinds, classes map[string]string, err error) {
	issuers, kinds, classes = map[string]string{}, map[string]string{}, map[string]string{}
	rows, err := tx.Query(ctx, `select code, issuer, document_kind from series`)
	if err != nil {
		return nil, nil, nil, err
	}
	for rows.Next() {
		var code, issuer, kind string
		if err := rows.Scan(&code, &issuer, &kind); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		issuers[code], kinds[code] = issuer, kind
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	rows, err = tx.Query(ctx, `select code, series from order_classes`)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var code, series string
		if err := rows.Scan(&code, &series); err != nil {
			return nil, nil, nil, err
		}
		classes[code] = series
	}
	return issuers, kinds, classes, rows.Err()
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

// write writes a validated dataset, section by section, in the order their references need.
func write(ctx context.Context, tx pgx.Tx, d *importfmt.Dataset, n importfmt.Counts) error {
	w := &writer{ctx: ctx, tx: tx, d: d, n: n}
	for _, section := range []func() error{w.parties, w.goods, w.numbering, w.uiValues} {
		if err := section(); err != nil {
			return err
		}
	}
	for _, x := range d.OrderClasses {
		if err := w.exec("order_classes", `insert into order_classes (code, series) values ($1, $2)
			on conflict (code) do update set series = excluded.series`, x.Code, x.Series); err != nil {
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

// writer writes a dataset's sections in one transaction, counting the rows of each kind.
type writer struct {
	ctx context.Context
	tx  pgx.Tx
	d   *importfmt.Dataset
	n   importfmt.Counts
}

// exec runs one statement of a kind and counts the rows it wrote.
func (w *writer) exec(kind, sql string, args ...any) error {
	tag, err := w.tx.Exec(w.ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	w.n[kind] += int(tag.RowsAffected())
	return nil
}

// parties writes the currencies, rates, issuers, payment terms and customers.
func (w *writer) parties() error {
	d, exec := w.d, w.exec
	for _, x := range d.Currencies {
		if err := exec("currencies", `insert into currencies (code, decimals) values ($1, $2)
			on conflict (code) do update set decimals = excluded.decimals`, x.Code, x.Decimals); err != nil {
			return err
		}
	}
	for role, account := range d.LedgerAccounts {
		if err := exec("ledger_accounts", `insert into ledger_accounts (role, account) values ($1, $2)
			on conflict (role) do update set account = excluded.account`, role, account); err != nil {
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
			csd_certificate, csd_key, csd_password_env, vat_on_excise, country, branch, address, city, department, payment_receipts)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) on conflict (code) do update set rfc = excluded.rfc, name = excluded.name,
			fiscal_regime = excluded.fiscal_regime, postal_code = excluded.postal_code, currency = excluded.currency, email = excluded.email,
			csd_certificate = excluded.csd_certificate, csd_key = excluded.csd_key, csd_password_env = excluded.csd_password_env,
			vat_on_excise = excluded.vat_on_excise, country = excluded.country, branch = excluded.branch, address = excluded.address,
			city = excluded.city, department = excluded.department, payment_receipts = excluded.payment_receipts`,
			x.Code, orDefault(x.RUT, x.RFC), x.Name, x.FiscalRegime, x.PostalCode, x.Currency, x.Email,
			absPath(d.BaseDir, x.CSDCertificate), absPath(d.BaseDir, x.CSDKey), orDefault(x.CSDPasswordEnv, "BILLRUN_CSD_PASSWORD"),
			boolOr(x.VATOnExcise, true), orDefault(x.Country, "MX"), x.Branch, x.Address, x.City, x.Department,
			orDefault(x.PaymentReceipts, "per_payment")); err != nil {
			return err
		}
	}
	for _, x := range d.CashBoxes { // a box's currency does not change once cash moved in it (the database refuses)
		if err := exec("cash_boxes", `insert into cash_boxes (code, name, currency, account) values ($1, $2, $3, $4)
			on conflict (code) do update set name = excluded.name, currency = excluded.currency, account = excluded.account`,
			x.Code, x.Name, x.Currency, x.Account); err != nil {
			return err
		}
	}
	for _, x := range d.PaymentTerms {
		if err := exec("payment_terms", `insert into payment_terms (code, kind, days, forma_pago, metodo_pago, cash_box)
			values ($1, $2, $3, $4, $5, nullif($6, '')) on conflict (code) do update set kind = excluded.kind, days = excluded.days,
			forma_pago = excluded.forma_pago, metodo_pago = excluded.metodo_pago, cash_box = excluded.cash_box`,
			x.Code, x.Kind, x.Days, orDefault(x.FormaPago, "99"), orDefault(x.MetodoPago, "PUE"), x.CashBox); err != nil {
			return err
		}
	}
	for _, x := range d.Customers {
		if err := exec("customers", `insert into customers (code, name, tax_id, tax_id_kind, fiscal_regime, postal_code, cfdi_use,
			email, default_discount, payment_terms, invoicing_method, grouped_billing, is_generic, country, address, city, zone, receivable_account,
			fiscal_residence, export, electronic_receiver)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, nullif($18, ''), $19, $20, $21) on conflict (code) do update set
			name = excluded.name, tax_id = excluded.tax_id, tax_id_kind = excluded.tax_id_kind, fiscal_regime = excluded.fiscal_regime,
			postal_code = excluded.postal_code, cfdi_use = excluded.cfdi_use, email = excluded.email,
			default_discount = excluded.default_discount, payment_terms = excluded.payment_terms,
			invoicing_method = excluded.invoicing_method, grouped_billing = excluded.grouped_billing, is_generic = excluded.is_generic,
			country = excluded.country, address = excluded.address, city = excluded.city, zone = excluded.zone,
			receivable_account = excluded.receivable_account, fiscal_residence = excluded.fiscal_residence, export = excluded.export,
			electronic_receiver = excluded.electronic_receiver`,
			x.Code, x.Name, x.TaxID, x.TaxIDKind, x.FiscalRegime, x.PostalCode, orDefault(x.CFDIUse, "G03"), x.Email,
			x.DefaultDiscount, x.PaymentTerms, orDefault(x.InvoicingMethod, rules.MethodCombined), x.GroupedBilling, x.Generic,
			x.Country, x.Address, x.City, x.Zone, x.ReceivableAccount, x.FiscalResidence, x.Export, x.ElectronicReceiver); err != nil {
			return err
		}
	}
	for _, x := range d.Customers { // once every customer of the file is written
		if err := exec("customers", `update customers set associated_to = nullif($2, '') where code = $1`, x.Code, x.AssociatedTo); err != nil {
			return err
		}
	}
	return nil
}

// goods writes the items, warehouses and stock.
func (w *writer) goods() error {
	ctx, tx, d, n, exec := w.ctx, w.tx, w.d, w.n, w.exec
	for _, x := range d.Items {
		if err := exec("items", `insert into items (code, description, unit_price, vat_rate, excise_rate, vat_withholding_rate,
			isr_withholding_rate, product_code, unit_code, unit_name, stocked, revenue_account, cost, excise_quota, vat_exempt)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, nullif($12, ''), $13, $14, $15) on conflict (code) do update set
			description = excluded.description, unit_price = excluded.unit_price, vat_rate = excluded.vat_rate,
			excise_rate = excluded.excise_rate, vat_withholding_rate = excluded.vat_withholding_rate,
			isr_withholding_rate = excluded.isr_withholding_rate, product_code = excluded.product_code,
			unit_code = excluded.unit_code, unit_name = excluded.unit_name, stocked = excluded.stocked,
			revenue_account = excluded.revenue_account, cost = excluded.cost, excise_quota = excluded.excise_quota, vat_exempt = excluded.vat_exempt`,
			x.Code, x.Description, x.UnitPrice, x.VATRate, x.ExciseRate, x.VATWithholdingRate, x.ISRWithholdingRate,
			orDefault(x.ProductCode, "01010101"), orDefault(x.UnitCode, "H87"), orDefault(x.UnitName, "Pieza"), boolOr(x.Stocked, true),
			x.RevenueAccount, x.Cost, x.ExciseQuota, x.VATExempt); err != nil {
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
	return nil
}

// numbering writes the series, CAEs, templates, credit note series and document kinds.
func (w *writer) numbering() error {
	ctx, tx, d, n, exec := w.ctx, w.tx, w.d, w.n, w.exec
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
	// Credit note and receipt series once every series exists: a series may name one listed
	// after it.
	for _, x := range d.Series {
		if err := exec("series", `update series set credit_note_series = nullif($2, ''), payment_receipt_series = nullif($3, ''),
			global_invoice_series = nullif($4, '') where code = $1`, x.Code, x.CreditNoteSeries, x.PaymentReceiptSeries, x.GlobalInvoiceSeries); err != nil {
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
	return nil
}
