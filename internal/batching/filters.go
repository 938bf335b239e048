package batching

import (
	"fmt"
	"slices"
	"time"

	"billrun/internal/model"
	"billrun/internal/store"
)

// givenFilters names (by flag) the filters a batch was given.
func givenFilters(p *model.BatchParams) []string {
	var given []string
	for flag, set := range map[string]bool{
		"customers": len(p.Customers) > 0, "zones": len(p.Zones) > 0, "sellers": len(p.Sellers) > 0, "terms": len(p.Terms) > 0,
		"warehouses": len(p.Warehouses) > 0, "order-dates": p.OrderFrom != "" || p.OrderTo != "",
		"delivery-dates": p.DeliveryFrom != "" || p.DeliveryTo != "", "contracts": len(p.Contracts) > 0, "due-from": p.DueFrom != "",
	} {
		if set {
			given = append(given, flag)
		}
	}
	slices.Sort(given)
	return given
}

// filterProblems checks the filters' values: dates and their order, and the payment terms,
// warehouses and contracts named exist.
func filterProblems(t *store.Tx, p *model.BatchParams) ([]string, error) {
	var probs []string
	if p.IncludeAssociated && len(p.Customers) == 0 {
		probs = append(probs, "--include-associated: give --customers: it adds the customers associated with them")
	}
	span := func(flag, from, to string) {
		f, err1 := parseOptionalDate(from)
		u, err2 := parseOptionalDate(to)
		switch {
		case err1 != nil || err2 != nil:
			probs = append(probs, fmt.Sprintf("--%s: %q..%q is not FROM..TO of dates (YYYY-MM-DD; either may be left out)", flag, from, to))
		case !f.IsZero() && !u.IsZero() && u.Before(f):
			probs = append(probs, fmt.Sprintf("--%s: TO %s is before FROM %s", flag, to, from))
		}
	}
	span("order-dates", p.OrderFrom, p.OrderTo)
	span("delivery-dates", p.DeliveryFrom, p.DeliveryTo)
	if _, err := parseOptionalDate(p.DueFrom); err != nil {
		probs = append(probs, fmt.Sprintf("--due-from: %q is not a date (YYYY-MM-DD)", p.DueFrom))
	}
	for _, c := range []struct {
		flag, kind string
		codes      []string
	}{{"terms", "payment_terms", p.Terms}, {"warehouses", "warehouse", p.Warehouses}, {"contracts", "contract", p.Contracts}} {
		for _, code := range c.codes {
			ok, err := t.CodeExists(c.kind, code)
			if err != nil {
				return nil, err
			}
			if !ok {
				probs = append(probs, fmt.Sprintf("--%s: unknown %s %q", c.flag, c.kind, code))
			}
		}
	}
	return probs, nil
}

func parseOptionalDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}
