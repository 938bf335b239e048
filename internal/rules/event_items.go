package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// EventItemEdit is a change to one line of a planned billing event's items (seed 003: in
// a plan of items, each event's description, unit price, discount and quantity may be
// changed, and lines removed, while it is not executed). Nil fields keep their value.
type EventItemEdit struct {
	Line        int
	Description *string
	Quantity    *decimal.Decimal
	Price       *decimal.Decimal
	DiscountPct *decimal.Decimal
	Remove      bool
}

// EditEventItems applies an edit to an event's items (its own, or its plan's when it has
// none of its own yet) and answers the items it bills from then on; state is the event's.
// Only an event not executed, and not being billed, changes; it keeps one line at least.
func EditEventItems(event int64, state string, items []PlanItem, e EventItemEdit) ([]PlanItem, error) {
	if state == "executed" || state == "in_billing" {
		return nil, fmt.Errorf("billing event %d is %s: its items cannot change (seed 003: only events not executed change)", event, state)
	}
	i := slices.IndexFunc(items, func(x PlanItem) bool { return x.LineNo == e.Line })
	if i < 0 {
		var lines []string
		for _, x := range items {
			lines = append(lines, fmt.Sprint(x.LineNo))
		}
		return nil, fmt.Errorf("LINE: billing event %d has no line %d (its lines: %s)", event, e.Line, strings.Join(lines, ", "))
	}
	var probs []string
	if e.Remove && (e.Description != nil || e.Quantity != nil || e.Price != nil || e.DiscountPct != nil) {
		probs = append(probs, "--remove: a line removed takes no other change")
	}
	if !e.Remove && e.Description == nil && e.Quantity == nil && e.Price == nil && e.DiscountPct == nil {
		probs = append(probs, "give --description, --qty, --price, --discount or --remove")
	}
	if e.Remove && len(items) == 1 {
		probs = append(probs, fmt.Sprintf("--remove: line %d is billing event %d's only line: set the event's state to cancelled instead (plan event set %d --state cancelled)", e.Line, event, event))
	}
	if e.Quantity != nil && !e.Quantity.IsPositive() {
		probs = append(probs, fmt.Sprintf("--qty: %s is not positive", e.Quantity))
	}
	if e.Price != nil && e.Price.IsNegative() {
		probs = append(probs, fmt.Sprintf("--price: %s is negative", e.Price))
	}
	if d := e.DiscountPct; d != nil && (d.IsNegative() || d.GreaterThan(decimal.NewFromInt(100))) {
		probs = append(probs, fmt.Sprintf("--discount: %s is not a percent between 0 and 100", d))
	}
	if e.Description != nil && len(*e.Description) > 1000 {
		probs = append(probs, "--description: longer than 1,000 characters")
	}
	if len(probs) > 0 {
		return nil, errors.New(strings.Join(probs, "; "))
	}
	out := slices.Clone(items)
	if e.Remove {
		return slices.Delete(out, i, i+1), nil
	}
	x := &out[i]
	if e.Description != nil {
		x.Description = *e.Description
	}
	if e.Quantity != nil {
		x.Quantity = *e.Quantity
	}
	if e.Price != nil {
		x.Price = *e.Price
	}
	if e.DiscountPct != nil {
		x.DiscountPct = *e.DiscountPct
	}
	return out, nil
}
