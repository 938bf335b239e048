package model

import (
	"fmt"
	"strings"
)

// Selection says what a batch bills: its source and range, and every filter it was given,
// as the batch's details and report show it.
func (p BatchParams) Selection() string {
	var parts []string
	switch p.SourceKind {
	case SourceOrders:
		parts = append(parts, fmt.Sprintf("orders %d-%d of series %s", p.OrdersFrom, p.OrdersTo, p.Series))
	case SourceInstallments:
		parts = append(parts, "installments due until "+p.DueUntil)
		if p.Partner != "" {
			parts = append(parts, "partner "+p.Partner)
		}
		if p.Recurring != nil {
			parts = append(parts, map[bool]string{true: "recurring only", false: "non-recurring only"}[*p.Recurring])
		}
	case SourcePlans:
		parts = append(parts, fmt.Sprintf("plan events %s..%s", p.PeriodFrom, p.PeriodTo))
	}
	if p.Series != "" && p.SourceKind != SourceOrders {
		parts = append(parts, "series "+p.Series)
	}
	list := func(name string, xs []string) {
		if len(xs) > 0 {
			parts = append(parts, name+" "+strings.Join(xs, ","))
		}
	}
	span := func(name, from, to string) {
		if from != "" || to != "" {
			parts = append(parts, fmt.Sprintf("%s %s..%s", name, from, to))
		}
	}
	list("customers", p.Customers)
	if p.IncludeAssociated {
		parts = append(parts, "with their associated entities")
	}
	list("zones", p.Zones)
	list("sellers", p.Sellers)
	list("terms", p.Terms)
	list("warehouses", p.Warehouses)
	span("order dates", p.OrderFrom, p.OrderTo)
	span("delivery dates", p.DeliveryFrom, p.DeliveryTo)
	list("contracts", p.Contracts)
	if p.DueFrom != "" {
		parts = append(parts, "due from "+p.DueFrom)
	}
	if p.NumberingSeries != "" {
		parts = append(parts, "numbered in series "+p.NumberingSeries)
	}
	if p.Template != "" {
		parts = append(parts, "template "+p.Template)
	}
	return strings.Join(parts, "; ")
}
