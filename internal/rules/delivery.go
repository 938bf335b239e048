package rules

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"
)

// DeliveryRequest is one line of a delivery note asked for: the order's line number and
// the quantity delivered.
type DeliveryRequest struct {
	Line     int
	Quantity decimal.Decimal
}

// DeliverableLine is an order line as a delivery note reads it (under its row lock).
type DeliverableLine struct {
	ID        int64
	Line      int
	Item      string
	Stocked   bool
	Ordered   decimal.Decimal
	Delivered decimal.Decimal // by delivery notes, by invoices that discharged, or imported
	InBilling decimal.Decimal // claimed by a bill run: its invoice may discharge it
}

// DeliveryLine is a line of a delivery note to record.
type DeliveryLine struct {
	OrderLineID int64           `json:"-"`
	Line        int             `json:"order_line"`
	Item        string          `json:"item"`
	Quantity    decimal.Decimal `json:"quantity"`
}

// PlanDelivery checks a delivery note of an order (seed 002, remito; seed 004, remisión)
// and answers its lines in the order's line order: only an approved sales order (not a
// return order) is delivered; each line named once, a stocked item, a positive quantity
// with at most 4 decimals, never past what is left to deliver (ordered less delivered); a
// line a bill run holds is not delivered until its invoice is completed or abandoned (its
// discharge reads what was delivered, and its completion counts the line delivered up to
// what it invoiced: a note in between would take goods out that neither counts).
// Every problem is named, by flag and line.
func PlanDelivery(order int64, status string, isReturn bool, lines []DeliverableLine, req []DeliveryRequest) ([]DeliveryLine, []string) {
	var probs []string
	switch {
	case isReturn:
		probs = append(probs, fmt.Sprintf("order %d is a return order: its goods come in, nothing is delivered", order))
	case status != "approved":
		probs = append(probs, fmt.Sprintf("order %d is %s: only approved orders are delivered", order, status))
	}
	if len(req) == 0 {
		probs = append(probs, "--line: name at least one line, each with its --qty")
	}
	byNo := map[int]DeliverableLine{}
	for _, l := range lines {
		byNo[l.Line] = l
	}
	seen := map[int]bool{}
	var out []DeliveryLine
	for _, r := range req {
		l, ok := byNo[r.Line]
		switch {
		case !ok:
			probs = append(probs, fmt.Sprintf("--line %d: order %d has no line %d", r.Line, order, r.Line))
			continue
		case seen[r.Line]:
			probs = append(probs, fmt.Sprintf("--line %d: named twice", r.Line))
			continue
		}
		seen[r.Line] = true
		left := l.Ordered.Sub(l.Delivered)
		switch {
		case l.InBilling.IsPositive():
			probs = append(probs, fmt.Sprintf("--line %d: %s of it are in a bill run; deliver once its invoice is completed or abandoned", r.Line, l.InBilling))
		case !l.Stocked:
			probs = append(probs, fmt.Sprintf("--line %d: item %s is not stocked: there is nothing to deliver", r.Line, l.Item))
		case !r.Quantity.IsPositive() || r.Quantity.Exponent() < -4:
			probs = append(probs, fmt.Sprintf("--line %d --qty %s: must be more than 0, with at most 4 decimals", r.Line, r.Quantity))
		case r.Quantity.GreaterThan(left):
			probs = append(probs, fmt.Sprintf("--line %d --qty %s: more than the %s left to deliver (%s ordered, %s delivered)", r.Line, r.Quantity, left, l.Ordered, l.Delivered))
		default:
			out = append(out, DeliveryLine{OrderLineID: l.ID, Line: l.Line, Item: l.Item, Quantity: r.Quantity})
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out, nil
}

// DeliveryShortfall is the refusal of a delivery note's line when the warehouse's
// available balance (on hand less what other orders committed; the line's own order's
// commitment, which the delivery releases, its own) does not cover it, as the invoice's
// discharge refuses (seed 002); "" when it does or negative stock is allowed.
func DeliveryShortfall(line int, item, warehouse string, onHand, committed, ownCommitted, qty decimal.Decimal, allowNegative bool) string {
	if allowNegative || !StockAvailable(onHand, committed, ownCommitted).LessThan(qty) {
		return ""
	}
	return fmt.Sprintf("--line %d: not enough stock of item %s in warehouse %s: %s on hand, %s of it committed to other orders, %s to deliver",
		line, item, warehouse, onHand, committed.Sub(ownCommitted), qty)
}

// NoteToCancel is a delivery note as its cancellation reads it.
type NoteToCancel struct {
	Number    string
	Status    string          // issued, cancelled
	Invoiced  decimal.Decimal // what standing invoices cover of its lines
	InBilling decimal.Decimal // what bill runs hold of its order lines
}

// CancelDelivery says whether a delivery note may be cancelled: one that standing
// invoices cover is refused (cancel them first: their cancellation releases it); one
// cancelled before is answered again (again true), nothing moved twice; one whose order
// lines a bill run holds is refused too (its invoice may have discharged only what the
// note did not deliver).
func CancelDelivery(n NoteToCancel) (again bool, problem string) {
	switch {
	case n.Status == "cancelled":
		return true, ""
	case n.Invoiced.IsPositive():
		return false, fmt.Sprintf("--cancel %s: %s of its goods are invoiced; cancel the invoices that cover it first", n.Number, n.Invoiced)
	case n.InBilling.IsPositive():
		return false, fmt.Sprintf("--cancel %s: %s of its order lines are in a bill run; cancel it once that invoice is completed or abandoned", n.Number, n.InBilling)
	}
	return false, ""
}
