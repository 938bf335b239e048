package rules

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// PlanEvent is a billing plan's event as selected for a batch (seed 003): the plan's terms,
// the entities it bills by quota, and its items.
type PlanEvent struct {
	ID                                  int64
	Plan, Customer, Currency            string // the plan's code, its customer, its currency
	Executed                            bool   // billed before: only the released shares bill again
	Terms, Series, Issuer, DocumentKind string
	Date                                time.Time
	Decimals                            int32
	MaxLines                            int
	Entities                            []PlanEntity
	Released                            map[string]bool // customers whose share was released
	Items                               []PlanItem
}

// PlanEntity is one billing entity of a plan with its quota and payer terms.
type PlanEntity struct {
	Customer               string
	Quota, DefaultDiscount decimal.Decimal
	Method, TaxIDKind      string
	Grouped, Generic       bool
}

// PlanItem is one item of a plan.
type PlanItem struct {
	LineNo                       int
	Item, Description            string
	Quantity, Price, DiscountPct decimal.Decimal
	Tax                          TaxProfile
}

// PlanEventLines splits each item of the event among the plan's billing entities by quota,
// so the parts sum exactly to the item's amount: one source line per entity and item with
// a share (an executed event's only for the shares released).
func PlanEventLines(e PlanEvent) ([]SourceLine, error) {
	quotas := make([]decimal.Decimal, len(e.Entities))
	for i, x := range e.Entities {
		quotas[i] = x.Quota
	}
	date := e.Date.Format(time.DateOnly)
	var out []SourceLine
	for _, it := range e.Items {
		parts, err := SplitPlanItem(it.Quantity, it.Price, it.DiscountPct, quotas, e.Decimals)
		if err != nil {
			return nil, fmt.Errorf("billing plan %s: %w", e.Plan, err)
		}
		for i, x := range e.Entities {
			if parts[i].IsZero() || e.Executed && !e.Released[x.Customer] {
				continue
			}
			out = append(out, planShareLine(e, it, x, parts[i], date))
		}
	}
	return out, nil
}

// planShareLine is the source line of one entity's share of one item.
func planShareLine(e PlanEvent, it PlanItem, x PlanEntity, share decimal.Decimal, date string) SourceLine {
	zero := decimal.Zero
	s := SourceLine{
		Ref:          fmt.Sprintf("plan %s event %s item %d entity %s", e.Plan, date, it.LineNo, x.Customer),
		Customer:     x.Customer,
		Item:         it.Item,
		Description:  fmt.Sprintf("%s (%s %% of plan %s, %s)", it.Description, x.Quota.String(), e.Plan, date),
		Quantity:     decimal.NewFromInt(1),
		UnitPrice:    share,
		LineDiscount: &zero, // the plan's discount is inside the split amount
		MaxLines:     e.MaxLines, Decimals: e.Decimals, Tax: it.Tax, Generic: x.Generic,
		DefaultDiscount: x.DefaultDiscount, TaxIDKind: x.TaxIDKind,
		Refs: map[string]any{"plan": e.Plan, "event_date": date, "entity": x.Customer,
			"quota": x.Quota.String(), "item_line": it.LineNo},
	}
	s.Billable = Billable{SourceKind: "plan_event", SourceID: e.ID, SourceDoc: fmt.Sprintf("plan %s %s", e.Plan, date),
		LineNo: it.LineNo, Issuer: e.Issuer, Series: e.Series, DocumentKind: e.DocumentKind, Payer: x.Customer, Partner: e.Customer,
		Currency: e.Currency, PaymentTerms: e.Terms, PayerMethod: x.Method, PayerGrouped: x.Grouped}
	return s
}
