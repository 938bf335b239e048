package store

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// Planning's writes (issue 28: fewer round trips per invoice): a chunk's selected lines,
// claims and drafts are written with a few statements per chunk, not a few per line. The
// rows travel as one JSON array each (jsonb_to_recordset): decimals as their exact strings.

// RecordSelected claims the billed lines' sources for the batch and records them as
// selected, each with its group key (groupKeys[i] of billed[i]), and the skipped lines in
// the not-invoiced report: one statement for the batch lines, one per kind of source
// claimed.
func (t *Tx) RecordSelected(batchID string, billed []rules.SourceLine, groupKeys []string, skipped []rules.SkippedLine) error {
	type row struct {
		Kind     string          `json:"source_kind"`
		ID       int64           `json:"source_id"`
		Ref      string          `json:"source_ref"`
		Customer string          `json:"customer"`
		Item     string          `json:"item"`
		Quantity decimal.Decimal `json:"quantity"`
		Outcome  string          `json:"outcome"`
		Reason   *string         `json:"skip_reason"`
		Line     json.RawMessage `json:"line,omitempty"`
		GroupKey string          `json:"group_key"`
	}
	rows := make([]row, 0, len(skipped)+len(billed))
	for _, s := range skipped {
		reason := s.Reason
		rows = append(rows, row{Kind: s.SourceKind, ID: s.SourceID, Ref: s.Ref, Customer: s.Customer, Item: s.Item, Quantity: s.Quantity,
			Outcome: "skipped", Reason: &reason})
	}
	for i, l := range billed {
		raw, err := json.Marshal(l)
		if err != nil {
			return err
		}
		rows = append(rows, row{Kind: l.SourceKind, ID: l.SourceID, Ref: l.Ref, Customer: l.Customer, Item: l.Item, Quantity: l.Quantity,
			Outcome: "selected", Line: raw, GroupKey: groupKeys[i]})
	}
	if len(rows) > 0 {
		raw, err := json.Marshal(rows)
		if err != nil {
			return err
		}
		// In order (ordinality): the batch lines' ids follow the lines as one insert each did.
		if err := t.exec(`insert into batch_lines (batch_id, source_kind, source_id, source_ref, customer, item, quantity, outcome, skip_reason, line, group_key)
			select $1, x.source_kind, x.source_id, x.source_ref, x.customer, x.item, x.quantity, x.outcome, coalesce(x.skip_reason, ''), nullif(x.line, 'null'::jsonb), x.group_key
			from jsonb_array_elements($2::jsonb) with ordinality as e(j, n),
			     jsonb_to_record(e.j) as x(source_kind text, source_id bigint, source_ref text, customer text, item text, quantity numeric,
			                              outcome text, skip_reason text, line jsonb, group_key text)
			order by e.n
			on conflict do nothing`, batchID, raw); err != nil {
			return err
		}
	}
	return t.claimAll(billed)
}

// claimAll claims the lines' sources for the batch (as Claim does each), once each: one
// statement per kind of source.
func (t *Tx) claimAll(lines []rules.SourceLine) error {
	var orderLines, installments, events []int64
	var shareEvents []int64
	var shareCustomers []string
	claimed := map[string]bool{}
	for _, l := range lines {
		k := fmt.Sprint(l.SourceKind, l.SourceID) // a plan event gives several lines: claim its source once
		if claimed[k] {
			continue
		}
		claimed[k] = true
		switch l.SourceKind {
		case "order_line":
			orderLines = append(orderLines, l.SourceID)
		case "installment":
			installments = append(installments, l.SourceID)
		case "plan_event":
			events = append(events, l.SourceID)
			shareEvents, shareCustomers = append(shareEvents, l.SourceID), append(shareCustomers, l.Customer)
		}
	}
	if len(orderLines) > 0 {
		if err := t.exec(`update sales_order_lines set qty_in_billing = qty_in_billing + qty_to_invoice, qty_to_invoice = 0 where id = any($1)`, orderLines); err != nil {
			return err
		}
	}
	if len(installments) > 0 {
		if err := t.exec(`update installments set state = 'in_billing' where id = any($1) and state = 'complete'`, installments); err != nil {
			return err
		}
	}
	if len(events) == 0 {
		return nil
	}
	// A planned event is claimed whole; an executed one only for the share released.
	return t.exec(`with e as (update billing_events set state = 'in_billing' where id = any($1) and state = 'planned')
		update billing_event_shares s set state = 'in_billing' from unnest($2::bigint[], $3::text[]) as u(event_id, customer)
		where s.event_id = u.event_id and s.customer = u.customer and s.state = 'released'`, events, shareEvents, shareCustomers)
}

// draftHead is a planned invoice's row as WriteInvoices sends it.
type draftHead struct {
	GroupNo  int             `json:"group_no"`
	Issuer   string          `json:"issuer"`
	Series   string          `json:"series"`
	Kind     string          `json:"document_kind"`
	Customer string          `json:"customer"`
	Currency string          `json:"currency"`
	Rate     decimal.Decimal `json:"rate"`
	Terms    string          `json:"payment_terms"`
	rules.Totals
}

// draftLine is a planned line as WriteInvoices sends it: a line not priced has the
// columns' defaults (zeros, 'Tasa', no VAT base) and its resolved discount.
type draftLine struct {
	GroupNo     int             `json:"group_no"`
	LineNo      int             `json:"line_no"`
	Kind        string          `json:"source_kind"`
	ID          int64           `json:"source_id"`
	Ref         string          `json:"source_ref"`
	Partner     string          `json:"partner"`
	Item        string          `json:"item"`
	Description string          `json:"description"`
	Warehouse   string          `json:"warehouse"`
	Delivered   bool            `json:"delivered"`
	Quantity    decimal.Decimal `json:"quantity"`
	UnitPrice   decimal.Decimal `json:"unit_price"`
	Refs        json.RawMessage `json:"refs"`
	rules.LineAmounts
	VATBase      *decimal.Decimal `json:"vat_base_or_null"`
	VATFactor    string           `json:"vat_factor"`
	ExciseFactor string           `json:"excise_factor"`
}

// WriteInvoices writes planned invoices as drafts with their lines, and marks their batch
// lines invoiced, in one statement. An invoice in a foreign currency takes the batch's
// rate for it; one the batch has no rate for (its source changed currency since the batch
// was made) stops planning with the reason. An invoice with a problem keeps no totals.
func (t *Tx) WriteInvoices(b model.Batch, invoices []rules.PlannedInvoice) error {
	local, err := t.localCurrencies()
	if err != nil {
		return err
	}
	heads, lines := make([]draftHead, 0, len(invoices)), []draftLine{}
	for _, inv := range invoices {
		h := inv.Head
		rate := decimal.NewFromInt(1)
		if h.Currency != local[h.Issuer] {
			r, ok := b.Rates.Rates[h.Currency]
			if !ok {
				return &model.BusinessError{Step: "planning", Reason: fmt.Sprintf(
					"batch %s has no exchange rate for %s (%s): it was made for %s; make a new batch for these sources",
					b.ID, h.Currency, strings.Join(inv.Sources, ", "), b.Rates.Source)}
			}
			rate = r
		}
		d := draftHead{GroupNo: inv.GroupNo, Issuer: h.Issuer, Series: h.Series, Kind: h.DocumentKind, Customer: h.Payer,
			Currency: h.Currency, Rate: rate, Terms: h.PaymentTerms}
		if inv.Problem == "" {
			d.Totals = inv.Totals
		}
		heads = append(heads, d)
		for li, l := range inv.Lines {
			x := draftLine{GroupNo: inv.GroupNo, LineNo: li + 1, Kind: l.SourceKind, ID: l.SourceID, Ref: l.Ref, Partner: l.Partner,
				Item: l.Item, Description: l.Description, Warehouse: l.Warehouse, Delivered: l.Delivered, Quantity: l.Quantity,
				UnitPrice: l.UnitPrice, Refs: refsJSON(l.Refs)}
			x.LineAmounts.DiscountPct = l.DiscountPct
			if l.Priced {
				x.LineAmounts, x.VATBase = l.Amounts, &l.Amounts.VATBase
			}
			x.VATFactor, x.ExciseFactor = Factors(x.LineAmounts)
			lines = append(lines, x)
		}
	}
	if len(heads) == 0 {
		return nil
	}
	hs, err := json.Marshal(heads)
	if err != nil {
		return err
	}
	ls, err := json.Marshal(lines)
	if err != nil {
		return err
	}
	return t.exec(writeDraftsSQL, b.ID, b.InvoiceDate, hs, ls)
}

// writeDraftsSQL inserts the drafts ($3, in order: their ids follow the plan), their lines
// ($4) and marks the batch lines they bill invoiced.
const writeDraftsSQL = `with h as (
		select e.n, x.* from jsonb_array_elements($3::jsonb) with ordinality as e(j, n),
		jsonb_to_record(e.j) as x(group_no int, issuer text, series text, document_kind text, customer text, currency text, rate numeric,
		                          payment_terms text, "Amount" numeric, "Discount" numeric, "Subtotal" numeric, "VAT" numeric,
		                          "Excise" numeric, "VATWithheld" numeric, "ISRWithheld" numeric, "Total" numeric)),
	v as (
		insert into invoices (batch_id, group_no, issuer, series, document_kind, customer, currency, rate, payment_terms, invoice_date, status,
		                      credit_kind, amount, discount, subtotal, vat, excise, vat_withheld, isr_withheld, total)
		select $1, h.group_no, h.issuer, h.series, h.document_kind, h.customer, h.currency, h.rate, h.payment_terms, $2, 'draft',
		       case when h.document_kind = 'credit_note' then 'return' end, h."Amount", h."Discount", h."Subtotal", h."VAT", h."Excise",
		       h."VATWithheld", h."ISRWithheld", h."Total"
		from h order by h.n
		returning id, group_no),
	x as (
		select e.n, x.* from jsonb_array_elements($4::jsonb) with ordinality as e(j, n),
		jsonb_to_record(e.j) as x(group_no int, line_no int, source_kind text, source_id bigint, source_ref text, partner text, item text,
		                          description text, warehouse text, delivered boolean, quantity numeric, unit_price numeric, refs jsonb,
		                          "DiscountPct" numeric, "Amount" numeric, "Discount" numeric, "Subtotal" numeric, "VATRate" numeric,
		                          "VAT" numeric, "ExciseRate" numeric, "Excise" numeric, "VATWithholdingRate" numeric, "VATWithheld" numeric,
		                          "ISRWithholdingRate" numeric, "ISRWithheld" numeric, "Total" numeric, "ExciseQuota" numeric,
		                          vat_base_or_null numeric, vat_factor text, excise_factor text)),
	l as (
		insert into invoice_lines (invoice_id, line_no, source_kind, source_id, source_ref, partner, item, description, warehouse, delivered,
		                           quantity, unit_price, refs, discount_pct, amount, discount, subtotal, vat_rate, vat, excise_rate, excise,
		                           vat_withholding_rate, vat_withheld, isr_withholding_rate, isr_withheld, total, excise_quota, vat_base,
		                           vat_factor, excise_factor)
		select v.id, x.line_no, x.source_kind, x.source_id, x.source_ref, x.partner, x.item, x.description, nullif(x.warehouse, ''), x.delivered,
		       x.quantity, x.unit_price, x.refs, x."DiscountPct", x."Amount", x."Discount", x."Subtotal", x."VATRate", x."VAT", x."ExciseRate",
		       x."Excise", x."VATWithholdingRate", x."VATWithheld", x."ISRWithholdingRate", x."ISRWithheld", x."Total", x."ExciseQuota",
		       x.vat_base_or_null, x.vat_factor, x.excise_factor
		from x join v on v.group_no = x.group_no order by x.n
		returning invoice_id, source_kind, source_id, source_ref)
	update batch_lines b set outcome = 'invoiced', invoice_id = l.invoice_id, line = null
	from l where b.batch_id = $1 and b.source_kind = l.source_kind and b.source_id = l.source_id and b.source_ref = l.source_ref`
