package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
	"billrun/internal/model"
	"billrun/internal/rules"
)

// Issue 28 (fewer round trips per invoice): each invoice step reads its invoice once, under
// its row lock, with every fact the step decides on, in one statement; and writes what it
// decided in one statement, its audit row included. The reads below lock the invoice in a
// materialized CTE that the rest of the statement reads from, so the invoice's row lock is
// taken before any other row the statement locks (the order every step keeps).

// headColumns are InvoiceHead's columns of invoices v, in dest's order.
const headColumns = `v.id, coalesce(v.batch_id, '') as batch_id, v.document_kind, v.status, v.attempt, v.series, v.customer,
	v.payment_terms, v.invoice_date, v.total, v.currency, v.number, v.error_step, v.error_reason,
	array(select distinct source_kind from invoice_lines where invoice_id = v.id order by 1) as source_kinds`

// headColumnNames are headColumns as the CTE that selected them names them.
const headColumnNames = `h.id, h.batch_id, h.document_kind, h.status, h.attempt, h.series, h.customer, h.payment_terms,
	h.invoice_date, h.total, h.currency, h.number, h.error_step, h.error_reason, h.source_kinds`

func (h *InvoiceHead) dest() []any {
	return []any{&h.ID, &h.BatchID, &h.DocumentKind, &h.Status, &h.Attempt, &h.Series, &h.Customer, &h.Terms, &h.InvoiceDate,
		&h.Total, &h.Currency, &h.Number, &h.ErrorStep, &h.ErrorReason, &h.SourceKinds}
}

// AuditRow is one audit_events row a step writes with its other writes.
type AuditRow struct {
	BatchID   string
	InvoiceID int64
	Step      string
	Attempt   int
	Outcome   string
	Detail    string
}

func (a AuditRow) args() []any {
	var inv, batch any
	if a.InvoiceID != 0 {
		inv = a.InvoiceID
	}
	if a.BatchID != "" {
		batch = a.BatchID // a credit note has no batch
	}
	return []any{batch, inv, a.Step, a.Attempt, a.Outcome, a.Detail}
}

// auditInsert appends an AuditRow whose args are $n…$n+5, once per invoice, step, attempt
// and outcome (a re-run appends nothing).
func auditInsert(n int) string {
	ps := make([]string, 6)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", n+i)
	}
	return `insert into audit_events (batch_id, invoice_id, step, attempt, outcome, detail) values (` + strings.Join(ps, ", ") + `)
		on conflict (invoice_id, step, attempt, outcome) where invoice_id is not null do nothing`
}

// lockedRead runs a read whose first columns are the locked invoice's head (nothing found:
// model.ErrNotFound), calling row for each row with the head scanned and the rest of the
// row's destinations to fill.
func (t *Tx) lockedRead(id int64, sql string, args []any, rest func(h InvoiceHead) []any, row func()) (InvoiceHead, error) {
	var h InvoiceHead
	rows, err := t.tx.Query(t.ctx, sql, args...)
	if err != nil {
		return h, err
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		if err := rows.Scan(append(h.dest(), rest(h)...)...); err != nil {
			return h, err
		}
		found = true
		row()
	}
	if err := rows.Err(); err != nil {
		return h, err
	}
	if !found {
		return h, fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	return h, nil
}

// PricingFacts are what pricing a draft reads: its batch's policy, its currency's decimals
// and its lines with their items' current tax profiles (lines only for a draft).
type PricingFacts struct {
	Policy   rules.PricingPolicy
	Decimals int32
	Lines    []PricingLine
}

// LockForPricing reads an invoice under its row lock with its PricingFacts, in one statement.
func (t *Tx) LockForPricing(id int64) (InvoiceHead, PricingFacts, error) {
	var f PricingFacts
	var l pricingRow
	h, err := t.lockedRead(id, `with h as materialized (
			select `+headColumns+`, coalesce((b.params->>'discount_9999_is_100')::boolean, false) as d9999,
			       coalesce(i.vat_on_excise, false) as vat_on_excise, coalesce(cur.decimals, 2) as decimals
			from invoices v left join batches b on b.id = v.batch_id left join currencies cur on cur.code = v.currency
			left join issuers i on i.code = v.issuer where v.id = $1 for update of v)
		select `+headColumnNames+`, h.d9999, h.vat_on_excise, h.decimals, l.id, l.item, l.quantity, l.unit_price, l.discount_pct,
		       l.vat_rate, l.excise_rate, l.vat_withholding_rate, l.isr_withholding_rate, l.vat_exempt, l.excise_quota
		from h left join lateral (
			select l.id, l.item, l.quantity, l.unit_price, l.discount_pct, i.vat_rate, i.excise_rate, i.vat_withholding_rate,
			       i.isr_withholding_rate, i.vat_exempt, i.excise_quota, l.line_no
			from invoice_lines l join items i on i.code = l.item where l.invoice_id = h.id and h.status = 'draft') l on true
		order by l.line_no`, []any{id},
		func(InvoiceHead) []any {
			l = pricingRow{}
			return []any{&f.Policy.Discount9999Is100, &f.Policy.VATOnExcise, &f.Decimals, &l.id, &l.item, &l.qty, &l.price, &l.disc,
				&l.vat, &l.exRate, &l.vwr, &l.iwr, &l.exempt, &l.quota}
		},
		func() {
			if l.id == nil {
				return
			}
			in := rules.LineInput{Item: *l.item, Quantity: *l.qty, UnitPrice: *l.price, DiscountPct: *l.disc,
				Tax: rules.TaxProfile{VATRate: l.vat, VATExempt: *l.exempt, ExciseRate: *l.exRate, ExciseQuota: *l.quota,
					VATWithholdingRate: *l.vwr, ISRWithholdingRate: *l.iwr}}
			f.Lines = append(f.Lines, PricingLine{ID: *l.id, Input: in})
		})
	return h, f, err
}

// pricingRow is a line's columns of LockForPricing's read (nulls: no line), fresh each row.
type pricingRow struct {
	id                                 *int64
	item                               *string
	qty, price, disc, exRate, vwr, iwr *decimal.Decimal
	vat, quota                         *decimal.Decimal
	exempt                             *bool
}

// PricedLine is a line's amounts as pricing decided them.
type PricedLine struct {
	ID      int64
	Amounts rules.LineAmounts
}

// SavePricing writes a priced draft in one statement: its lines' amounts (with the factors
// they were priced by), its totals, its move to processing (its last failure cleared) and
// its audit row.
func (t *Tx) SavePricing(id int64, lines []PricedLine, s rules.Totals, a AuditRow) error {
	ids := make([]int64, len(lines))
	var cols [15][]decimal.Decimal
	vf, ef := make([]string, len(lines)), make([]string, len(lines))
	for i, l := range lines {
		x := l.Amounts
		ids[i] = l.ID
		vf[i], ef[i] = Factors(x)
		for j, d := range []decimal.Decimal{x.DiscountPct, x.Amount, x.Discount, x.Subtotal, x.VATRate, x.VAT, x.ExciseRate, x.Excise,
			x.VATWithholdingRate, x.VATWithheld, x.ISRWithholdingRate, x.ISRWithheld, x.Total, x.VATBase, x.ExciseQuota} {
			cols[j] = append(cols[j], d)
		}
	}
	args := []any{id, ids}
	for _, c := range cols {
		args = append(args, c)
	}
	args = append(args, vf, ef, s.Amount, s.Discount, s.Subtotal, s.VAT, s.Excise, s.VATWithheld, s.ISRWithheld, s.Total)
	return t.exec(`with l as (
			update invoice_lines x set discount_pct = u.discount_pct, amount = u.amount, discount = u.discount, subtotal = u.subtotal,
			    vat_rate = u.vat_rate, vat = u.vat, excise_rate = u.excise_rate, excise = u.excise, vat_withholding_rate = u.vwr,
			    vat_withheld = u.vat_withheld, isr_withholding_rate = u.iwr, isr_withheld = u.isr_withheld, total = u.total,
			    vat_base = u.vat_base, excise_quota = u.excise_quota, vat_factor = u.vat_factor, excise_factor = u.excise_factor
			from unnest($2::bigint[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[],
			            $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::numeric[], $14::numeric[], $15::numeric[],
			            $16::numeric[], $17::numeric[], $18::text[], $19::text[])
			     as u(id, discount_pct, amount, discount, subtotal, vat_rate, vat, excise_rate, excise, vwr, vat_withheld, iwr,
			          isr_withheld, total, vat_base, excise_quota, vat_factor, excise_factor)
			where x.id = u.id and x.invoice_id = $1),
		v as (
			update invoices set amount = $20, discount = $21, subtotal = $22, vat = $23, excise = $24, vat_withheld = $25,
			    isr_withheld = $26, total = $27, status = 'processing', error_step = '', error_reason = '' where id = $1)
		`+auditInsert(28), append(args, a.args()...)...)
}

// LockForReceivable reads an invoice under its row lock with its receivable's Terms, in
// one statement.
func (t *Tx) LockForReceivable(id int64) (InvoiceHead, Terms, error) {
	var r Terms
	h, err := t.lockedRead(id, `with h as materialized (select `+headColumns+` from invoices v where v.id = $1 for update of v)
		select `+headColumnNames+`, t.kind, t.days, c.is_generic, coalesce((b.params->>'settle_credits')::boolean, false),
		       h.batch_id <> '' and exists (select 1 from invoices n where n.batch_id = h.batch_id and n.customer = h.customer
		                                    and n.document_kind = 'credit_note' and n.credit_kind = 'return')
		from h join payment_terms t on t.code = h.payment_terms join customers c on c.code = h.customer
		left join batches b on b.id = h.batch_id`, []any{id},
		func(InvoiceHead) []any { return []any{&r.Kind, &r.Days, &r.Generic, &r.SettleCredits, &r.NetsReturns} }, func() {})
	return h, r, err
}

// PostReceivableAudited records the invoice's receivable, once (as PostReceivable), with
// the step's audit row, in one statement.
func (t *Tx) PostReceivableAudited(h InvoiceHead, kind string, due time.Time, a AuditRow) error {
	return t.exec(`with r as (
			insert into receivables (invoice_id, customer, kind, currency, amount, balance, due_date, status)
			values ($1, $2, $3, $4, $5, $5, $6, 'open')
			on conflict (invoice_id) where status not in ('reversed', 'cancelled') do nothing)
		`+auditInsert(7), append([]any{h.ID, h.Customer, kind, h.Currency, h.Total, due}, a.args()...)...)
}

// SaveSealedAudited stores the sealed document, once, and marks the invoice sealed (as
// SaveSealed), with the step's audit row, in one statement.
func (t *Tx) SaveSealedAudited(id int64, d fiscal.Document, a AuditRow) error {
	return t.exec(`with d as (
			insert into fiscal_documents (invoice_id, xml, no_certificado, sello, status)
			values ($1, $2, $3, $4, 'sealed') on conflict (invoice_id) do nothing),
		v as (update invoices set fiscal_status = 'sealed', fiscal_error = '' where id = $1)
		`+auditInsert(5), append([]any{id, d.XML, d.Certificate, d.Signature}, a.args()...)...)
}
