package model

import (
	"encoding/json"

	"github.com/shopspring/decimal"
)

// Money in JSON is a string with the currency's decimals ("1160.00", "250"), never a
// float and never with its trailing zeros cut: the views below that carry their currency's
// decimals (Decimals, not printed) write their amounts so.

func money(d decimal.Decimal, places int32) string { return d.StringFixed(places) }

// MarshalJSON writes the invoice's amounts and its lines' with the currency's decimals (its
// receivable writes its own).
func (v InvoiceView) MarshalJSON() ([]byte, error) {
	type plain InvoiceView
	m := func(d decimal.Decimal) string { return money(d, v.Decimals) }
	lines := make([]any, len(v.Lines))
	for i, l := range v.Lines {
		type plainLine InvoiceLineView
		lines[i] = struct {
			plainLine
			Discount string `json:"discount"`
			Subtotal string `json:"subtotal"`
			VAT      string `json:"vat"`
			Total    string `json:"total"`
		}{plainLine(l), m(l.Discount), m(l.Subtotal), m(l.VAT), m(l.Total)}
	}
	return json.Marshal(struct {
		plain
		InvoiceID   int64  `json:"invoice_id"` // every command's JSON names an invoice so
		Amount      string `json:"amount"`
		Discount    string `json:"discount"`
		Subtotal    string `json:"subtotal"`
		VAT         string `json:"vat"`
		Excise      string `json:"excise"`
		VATWithheld string `json:"vat_withheld"`
		ISRWithheld string `json:"isr_withheld"`
		Total       string `json:"total"`
		Lines       []any  `json:"lines"`
	}{plain(v), v.ID, m(v.Amount), m(v.Discount), m(v.Subtotal), m(v.VAT), m(v.Excise), m(v.VATWithheld), m(v.ISRWithheld), m(v.Total), lines})
}

// MarshalJSON writes the draft's amounts with the currency's decimals.
func (d DraftInvoice) MarshalJSON() ([]byte, error) {
	type plain DraftInvoice
	return json.Marshal(struct {
		plain
		Subtotal string `json:"subtotal"`
		VAT      string `json:"vat"`
		Total    string `json:"total"`
	}{plain(d), money(d.Subtotal, d.Decimals), money(d.VAT, d.Decimals), money(d.Total, d.Decimals)})
}

// MarshalJSON writes the settled amount with the currency's decimals.
func (s Settlement) MarshalJSON() ([]byte, error) {
	type plain Settlement
	return json.Marshal(struct {
		plain
		Amount string `json:"amount"`
	}{plain(s), money(s.Amount, s.Decimals)})
}

// MarshalJSON writes the receivable's amounts with the currency's decimals.
func (r ReceivableView) MarshalJSON() ([]byte, error) {
	type plain ReceivableView
	pays := make([]any, len(r.Payments))
	for i, p := range r.Payments {
		pays[i] = map[string]string{"amount": money(p.Amount, r.Decimals), "paid_on": p.PaidOn}
	}
	return json.Marshal(struct {
		plain
		Amount   string `json:"amount"`
		Balance  string `json:"balance"`
		Payments []any  `json:"payments"`
	}{plain(r), money(r.Amount, r.Decimals), money(r.Balance, r.Decimals), pays})
}
