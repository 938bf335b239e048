package rules

import (
	"fmt"
	"slices"
	"strings"
)

// filterKinds are the source kinds each batch filter (by its flag) applies to: seed 002
// filters orders by customer, zone, seller, payment terms, warehouse, order and delivery
// dates; installments are chosen by payer, contract and due dates; plans by their
// customer (seed 003: the customer the plan is configured for — each event still bills
// every entity of the plan by its quota), with their associated entities if asked.
var filterKinds = map[string][]string{
	"customers": {"orders", "installments", "plans"}, "zones": {"orders"}, "sellers": {"orders"}, "terms": {"orders"},
	"warehouses": {"orders"}, "order-dates": {"orders"}, "delivery-dates": {"orders"},
	"contracts": {"installments"}, "due-from": {"installments"},
}

// whyNot says, for a filter a kind does not take, what chooses that kind's sources instead.
var whyNot = map[string]string{
	"plans":        "a billing plan bills every entity of the plan by its quota; choose plans by --period, --series and --customers (the plan's customer)",
	"installments": "installments are chosen by --due-until, --due-from, --partner, --contracts and --customers (their payer)",
	"orders":       "orders are chosen by --orders, --series and the order filters",
}

// InapplicableFilters names each filter given (by flag) that the source kind does not take,
// so no choice is ever silently ignored.
func InapplicableFilters(kind string, given []string) []string {
	var probs []string
	for _, f := range given {
		kinds, known := filterKinds[f]
		if !known || slices.Contains(kinds, kind) {
			continue
		}
		probs = append(probs, fmt.Sprintf("--%s: applies to %s, not to %s: %s", f, strings.Join(kinds, " and "), kind, whyNot[kind]))
	}
	return probs
}
