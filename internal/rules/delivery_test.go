package rules

import (
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
)

func TestPlanDelivery(t *testing.T) {
	d := decimal.RequireFromString
	lines := []DeliverableLine{
		{ID: 11, Line: 1, Item: "B", Stocked: true, Ordered: d("10"), Delivered: d("4")},
		{ID: 12, Line: 2, Item: "MANT", Stocked: false, Ordered: d("1")},
		{ID: 13, Line: 3, Item: "A", Stocked: true, Ordered: d("5"), Delivered: d("5")},
		{ID: 14, Line: 4, Item: "A", Stocked: true, Ordered: d("8")},
		{ID: 15, Line: 5, Item: "B", Stocked: true, Ordered: d("8"), Delivered: d("2"), InBilling: d("5")},
	}
	req := func(pairs ...any) []DeliveryRequest {
		var out []DeliveryRequest
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, DeliveryRequest{Line: pairs[i].(int), Quantity: d(pairs[i+1].(string))})
		}
		return out
	}
	for _, c := range []struct {
		name     string
		status   string
		isReturn bool
		req      []DeliveryRequest
		want     []DeliveryLine
		probs    []string
	}{
		{name: "the rest of a partly delivered line, and another, in line order", status: "approved", req: req(4, "8", 1, "6"),
			want: []DeliveryLine{{OrderLineID: 11, Line: 1, Item: "B", Quantity: d("6")}, {OrderLineID: 14, Line: 4, Item: "A", Quantity: d("8")}}},
		{name: "part of a line", status: "approved", req: req(1, "2.5"),
			want: []DeliveryLine{{OrderLineID: 11, Line: 1, Item: "B", Quantity: d("2.5")}}},
		{name: "past what is left to deliver", status: "approved", req: req(1, "7"),
			probs: []string{"--line 1 --qty 7: more than the 6 left to deliver (10 ordered, 4 delivered)"}},
		{name: "a line delivered already", status: "approved", req: req(3, "1"),
			probs: []string{"--line 3 --qty 1: more than the 0 left to deliver (5 ordered, 5 delivered)"}},
		{name: "a line a bill run holds", status: "approved", req: req(5, "1"),
			probs: []string{"--line 5: 5 of it are in a bill run; deliver once its invoice is completed or abandoned"}},
		{name: "zero, negative, too many decimals", status: "approved", req: req(1, "0", 4, "-1"),
			probs: []string{"--line 1 --qty 0: must be more than 0, with at most 4 decimals", "--line 4 --qty -1: must be more than 0, with at most 4 decimals"}},
		{name: "five decimals", status: "approved", req: req(1, "0.00001"),
			probs: []string{"--line 1 --qty 0.00001: must be more than 0, with at most 4 decimals"}},
		{name: "a service", status: "approved", req: req(2, "1"),
			probs: []string{"--line 2: item MANT is not stocked: there is nothing to deliver"}},
		{name: "unknown and twice", status: "approved", req: req(9, "1", 1, "1", 1, "1"),
			probs: []string{"--line 9: order 1502 has no line 9", "--line 1: named twice"}},
		{name: "no lines", status: "approved", probs: []string{"--line: name at least one line, each with its --qty"}},
		{name: "not approved", status: "draft", req: req(1, "1"), probs: []string{"order 1502 is draft: only approved orders are delivered"}},
		{name: "a fulfilled order has nothing left", status: "fulfilled", req: req(1, "1"), probs: []string{"order 1502 is fulfilled: only approved orders are delivered"}},
		{name: "a return order", status: "approved", isReturn: true, req: req(1, "1"),
			probs: []string{"order 1502 is a return order: its goods come in, nothing is delivered"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, probs := PlanDelivery(1502, c.status, c.isReturn, lines, c.req)
			if !reflect.DeepEqual(probs, c.probs) {
				t.Errorf("problems: %q, want %q", probs, c.probs)
			}
			if len(got) != len(c.want) {
				t.Fatalf("lines: %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i].OrderLineID != c.want[i].OrderLineID || got[i].Line != c.want[i].Line || got[i].Item != c.want[i].Item || !got[i].Quantity.Equal(c.want[i].Quantity) {
					t.Errorf("line %d: %+v, want %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestDeliveryShortfall(t *testing.T) {
	d := decimal.RequireFromString
	for _, c := range []struct {
		name                        string
		onHand, committed, own, qty string
		allowNegative               bool
		want                        string
	}{
		{name: "covered", onHand: "10", committed: "0", own: "0", qty: "10"},
		{name: "on hand covers it, others' commitment does not", onHand: "10", committed: "5", own: "0", qty: "6",
			want: "--line 1: not enough stock of item B in warehouse CENTRAL: 10 on hand, 5 of it committed to other orders, 6 to deliver"},
		{name: "its own commitment is its own", onHand: "10", committed: "5", own: "5", qty: "10"},
		{name: "negative allowed", onHand: "0", committed: "0", own: "0", qty: "3", allowNegative: true},
	} {
		got := DeliveryShortfall(1, "B", "CENTRAL", d(c.onHand), d(c.committed), d(c.own), d(c.qty), c.allowNegative)
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCancelDelivery(t *testing.T) {
	for _, c := range []struct {
		name    string
		note    NoteToCancel
		again   bool
		problem string
	}{
		{name: "issued, not invoiced", note: NoteToCancel{Number: "1701-1", Status: "issued"}},
		{name: "cancelled before", note: NoteToCancel{Number: "1701-1", Status: "cancelled"}, again: true},
		{name: "invoiced in part", note: NoteToCancel{Number: "1701-1", Status: "issued", Invoiced: decimal.NewFromInt(2)},
			problem: "--cancel 1701-1: 2 of its goods are invoiced; cancel the invoices that cover it first"},
		{name: "in a bill run", note: NoteToCancel{Number: "1701-1", Status: "issued", InBilling: decimal.NewFromInt(3)},
			problem: "--cancel 1701-1: 3 of its order lines are in a bill run; cancel it once that invoice is completed or abandoned"},
	} {
		again, problem := CancelDelivery(c.note)
		if again != c.again || problem != c.problem {
			t.Errorf("%s: %v %q, want %v %q", c.name, again, problem, c.again, c.problem)
		}
	}
}
