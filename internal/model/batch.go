package model

import (
	"time"

	"github.com/shopspring/decimal"
)

// BatchParams are a batch's parameters as the operator gave them (SPEC §2).
type BatchParams struct {
	SourceKind string `json:"source_kind"` // orders, installments, plans
	OrdersFrom int64  `json:"orders_from,omitempty"`
	OrdersTo   int64  `json:"orders_to,omitempty"`
	// Installments: due up to DueUntil, optionally one partner, recurring or not.
	DueUntil  string `json:"due_until,omitempty"`
	Partner   string `json:"partner,omitempty"`
	Recurring *bool  `json:"recurring,omitempty"`
	// Plans: planned events dated in PeriodFrom..PeriodTo.
	PeriodFrom string   `json:"period_from,omitempty"`
	PeriodTo   string   `json:"period_to,omitempty"`
	Customers  []string `json:"customers,omitempty"`
	// IncludeAssociated adds to Customers the customers associated with them (seed 003).
	IncludeAssociated  bool            `json:"include_associated,omitempty"`
	Series             string          `json:"series"`
	InvoiceDate        string          `json:"invoice_date"` // YYYY-MM-DD
	Rate               decimal.Decimal `json:"rate"`         // --rate for the one foreign currency billed; 0: from exchange_rates
	Grouping           string          `json:"grouping"`
	Draft              bool            `json:"draft,omitempty"`
	AllowZeroPrice     bool            `json:"allow_zero_price,omitempty"`
	Discount9999Is100  bool            `json:"discount_9999_is_100,omitempty"`
	AllowNegativeStock bool            `json:"allow_negative_stock,omitempty"`
	// SettleCredits nets the customers' open return credit notes against the batch's
	// invoices (seed 001).
	SettleCredits bool `json:"settle_credits,omitempty"`
	// Template is the billing template the batch was made from, if any.
	Template string `json:"template,omitempty"`
	// NumberingSeries numbers every document of the batch in this series, instead of the
	// document kind rule's (seed 001): the selection (Series) stays a filter.
	NumberingSeries string `json:"numbering_series,omitempty"`
	Filters
}

// Filters narrow a batch's selection (seed 002's order filters; the seeds' contract and
// date filters for installments). Each applies to the source kinds its comment names and
// is refused for the others; dates are YYYY-MM-DD, "" for no bound.
type Filters struct {
	Zones        []string `json:"zones,omitempty"`      // orders: the customer's zone
	Sellers      []string `json:"sellers,omitempty"`    // orders
	Terms        []string `json:"terms,omitempty"`      // orders: the order's payment terms
	Warehouses   []string `json:"warehouses,omitempty"` // orders
	OrderFrom    string   `json:"order_from,omitempty"` // orders: order date
	OrderTo      string   `json:"order_to,omitempty"`
	DeliveryFrom string   `json:"delivery_from,omitempty"` // orders: delivery date
	DeliveryTo   string   `json:"delivery_to,omitempty"`
	Contracts    []string `json:"contracts,omitempty"` // installments: contract numbers
	DueFrom      string   `json:"due_from,omitempty"`  // installments: due on or after
}

// Batch is a batch's row.
type Batch struct {
	ID          string
	Params      BatchParams
	Status      string
	InvoiceDate time.Time
	Rates       BatchRates
	Grouping    string
	Draft       bool
	PlanCursor  int64  // planning's progress through the sources
	Error       string // why planning failed, while the batch is failed
}

// BatchRates are the exchange rates a batch bills foreign currencies at, fixed when it is
// created, and where they came from (--rate, or exchange_rates of a date).
type BatchRates struct {
	Rates  map[string]decimal.Decimal `json:"rates"`
	Source string                     `json:"source"`
}

// ScheduledBatch is what a scheduled run asks for: a source kind over a period.
type ScheduledBatch struct {
	Schedule    string `json:"schedule"`
	Source      string `json:"source"` // plans or installments
	PeriodFrom  string `json:"period_from"`
	PeriodTo    string `json:"period_to"`
	InvoiceDate string `json:"invoice_date"`
	Grouping    string `json:"grouping"`
	Series      string `json:"series,omitempty"`
	Template    string `json:"template,omitempty"` // a billing template bounding the run
}

// InvoiceRef is what the batch workflow needs to start one invoice's child workflow.
type InvoiceRef struct {
	ID       int64  `json:"id"`
	GroupNo  int    `json:"group_no"`
	Customer string `json:"customer"`
}

// Summary is a batch's live summary (seed 000): lines, invoices by status, amounts per currency.
type Summary struct {
	BatchID       string            `json:"batch_id"`
	Status        string            `json:"status"`
	Selection     string            `json:"selection"` // what the batch bills: its source, range and filters
	LinesSelected int               `json:"lines_selected"`
	LinesInvoiced int               `json:"lines_invoiced"`
	LinesSkipped  int               `json:"lines_skipped"`
	Invoices      int               `json:"invoices"`
	Completed     int               `json:"completed"`
	Failed        int               `json:"failed"`
	Pending       int               `json:"pending"`
	Unsealed      int               `json:"unsealed"`  // completed, but sealing, stamping or printing failed
	Cancelled     int               `json:"cancelled"` // completed, then cancelled (they keep their numbers)
	Amounts       map[string]string `json:"amounts"`   // completed totals per currency
	// Stamped counts completed invoices stamped by the PAC (UUID), Printed those whose PDF
	// is made; Deliveries counts completed invoices by the state of their first e-mail
	// (pending, sent, skipped, failed, uncertain).
	Stamped    int            `json:"stamped"`
	Printed    int            `json:"printed"`
	Deliveries map[string]int `json:"deliveries"`
	// RateSource says where the batch's exchange rates came from.
	RateSource string `json:"rate_source,omitempty"`
	// Error says why planning stopped (bad data): fix it, then resume the batch.
	Error string `json:"error,omitempty"`
	// Waiting lists steps Temporal keeps retrying, with their last error (the CLI fills it).
	Waiting []string `json:"waiting"`
	// Warnings are what an operator should look at though nothing failed (invoices not
	// e-mailed), each with what to do (the CLI fills it).
	Warnings []string `json:"warnings"`
}

// PlanResult is the plan step's small answer; the drafts stay in the database.
type PlanResult struct {
	Invoices      int  `json:"invoices"`
	LinesSelected int  `json:"lines_selected"`
	LinesSkipped  int  `json:"lines_skipped"`
	Draft         bool `json:"draft"` // the batch waits for approval before completing
}
