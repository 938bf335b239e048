package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// InvoiceHead is the locked invoice row an invoice activity works on.
type InvoiceHead struct {
	ID           int64
	BatchID      string
	DocumentKind string // invoice, ticket, credit_note (a batch's: of return orders)
	Status       string
	Attempt      int
	Series       string
	Customer     string
	Terms        string
	InvoiceDate  time.Time
	Total        decimal.Decimal
	Currency     string
	Number       *int64
	ErrorStep    string
	ErrorReason  string
	SourceKinds  []string // of its lines: order_line, installment, plan_event
}

// LockInvoice reads an invoice under a row lock, so two runs of one activity serialise.
func (t *Tx) LockInvoice(id int64) (InvoiceHead, error) {
	var h InvoiceHead
	err := t.tx.QueryRow(t.ctx, `
		select id, coalesce(batch_id, ''), document_kind, status, attempt, series, customer, payment_terms, invoice_date, total, currency, number, error_step, error_reason,
		       array(select distinct source_kind from invoice_lines where invoice_id = $1 order by 1)
		from invoices where id = $1 for update`, id).
		Scan(&h.ID, &h.BatchID, &h.DocumentKind, &h.Status, &h.Attempt, &h.Series, &h.Customer, &h.Terms, &h.InvoiceDate, &h.Total, &h.Currency, &h.Number,
			&h.ErrorStep, &h.ErrorReason, &h.SourceKinds)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	return h, err
}

// DocumentNumber reads a document's series, number (0 until numbered) and status without
// a lock: what answering "made before" needs, taking no lock out of order.
func (t *Tx) DocumentNumber(id int64) (series string, number int64, status string, err error) {
	err = t.tx.QueryRow(t.ctx, `select series, coalesce(number, 0), status from invoices where id = $1`, id).Scan(&series, &number, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		err = fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	return series, number, status, err
}

// PricingLine is an invoice line as pricing reads it, with its item's current tax profile.
type PricingLine struct {
	ID    int64
	Input rules.LineInput
}

// PricingInputs reads what re-pricing an invoice needs: its batch's policy, its currency's
// decimals and its lines with their items' current tax profiles (so a fixed tax setup
// takes effect on retry).
func (t *Tx) PricingInputs(invoiceID int64) (rules.PricingPolicy, int32, []PricingLine, error) {
	var policy rules.PricingPolicy
	var decimals int32
	if err := t.tx.QueryRow(t.ctx, `
		select coalesce((b.params->>'discount_9999_is_100')::boolean, false), i.vat_on_excise, cur.decimals
		from invoices v join batches b on b.id = v.batch_id join currencies cur on cur.code = v.currency join issuers i on i.code = v.issuer
		where v.id = $1`, invoiceID).Scan(&policy.Discount9999Is100, &policy.VATOnExcise, &decimals); err != nil {
		return policy, 0, nil, err
	}
	rows, err := t.tx.Query(t.ctx, `
		select l.id, l.item, l.quantity, l.unit_price, l.discount_pct,
		       i.vat_rate, i.excise_rate, i.vat_withholding_rate, i.isr_withholding_rate, i.vat_exempt, i.excise_quota
		from invoice_lines l join items i on i.code = l.item where l.invoice_id = $1 order by l.line_no`, invoiceID)
	if err != nil {
		return policy, 0, nil, err
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PricingLine, error) {
		var l PricingLine
		return l, r.Scan(&l.ID, &l.Input.Item, &l.Input.Quantity, &l.Input.UnitPrice, &l.Input.DiscountPct,
			&l.Input.Tax.VATRate, &l.Input.Tax.ExciseRate, &l.Input.Tax.VATWithholdingRate, &l.Input.Tax.ISRWithholdingRate,
			&l.Input.Tax.VATExempt, &l.Input.Tax.ExciseQuota)
	})
	return policy, decimals, lines, err
}

// SaveLineAmounts stores a priced line, with the factors it was priced by.
func (t *Tx) SaveLineAmounts(lineID int64, a rules.LineAmounts) error {
	vatFactor, exciseFactor := Factors(a)
	return t.exec(`
		update invoice_lines set discount_pct = $2, amount = $3, discount = $4, subtotal = $5, vat_rate = $6, vat = $7,
		    excise_rate = $8, excise = $9, vat_withholding_rate = $10, vat_withheld = $11,
		    isr_withholding_rate = $12, isr_withheld = $13, total = $14, vat_base = $15,
		    vat_factor = $16, excise_factor = $17, excise_quota = $18
		where id = $1`,
		lineID, a.DiscountPct, a.Amount, a.Discount, a.Subtotal, a.VATRate, a.VAT, a.ExciseRate, a.Excise,
		a.VATWithholdingRate, a.VATWithheld, a.ISRWithholdingRate, a.ISRWithheld, a.Total, a.VATBase,
		vatFactor, exciseFactor, a.ExciseQuota)
}

// Factors are the invoice_lines factor columns of a priced line: VAT 'Tasa' or 'Exento',
// excise 'Tasa' or 'Cuota' (SAT's TipoFactor names), as the line says.
func Factors(a rules.LineAmounts) (vat, excise string) {
	vat, excise = "Tasa", "Tasa"
	if a.VATExempt {
		vat = "Exento"
	}
	if a.ExciseQuota.IsPositive() {
		excise = "Cuota"
	}
	return vat, excise
}

// SaveTotals stores an invoice's totals.
func (t *Tx) SaveTotals(invoiceID int64, s rules.Totals) error {
	return t.exec(`
		update invoices set amount = $2, discount = $3, subtotal = $4, vat = $5, excise = $6,
		    vat_withheld = $7, isr_withheld = $8, total = $9 where id = $1`,
		invoiceID, s.Amount, s.Discount, s.Subtotal, s.VAT, s.Excise, s.VATWithheld, s.ISRWithheld, s.Total)
}

// MarkProcessing moves a priced invoice to processing and clears its last failure.
func (t *Tx) MarkProcessing(invoiceID int64) error {
	return t.exec(`update invoices set status = 'processing', error_step = '', error_reason = '' where id = $1`, invoiceID)
}
