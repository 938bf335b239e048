package model

import "github.com/shopspring/decimal"

// DraftInvoice is a planned invoice, priced as far as its data allows.
type DraftInvoice struct {
	InvoiceID int64           `json:"invoice_id,omitempty"` // a recorded draft's id
	GroupNo   int             `json:"group_no"`
	Customer  string          `json:"customer"`
	Series    string          `json:"series"`
	Currency  string          `json:"currency"`
	Lines     int             `json:"lines"`
	Sources   []string        `json:"sources"`
	Subtotal  decimal.Decimal `json:"subtotal"`
	VAT       decimal.Decimal `json:"vat"`
	Total     decimal.Decimal `json:"total"`
	Problem   string          `json:"problem,omitempty"` // why it could not be priced, or would fail if run now
	Decimals  int32           `json:"-"`                 // the currency's: amounts are written with them
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
	Skipped       []SkippedLine  `json:"skipped_lines"`
}

// PlanEvent is one event of a billing plan.
type PlanEvent struct {
	ID    int64  `json:"id"`
	Plan  string `json:"plan"`
	Date  string `json:"date"`
	State string `json:"state"`
	// OwnItems: its items were edited (plan event item); it bills them, not its plan's.
	OwnItems bool `json:"own_items,omitempty"`
	// Documents are the invoices that bill it (seed 003): "A-12 completed", a draft's
	// "A-(draft 412) draft".
	Documents []string `json:"documents"`
}

// PlanEventFilter chooses the events plan events lists: one plan's, or those of the plans
// of a contract, dated From..To ("" for no bound).
type PlanEventFilter struct {
	Plan, Contract, From, To string
}
