package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// Credit notes correct a completed invoice: a row of invoices (document_kind credit_note,
// credit_of the invoice) whose lines point at the invoice lines they take back from.

// CreditedInvoice is an invoice as a credit note request reads it, under its row lock.
type CreditedInvoice struct {
	ID           int64
	Status       string
	DocumentKind string
	FiscalStatus string
	UUID         string // its folio fiscal, once stamped (a sale with no CFDI of its own: its global invoice's)
	InGlobal     string // the live global invoice declaring a sale with no CFDI of its own ("G-1"), "" none
	CreditOf     *int64 // set when it is a credit note itself
	Series       string
	Number       *int64
	CreditSeries string // the series of its credit notes ("" when its series has none)
	Issuer       string
	Customer     string
	Currency     string
	Rate         decimal.Decimal
	Terms        string
	Decimals     int32
	Policy       rules.PricingPolicy
	Lines        []CreditedLine
}

// CreditedLine is one of its lines with what earlier credit notes took back from it.
type CreditedLine struct {
	ID          int64
	Description string
	Partner     string
	Warehouse   *string
	Stocked     bool
	rules.InvoicedLine
}

// LockCredited reads an invoice and its lines for a credit note, under the invoice's row
// lock: two credit notes of one invoice serialise here and the second sees the first.
func (t *Tx) LockCredited(id int64) (CreditedInvoice, error) {
	var h CreditedInvoice
	err := t.tx.QueryRow(t.ctx, `
		select v.id, v.status, v.document_kind, v.fiscal_status, coalesce(d.uuid, gd.uuid, ''), coalesce(gd.number, ''), v.credit_of, v.series, v.number, coalesce(s.credit_note_series, ''),
		       v.issuer, v.customer, v.currency, v.rate, v.payment_terms, cur.decimals, i.vat_on_excise
		from invoices v join series s on s.code = v.series join currencies cur on cur.code = v.currency join issuers i on i.code = v.issuer
		left join fiscal_documents d on d.invoice_id = v.id
		left join lateral (select f.uuid, gv.series || '-' || gv.number as number
			from global_invoice_tickets gt join invoices gv on gv.id = gt.global_id left join fiscal_documents f on f.invoice_id = gt.global_id
			where gt.ticket_id = v.id and gt.released_at is null and gv.status <> 'cancelled') gd on true
		where v.id = $1 for update of v`, id).
		Scan(&h.ID, &h.Status, &h.DocumentKind, &h.FiscalStatus, &h.UUID, &h.InGlobal, &h.CreditOf, &h.Series, &h.Number, &h.CreditSeries,
			&h.Issuer, &h.Customer, &h.Currency, &h.Rate, &h.Terms, &h.Decimals, &h.Policy.VATOnExcise)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return h, err
	}
	rows, err := t.tx.Query(t.ctx, `
		select l.id, l.line_no, l.item, l.description, l.partner, l.warehouse, i.stocked,
		       l.quantity, l.unit_price, l.discount_pct, l.vat_rate, l.excise_rate, l.vat_withholding_rate, l.isr_withholding_rate,
		       l.vat_factor = 'Exento', l.excise_quota,
		       l.amount, l.discount, l.subtotal, coalesce(l.vat_base, l.subtotal), l.vat, l.excise, l.vat_withheld, l.isr_withheld, l.total,
		       coalesce(c.returned, 0), coalesce(c.rebated, 0), coalesce(c.amount, 0), coalesce(c.discount, 0), coalesce(c.subtotal, 0),
		       coalesce(c.vat_base, 0), coalesce(c.vat, 0), coalesce(c.excise, 0), coalesce(c.vat_withheld, 0), coalesce(c.isr_withheld, 0), coalesce(c.total, 0)
		from invoice_lines l join items i on i.code = l.item
		left join lateral (
			select sum(cl.quantity) filter (where n.credit_kind = 'return') returned, sum(cl.unit_price) filter (where n.credit_kind = 'rebate') rebated,
			       sum(cl.amount) amount, sum(cl.discount) discount, sum(cl.subtotal) subtotal, sum(coalesce(cl.vat_base, cl.subtotal)) vat_base,
			       sum(cl.vat) vat, sum(cl.excise) excise, sum(cl.vat_withheld) vat_withheld, sum(cl.isr_withheld) isr_withheld, sum(cl.total) total
			from invoice_lines cl join invoices n on n.id = cl.invoice_id
			where cl.source_kind = 'invoice_line' and cl.source_id = l.id and n.status = 'completed') c on true
		where l.invoice_id = $1 order by l.line_no`, id)
	if err != nil {
		return h, err
	}
	h.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CreditedLine, error) {
		var l CreditedLine
		var vat decimal.Decimal
		b, c := &l.Billed, &l.Credited
		err := r.Scan(&l.ID, &l.LineNo, &l.Item, &l.Description, &l.Partner, &l.Warehouse, &l.Stocked,
			&l.Quantity, &l.UnitPrice, &l.DiscountPct, &vat, &l.Tax.ExciseRate, &l.Tax.VATWithholdingRate, &l.Tax.ISRWithholdingRate,
			&l.Tax.VATExempt, &l.Tax.ExciseQuota,
			&b.Amount, &b.Discount, &b.Subtotal, &b.VATBase, &b.VAT, &b.Excise, &b.VATWithheld, &b.ISRWithheld, &b.Total,
			&l.Returned, &l.Rebated, &c.Amount, &c.Discount, &c.Subtotal, &c.VATBase, &c.VAT, &c.Excise, &c.VATWithheld, &c.ISRWithheld, &c.Total)
		l.Tax.VATRate = &vat
		if l.Tax.VATExempt {
			l.Tax.VATRate = nil // exempt is not a rate
		}
		b.DiscountPct, b.VATRate, b.ExciseRate, b.VATWithholdingRate, b.ISRWithholdingRate = l.DiscountPct, vat, l.Tax.ExciseRate, l.Tax.VATWithholdingRate, l.Tax.ISRWithholdingRate
		b.VATExempt, b.ExciseQuota = l.Tax.VATExempt, l.Tax.ExciseQuota
		return l, err
	})
	return h, err
}

// CreditNoteOf finds the credit note an invoice's request number seq made, if any.
func (t *Tx) CreditNoteOf(invoiceID int64, seq int) (id int64, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select id from invoices where credit_of = $1 and credit_seq = $2`, invoiceID, seq).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// NewCreditNote is a priced credit note to record.
type NewCreditNote struct {
	Kind   string
	Seq    int
	Date   time.Time
	Totals rules.Totals
	Lines  []NewCreditLine
}

// NewCreditLine is one priced line of a credit note.
type NewCreditLine struct {
	Of        CreditedLine
	Quantity  decimal.Decimal
	UnitPrice decimal.Decimal
	Amounts   rules.LineAmounts
}

// InsertCreditNote records the credit note of invoice h, processing until numbered, and
// answers its id and its lines' ids.
func (t *Tx) InsertCreditNote(h CreditedInvoice, n NewCreditNote) (int64, []int64, error) {
	var id int64
	tt := n.Totals
	err := t.tx.QueryRow(t.ctx, `
		insert into invoices (batch_id, group_no, issuer, series, document_kind, customer, currency, rate, payment_terms, invoice_date, status,
		                      credit_of, credit_kind, credit_seq, amount, discount, subtotal, vat, excise, vat_withheld, isr_withheld, total)
		values (null, $1, $2, $3, 'credit_note', $4, $5, $6, $7, $8, 'processing', $9, $10, $1, $11, $12, $13, $14, $15, $16, $17, $18)
		returning id`,
		n.Seq, h.Issuer, h.CreditSeries, h.Customer, h.Currency, h.Rate, h.Terms, n.Date, h.ID, n.Kind,
		tt.Amount, tt.Discount, tt.Subtotal, tt.VAT, tt.Excise, tt.VATWithheld, tt.ISRWithheld, tt.Total).Scan(&id)
	if err != nil {
		return 0, nil, err
	}
	ids := make([]int64, len(n.Lines))
	for i, l := range n.Lines {
		a := l.Amounts
		// What the line has had taken back, kept on it: never past what it billed.
		returned := decimal.Zero
		if n.Kind == rules.CreditReturn {
			returned = l.Quantity
		}
		if err := t.exec(`update invoice_lines set credited_quantity = credited_quantity + $2, credited_total = credited_total + $3 where id = $1`,
			l.Of.ID, returned, a.Total); err != nil {
			return 0, nil, err
		}
		ref := fmt.Sprintf("%s of %s-%d line %d", n.Kind, h.Series, *h.Number, l.Of.LineNo) // completed: numbered
		vatFactor, exciseFactor := Factors(a)
		if err := t.tx.QueryRow(t.ctx, `
			insert into invoice_lines (invoice_id, line_no, source_kind, source_id, source_ref, partner, item, description, warehouse,
			       quantity, unit_price, discount_pct, amount, discount, subtotal, vat_rate, vat_base, vat, excise_rate, excise,
			       vat_withholding_rate, vat_withheld, isr_withholding_rate, isr_withheld, total, vat_factor, excise_factor, excise_quota)
			values ($1, $2, 'invoice_line', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
			        $25, $26, $27)
			returning id`,
			id, i+1, l.Of.ID, ref, l.Of.Partner, l.Of.Item, l.Of.Description, l.Of.Warehouse,
			l.Quantity, l.UnitPrice, a.DiscountPct, a.Amount, a.Discount, a.Subtotal, a.VATRate, a.VATBase, a.VAT, a.ExciseRate, a.Excise,
			a.VATWithholdingRate, a.VATWithheld, a.ISRWithholdingRate, a.ISRWithheld, a.Total, vatFactor, exciseFactor, a.ExciseQuota).Scan(&ids[i]); err != nil {
			return 0, nil, err
		}
	}
	return id, ids, nil
}

// LockLiveReceivable reads the live (open or paid) receivable of an invoice under its row
// lock (id nil: none).
func (t *Tx) LockLiveReceivable(invoiceID int64) (id *int64, balance decimal.Decimal, err error) {
	err = t.tx.QueryRow(t.ctx, `select id, balance from receivables where invoice_id = $1 and status in ('open', 'paid') for update`, invoiceID).
		Scan(&id, &balance)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, decimal.Zero, nil
	}
	return id, balance, err
}

// RecordCreditApplication takes applied off the receivable (if any) and records what the
// credit note applied and what is owed back to the customer, once.
func (t *Tx) RecordCreditApplication(creditNoteID int64, receivableID *int64, applied, refund decimal.Decimal) error {
	if receivableID != nil && applied.IsPositive() {
		if err := t.exec(`update receivables set balance = balance - $2, status = case when balance - $2 = 0 then 'paid' else status end where id = $1`,
			*receivableID, applied); err != nil {
			return err
		}
	}
	return t.exec(`insert into credit_applications (credit_note_id, receivable_id, applied, refund_due) values ($1, $2, $3, $4)`,
		creditNoteID, receivableID, applied, refund)
}

// SaleWarehouse is where an invoice line's goods left from, when a sale moved them (and
// no undo brought them back), or — when a delivery note moved them before the invoice —
// its order's warehouse: a return brings them back there (seed 004: a return adds the
// warehouse entry even when a delivery note, not the invoice, moved the goods). Goods that
// never left (a series that does not discharge, nothing delivered) are not found.
func (t *Tx) SaleWarehouse(invoiceLineID int64) (warehouse string, found bool, err error) {
	var wh *string
	err = t.tx.QueryRow(t.ctx, `select coalesce(
		(select m.warehouse from stock_movements m
		 where m.invoice_line_id = $1 and m.direction = 'out' and m.reason = 'sale'
		   and not exists (select 1 from stock_movements u where u.invoice_line_id = m.invoice_line_id and u.attempt = m.attempt and u.direction = 'in')
		 order by m.attempt desc limit 1),
		(select o.warehouse from invoice_lines l join sales_order_lines ol on ol.id = l.source_id join sales_orders o on o.id = ol.order_id
		 where l.id = $1 and l.source_kind = 'order_line' and ol.qty_delivered > 0))`, invoiceLineID).Scan(&wh)
	if err != nil || wh == nil {
		return "", false, err
	}
	return *wh, true, nil
}

// CreditNoteID is the credit note an invoice's request number seq made (0: none yet).
func (s *Store) CreditNoteID(ctx context.Context, invoiceID int64, seq int) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `select id from invoices where credit_of = $1 and credit_seq = $2`, invoiceID, seq).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// ErrKeyTaken: a request key given before to another request.
var ErrKeyTaken = errors.New("was given to another request")

// RegisterCreditRequest gives a credit note request its number among the invoice's credit
// notes (its credit_seq), under the invoice's row lock: the next one, or — for a key given
// before with the same content — the one it got then (again). A key given before with
// other content is refused with ErrKeyTaken.
func (s *Store) RegisterCreditRequest(ctx context.Context, invoiceID int64, key, request string) (seq int, again bool, err error) {
	err = s.InTx(ctx, func(t *Tx) error {
		var found int64
		err := t.tx.QueryRow(ctx, `select id from invoices where id = $1 for update`, invoiceID).Scan(&found)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("invoice %d: %w", invoiceID, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		var of int64
		var first string
		err = t.tx.QueryRow(ctx, `select invoice_id, seq, request from credit_requests where request_key = $1`, key).Scan(&of, &seq, &first)
		switch {
		case err == nil && of == invoiceID && first == request:
			again = true
			return nil
		case err == nil:
			return fmt.Errorf("%q %w (invoice %d: %s)", key, ErrKeyTaken, of, first)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if err := t.tx.QueryRow(ctx, `select coalesce(max(seq), 0) + 1 from credit_requests where invoice_id = $1`, invoiceID).Scan(&seq); err != nil {
			return err
		}
		return t.exec(`insert into credit_requests (invoice_id, seq, request_key, request) values ($1, $2, $3, $4)`, invoiceID, seq, key, request)
	})
	return seq, again, err
}
