package activities

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/activities/rules"
)

// Skip reasons of the not-invoiced report.
const (
	SkipGenericCustomer = "generic customer: orders of the occasional customer are not billed in a batch"
	SkipZeroPrice       = "zero price: the order has a line priced 0 and the batch does not allow zero-price lines"
)

// sourceLine is one selected billable line with what planning and pricing need.
type sourceLine struct {
	rules.Billable
	Ref             string
	Customer        string
	Item            string
	Description     string
	Warehouse       string
	Quantity        decimal.Decimal
	UnitPrice       decimal.Decimal
	LineDiscount    *decimal.Decimal
	DefaultDiscount decimal.Decimal
	Delivered       bool
	Generic         bool
	MaxLines        int
	TaxIDKind       string // the payer's, for the document kind rule
	Decimals        int32
	Tax             rules.TaxProfile
	Refs            map[string]any // contract line, expense report, activity; plan, event, entity
}

// DraftInvoice is a planned invoice, priced as far as its data allows.
type DraftInvoice struct {
	GroupNo  int             `json:"group_no"`
	Customer string          `json:"customer"`
	Series   string          `json:"series"`
	Currency string          `json:"currency"`
	Lines    int             `json:"lines"`
	Sources  []string        `json:"sources"`
	Subtotal decimal.Decimal `json:"subtotal"`
	VAT      decimal.Decimal `json:"vat"`
	Total    decimal.Decimal `json:"total"`
	Problem  string          `json:"problem,omitempty"` // why it could not be priced yet
}

// SkippedLine is a line of the not-invoiced report.
type SkippedLine struct {
	Source   string          `json:"source"`
	Customer string          `json:"customer"`
	Item     string          `json:"item"`
	Quantity decimal.Decimal `json:"quantity"`
	Reason   string          `json:"reason"`
}

// PlanOutcome is what planning made of a batch.
type PlanOutcome struct {
	LinesSelected int            `json:"lines_selected"`
	LinesSkipped  int            `json:"lines_skipped"`
	Invoices      []DraftInvoice `json:"invoices"`
	Skipped       []SkippedLine  `json:"skipped"`
}

func selectOrderLines(ctx context.Context, tx pgx.Tx, b Batch) ([]sourceLine, error) {
	p := b.Params
	var customers []string
	if len(p.Customers) > 0 {
		customers = p.Customers
	}
	// FOR UPDATE OF l: a concurrent batch over the same orders waits here, then sees the
	// quantities this one claimed as gone and selects nothing twice.
	rows, err := tx.Query(ctx, `
		select l.id, o.number, l.line_no, o.customer, o.warehouse, o.currency, o.payment_terms,
		       l.item, i.description, l.qty_to_invoice, l.unit_price, l.discount_pct,
		       l.qty_delivered >= l.qty_invoiced + l.qty_in_billing + l.qty_to_invoice,
		       c.is_generic, c.default_discount, c.invoicing_method, c.grouped_billing,
		       c.tax_id_kind, s.code, s.issuer, s.document_kind, s.max_lines, cur.decimals,
		       i.vat_rate, i.excise_rate, i.vat_withholding_rate, i.isr_withholding_rate
		from sales_order_lines l
		join sales_orders o on o.id = l.order_id
		join customers c on c.code = o.customer
		join series s on s.code = o.series
		join items i on i.code = l.item
		join currencies cur on cur.code = o.currency
		where o.status = 'approved' and o.number between $1 and $2 and o.series = $3
		  and l.qty_to_invoice > 0 and ($4::text[] is null or o.customer = any($4))
		order by o.number, l.line_no
		for update of l`, p.OrdersFrom, p.OrdersTo, p.Series, customers)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sourceLine
	for rows.Next() {
		var s sourceLine
		var number int64
		err := rows.Scan(&s.SourceID, &number, &s.LineNo, &s.Customer, &s.Warehouse, &s.Currency, &s.PaymentTerms,
			&s.Item, &s.Description, &s.Quantity, &s.UnitPrice, &s.LineDiscount, &s.Delivered,
			&s.Generic, &s.DefaultDiscount, &s.PayerMethod, &s.PayerGrouped,
			&s.TaxIDKind, &s.Series, &s.Issuer, &s.DocumentKind, &s.MaxLines, &s.Decimals,
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

// planBatch selects, screens, claims, groups and prices a batch's lines and writes the
// drafts, batch lines and the not-invoiced report, all in tx. The caller commits (a real
// plan) or rolls back (a dry run).
func planBatch(ctx context.Context, tx pgx.Tx, b Batch) (PlanOutcome, error) {
	var out PlanOutcome
	lines, err := selectLines(ctx, tx, b)
	if err != nil {
		return out, err
	}
	if err := routeDocumentKinds(ctx, tx, lines); err != nil {
		return out, err
	}
	out.LinesSelected = len(lines)

	// Screen whole orders: seed 002 skips an order of the generic customer, and an order
	// with a zero-priced line unless the batch allows them.
	skipOrder := map[string]string{}
	for _, l := range lines {
		switch {
		case l.SourceKind != "order_line":
		case l.Generic:
			skipOrder[l.SourceDoc] = SkipGenericCustomer
		case l.UnitPrice.IsZero() && !b.Params.AllowZeroPrice && skipOrder[l.SourceDoc] == "":
			skipOrder[l.SourceDoc] = SkipZeroPrice
		}
	}
	var billed []sourceLine
	for _, l := range lines {
		reason := skipOrder[l.SourceDoc]
		if reason == "" {
			billed = append(billed, l)
			continue
		}
		out.Skipped = append(out.Skipped, SkippedLine{Source: l.Ref, Customer: l.Customer, Item: l.Item, Quantity: l.Quantity, Reason: reason})
		_, err := tx.Exec(ctx, `insert into batch_lines (batch_id, source_kind, source_id, source_ref, customer, item, quantity, outcome, skip_reason)
			values ($1, $2, $3, $4, $5, $6, $7, 'skipped', $8) on conflict do nothing`,
			b.ID, l.SourceKind, l.SourceID, l.Ref, l.Customer, l.Item, l.Quantity, reason)
		if err != nil {
			return out, err
		}
	}
	out.LinesSkipped = len(out.Skipped)

	// Lines are known to grouping by their position; a plan event gives several lines.
	var billables []rules.Billable
	maxLines := map[string]int{}
	claimed := map[string]bool{}
	for i, l := range billed {
		bl := l.Billable
		bl.Key = i
		billables = append(billables, bl)
		maxLines[l.Series] = l.MaxLines
		// Claim the source: from here it belongs to this batch's invoice.
		if k := fmt.Sprint(l.SourceKind, l.SourceID); !claimed[k] {
			claimed[k] = true
			if err := claim(ctx, tx, l); err != nil {
				return out, err
			}
		}
	}

	policy := rules.PricingPolicy{Discount9999Is100: b.Params.Discount9999Is100}
	for gi, group := range groupBySeries(billables, b.Grouping, maxLines) {
		first := billed[group[0].Key]
		draft := DraftInvoice{GroupNo: gi + 1, Customer: first.Payer, Series: first.Series, Currency: first.Currency, Lines: len(group)}
		var invoiceID int64
		err := tx.QueryRow(ctx, `
			insert into invoices (batch_id, group_no, issuer, series, document_kind, customer, currency, rate, payment_terms, invoice_date, status)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft') returning id`,
			b.ID, draft.GroupNo, first.Issuer, first.Series, first.DocumentKind, first.Payer, first.Currency,
			b.Rate, first.PaymentTerms, b.InvoiceDate).Scan(&invoiceID)
		if err != nil {
			return out, err
		}
		var priced []rules.LineAmounts
		for li, g := range group {
			l := billed[g.Key]
			disc := rules.ResolveDiscount(l.LineDiscount, l.DefaultDiscount)
			a, perr := rules.PriceLine(rules.LineInput{Item: l.Item, Quantity: l.Quantity, UnitPrice: l.UnitPrice, DiscountPct: disc, Tax: l.Tax}, l.Decimals, policy)
			if perr != nil && draft.Problem == "" {
				draft.Problem = perr.Error() // the invoice's pricing step will fail it with this reason
			}
			priced = append(priced, a)
			if len(draft.Sources) == 0 || draft.Sources[len(draft.Sources)-1] != l.SourceDoc {
				draft.Sources = append(draft.Sources, l.SourceDoc)
			}
			var lineID int64
			err := tx.QueryRow(ctx, `
				insert into invoice_lines (invoice_id, line_no, source_kind, source_id, source_ref, partner, item, description,
				    warehouse, delivered, quantity, unit_price, discount_pct, refs)
				values ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, ''), $10, $11, $12, $13, $14) returning id`,
				invoiceID, li+1, l.SourceKind, l.SourceID, l.Ref, l.Partner, l.Item, l.Description,
				l.Warehouse, l.Delivered, l.Quantity, l.UnitPrice, disc, refsJSON(l.Refs)).Scan(&lineID)
			if err != nil {
				return out, err
			}
			if perr == nil {
				if err := storeLineAmounts(ctx, tx, lineID, a); err != nil {
					return out, err
				}
			}
			_, err = tx.Exec(ctx, `insert into batch_lines (batch_id, source_kind, source_id, source_ref, customer, item, quantity, outcome, invoice_id)
				values ($1, $2, $3, $4, $5, $6, $7, 'invoiced', $8)`,
				b.ID, l.SourceKind, l.SourceID, l.Ref, l.Customer, l.Item, l.Quantity, invoiceID)
			if err != nil {
				return out, err
			}
		}
		if draft.Problem == "" {
			t := rules.SumLines(priced)
			draft.Subtotal, draft.VAT, draft.Total = t.Subtotal, t.VAT, t.Total
			if err := storeTotals(ctx, tx, invoiceID, t); err != nil {
				return out, err
			}
		}
		out.Invoices = append(out.Invoices, draft)
	}
	_, err = tx.Exec(ctx, `update batches set status = 'planned' where id = $1`, b.ID)
	return out, err
}

func storeLineAmounts(ctx context.Context, tx pgx.Tx, lineID int64, a rules.LineAmounts) error {
	_, err := tx.Exec(ctx, `
		update invoice_lines set discount_pct = $2, amount = $3, discount = $4, subtotal = $5, vat_rate = $6, vat = $7,
		    excise_rate = $8, excise = $9, vat_withholding_rate = $10, vat_withheld = $11,
		    isr_withholding_rate = $12, isr_withheld = $13, total = $14
		where id = $1`,
		lineID, a.DiscountPct, a.Amount, a.Discount, a.Subtotal, a.VATRate, a.VAT, a.ExciseRate, a.Excise,
		a.VATWithholdingRate, a.VATWithheld, a.ISRWithholdingRate, a.ISRWithheld, a.Total)
	return err
}

func storeTotals(ctx context.Context, tx pgx.Tx, invoiceID int64, t rules.Totals) error {
	_, err := tx.Exec(ctx, `
		update invoices set amount = $2, discount = $3, subtotal = $4, vat = $5, excise = $6,
		    vat_withheld = $7, isr_withheld = $8, total = $9 where id = $1`,
		invoiceID, t.Amount, t.Discount, t.Subtotal, t.VAT, t.Excise, t.VATWithheld, t.ISRWithheld, t.Total)
	return err
}

// PlanResult is the plan activity's small answer; the drafts stay in the database.
type PlanResult struct {
	Invoices      int  `json:"invoices"`
	LinesSelected int  `json:"lines_selected"`
	LinesSkipped  int  `json:"lines_skipped"`
	Draft         bool `json:"draft"` // the batch waits for approval before completing
}

// PlanBatch plans a created batch. Run twice, it finds the batch planned and answers from
// the database.
func (a *Activities) PlanBatch(ctx context.Context, batchID string) (PlanResult, error) {
	var res PlanResult
	err := inTx(ctx, a.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `select 1 from batches where id = $1 for update`, batchID); err != nil {
			return err
		}
		b, err := LoadBatch(ctx, tx, batchID)
		if err != nil {
			return err
		}
		res.Draft = b.Draft
		if b.Status != "created" {
			return tx.QueryRow(ctx, `
				select (select count(*) from invoices where batch_id = $1),
				       (select count(*) from batch_lines where batch_id = $1),
				       (select count(*) from batch_lines where batch_id = $1 and outcome = 'skipped')`, batchID).
				Scan(&res.Invoices, &res.LinesSelected, &res.LinesSkipped)
		}
		out, err := planBatch(ctx, tx, b)
		if err != nil {
			return err
		}
		res = PlanResult{Invoices: len(out.Invoices), LinesSelected: out.LinesSelected, LinesSkipped: out.LinesSkipped, Draft: b.Draft}
		return audit(ctx, tx, batchID, 0, "plan", 0, "ok",
			fmt.Sprintf("%d lines selected, %d skipped, %d invoices", res.LinesSelected, res.LinesSkipped, res.Invoices))
	})
	return res, err
}

// DryRun plans and prices a batch's parameters inside a transaction that is rolled back:
// nothing is written, and the answer shows the invoices a real run would make.
func DryRun(ctx context.Context, a *Activities, p BatchParams) (PlanOutcome, error) {
	var out PlanOutcome
	tx, err := a.DB.Begin(ctx)
	if err != nil {
		return out, err
	}
	defer tx.Rollback(ctx)
	if err := ValidateBatch(ctx, tx, &p); err != nil {
		return out, err
	}
	raw := fmt.Sprintf(`{"source_kind":%q}`, p.SourceKind)
	const id = "dry-run"
	if _, err := tx.Exec(ctx, `insert into batches (id, source_kind, params, series, invoice_date, rate, grouping, draft, status)
		values ($1, $2, $3, nullif($4, ''), $5, $6, $7, $8, 'created')`, id, p.SourceKind, raw, p.Series, p.InvoiceDate, p.Rate, p.Grouping, p.Draft); err != nil {
		return out, err
	}
	b, err := LoadBatch(ctx, tx, id)
	if err != nil {
		return out, err
	}
	b.Params = p
	return planBatch(ctx, tx, b)
}

// groupBySeries groups lines, each series with its own maximum lines per invoice (the
// document kind rule can route a customer's lines to another series than the batch's).
func groupBySeries(lines []rules.Billable, option string, maxLines map[string]int) [][]rules.Billable {
	var series []string
	bySeries := map[string][]rules.Billable{}
	for _, l := range lines {
		if _, ok := bySeries[l.Series]; !ok {
			series = append(series, l.Series)
		}
		bySeries[l.Series] = append(bySeries[l.Series], l)
	}
	slices.Sort(series)
	var out [][]rules.Billable
	for _, s := range series {
		out = append(out, rules.Group(bySeries[s], option, maxLines[s])...)
	}
	return out
}

// routeDocumentKinds applies the document kind rule (seed 000) to every selected line,
// whatever its source: a payer whose tax id kind has a rule is billed in that rule's
// document kind and series (national id → ticket series, tax registration → invoice series).
func routeDocumentKinds(ctx context.Context, tx pgx.Tx, lines []sourceLine) error {
	type route struct {
		series, issuer, kind string
		maxLines             int
	}
	rows, err := tx.Query(ctx, `select dk.tax_id_kind, s.code, s.issuer, dk.document_kind, s.max_lines
		from document_kinds dk join series s on s.code = dk.series`)
	if err != nil {
		return err
	}
	routes := map[string]route{}
	for rows.Next() {
		var kind string
		var r route
		if err := rows.Scan(&kind, &r.series, &r.issuer, &r.kind, &r.maxLines); err != nil {
			rows.Close()
			return err
		}
		routes[kind] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range lines {
		if r, ok := routes[lines[i].TaxIDKind]; ok {
			lines[i].Series, lines[i].Issuer, lines[i].DocumentKind, lines[i].MaxLines = r.series, r.issuer, r.kind, r.maxLines
		}
	}
	return nil
}
