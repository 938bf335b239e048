package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"billrun/internal/model"
)

// filterFlags are batch create's filters (seed 002's order filters; contracts and due
// dates for installments); the batch refuses those its source kind does not take.
type filterFlags struct {
	zones, sellers, terms, warehouses, orderDates, deliveryDates, contracts, dueFrom string
}

func (f *filterFlags) bind(fl *pflag.FlagSet) {
	fl.StringVar(&f.zones, "zones", "", "orders: only customers of these zones, comma-separated")
	fl.StringVar(&f.sellers, "sellers", "", "orders: only orders of these sellers, comma-separated")
	fl.StringVar(&f.terms, "terms", "", "orders: only orders on these payment terms, comma-separated")
	fl.StringVar(&f.warehouses, "warehouses", "", "orders: only orders from these warehouses, comma-separated")
	fl.StringVar(&f.orderDates, "order-dates", "", "orders: only orders dated FROM..TO (either side may be left out)")
	fl.StringVar(&f.deliveryDates, "delivery-dates", "", "orders: only orders to deliver FROM..TO (either side may be left out)")
	fl.StringVar(&f.contracts, "contracts", "", "installments: only these contracts (their numbers), comma-separated")
	fl.StringVar(&f.dueFrom, "due-from", "", "installments: only those due on or after this date")
}

// filters reads the flags into the batch's filters, naming every flag it cannot read.
func (f filterFlags) filters() (model.Filters, []string) {
	out := model.Filters{Zones: splitList(f.zones), Sellers: splitList(f.sellers), Terms: splitList(f.terms),
		Warehouses: splitList(f.warehouses), Contracts: splitList(f.contracts), DueFrom: f.dueFrom}
	var probs []string
	for _, r := range []struct {
		flag, value string
		from, to    *string
	}{{"order-dates", f.orderDates, &out.OrderFrom, &out.OrderTo}, {"delivery-dates", f.deliveryDates, &out.DeliveryFrom, &out.DeliveryTo}} {
		if r.value == "" {
			continue
		}
		from, to, ok := strings.Cut(r.value, "..")
		if !ok || (from == "" && to == "") {
			probs = append(probs, fmt.Sprintf("--%s: %q is not FROM..TO of dates (YYYY-MM-DD; either side may be left out)", r.flag, r.value))
			continue
		}
		*r.from, *r.to = strings.TrimSpace(from), strings.TrimSpace(to)
	}
	return out, probs
}

// splitList reads a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
