package importfmt

import (
	"billrun/internal/rules"
	"cmp"
	"fmt"

	"github.com/shopspring/decimal"
)

// Validation of what bill runs bill: orders, contracts and billing plans.

// checkOrders checks the orders.
func (v *validation) checkOrders() {
	c := v.checker
	cur, terms, cust, items, whs, ser, known, d := v.cur, v.terms, v.cust, v.items, v.whs, v.ser, v.known, v.d
	orderSeen := newSet()
	v.orders = orderSeen
	for i, x := range d.Orders {
		c.rec = fmt.Sprintf("orders[%d] (number %d)", i, x.Number)
		c.text("observations", x.Observations, 1000)
		c.text("seller", x.Seller, 40)
		c.text("po_reference", x.POReference, 60)
		if x.DeliveryDate != "" {
			c.date("delivery_date", x.DeliveryDate)
			if x.DeliveryDate < x.Date {
				c.add("delivery_date", "%s is before the order's date %s", x.DeliveryDate, x.Date)
			}
		}
		if x.Number <= 0 {
			c.add("number", "%d must be positive", x.Number)
		}
		c.unique(orderSeen, "number", fmt.Sprint(x.Number))
		c.ref("customer", x.Customer, "customer", cust, known.Customers)
		c.ref("series", x.Series, "series", ser, known.Series)
		v.billedIn("series", x.Series)
		c.ref("warehouse", x.Warehouse, "warehouse", whs, known.Warehouses)
		c.ref("currency", x.Currency, "currency", cur, known.Currencies)
		if x.PaymentTerms != "" {
			c.ref("payment_terms", x.PaymentTerms, "payment terms", terms, known.PaymentTerms)
			if v.creditForGeneric(x.Customer, x.PaymentTerms) {
				c.add("payment_terms", "credit terms %s are refused for the generic customer %s", x.PaymentTerms, x.Customer)
			}
		}
		c.date("date", x.Date)
		if x.Status != "" {
			c.oneOf("status", x.Status, "draft", "approved", "fulfilled", "cancelled")
		}
		if len(x.Lines) == 0 {
			c.add("lines", "an order needs at least one line")
		}
		v.checkOrderClass(x)
		rec := c.rec
		ret := x.IsReturn()
		for j, l := range x.Lines {
			c.rec = fmt.Sprintf("%s lines[%d]", rec, j)
			c.ref("item", l.Item, "item", items, known.Items)
			if ret {
				checkReturnLine(c, l)
				l = l.Unsigned()
			}
			v.checkOrderLine(l)
		}
	}
}

// checkOrderLine checks an order line's quantities, price and discount (a return order's
// as they are stored: positive).
func (v *validation) checkOrderLine(l OrderLine) {
	c := v.checker
	if l.Ordered.Sign() <= 0 {
		c.add("ordered", "%s must be positive", l.Ordered)
	}
	toInv := l.Ordered.Sub(l.Invoiced)
	if l.ToInvoice != nil {
		toInv = *l.ToInvoice
	}
	if toInv.IsNegative() || l.Invoiced.IsNegative() || l.Delivered.IsNegative() {
		c.add("to_invoice", "quantities must not be negative")
	} else if toInv.Add(l.Invoiced).GreaterThan(l.Ordered) {
		c.add("to_invoice", "%s to invoice plus %s invoiced exceeds %s ordered", toInv, l.Invoiced, l.Ordered)
	}
	if l.Delivered.GreaterThan(l.Ordered) {
		c.add("delivered", "%s delivered exceeds %s ordered", l.Delivered, l.Ordered)
	}
	if l.Price != nil && l.Price.IsNegative() {
		c.add("price", "%s is negative", *l.Price)
	}
	c.quantity("ordered", l.Ordered)
	c.quantity("invoiced", l.Invoiced)
	c.quantity("delivered", l.Delivered)
	if l.ToInvoice != nil {
		c.quantity("to_invoice", *l.ToInvoice)
	}
	price, known := v.itemPrice[l.Item]
	if l.Price != nil {
		c.price("price", *l.Price)
		price, known = *l.Price, true
	}
	if known {
		c.amount("ordered", l.Ordered, price)
	}
	if l.Discount != nil {
		c.percent("discount", *l.Discount)
	}
}

// checkOrderClasses checks the order classes (seed 001): each names a series of invoices
// or tickets that is not a CFE one (a CFE's type follows its receiver).
func (v *validation) checkOrderClasses() {
	c := v.checker
	v.classSeries = map[string]string{}
	for code, series := range v.known.OrderClasses {
		v.classSeries[code] = series
	}
	kinds, _ := v.seriesFacts()
	seen := newSet()
	for i, x := range v.d.OrderClasses {
		c.rec = fmt.Sprintf("order_classes[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.text("code", x.Code, 25)
		c.unique(seen, "code", x.Code)
		c.ref("series", x.Series, "series", v.ser, v.known.Series)
		switch k := kinds[x.Series]; {
		case k != "" && k != "invoice" && k != "ticket":
			c.add("series", "series %s numbers %s documents; an order class numbers invoices or tickets", x.Series, k)
		case v.cfeSeries[x.Series] || v.known.CFESeries[x.Series]:
			c.add("series", "series %s numbers CFE, whose type follows each receiver: it cannot be an order class's series", x.Series)
		}
		v.classSeries[x.Code] = x.Series
	}
}

// seriesFacts are every series' document kind and issuer, stored or in the file.
func (v *validation) seriesFacts() (kinds, issuers map[string]string) {
	kinds, issuers = map[string]string{}, map[string]string{}
	for code, k := range v.known.SeriesKinds {
		kinds[code], issuers[code] = k, v.known.SeriesIssuers[code]
	}
	for _, x := range v.d.Series {
		kinds[x.Code], issuers[x.Code] = x.DocumentKind, x.Issuer
	}
	return kinds, issuers
}

// checkOrderClass checks an order's class: a known one, whose series is its own series'
// issuer's (a class mapped to another issuer's series would bill the order as another
// company).
func (v *validation) checkOrderClass(x Order) {
	if x.Class == "" {
		return
	}
	series, ok := v.classSeries[x.Class]
	if !ok {
		v.checker.add("class", "unknown order class %q", x.Class)
		return
	}
	_, issuers := v.seriesFacts()
	if own, its := issuers[x.Series], issuers[series]; own != "" && its != "" && own != its {
		v.checker.add("class", "class %s numbers in series %s of issuer %s, but the order's series %s is issuer %s's", x.Class, series, its, x.Series, own)
	}
}

// checkReturnLine checks a line of a return order (seed 001: an order with negative
// quantities): every quantity it gives is negative or zero, it was never delivered and it
// commits no stock.
func checkReturnLine(c *checker, l OrderLine) {
	switch {
	case !l.Ordered.IsNegative():
		c.add("ordered", "%s: a return order's lines all have negative quantities (its first line's is), make it an order of its own", l.Ordered)
	case l.Invoiced.IsPositive() || l.ToInvoice != nil && l.ToInvoice.IsPositive():
		c.add("to_invoice", "a return order's quantities are negative, as its ordered %s", l.Ordered)
	case !l.Delivered.IsZero():
		c.add("delivered", "a return order is not delivered: its goods come back when it is credited")
	case l.StockCommitted:
		c.add("stock_committed", "a return order commits no stock")
	}
}

// checkContracts checks the contracts.
func (v *validation) checkContracts() {
	c := v.checker
	cur, terms, cust, items, whs, ser, ctr, known, d := v.cur, v.terms, v.cust, v.items, v.whs, v.ser, v.ctr, v.known, v.d
	for i, x := range d.Contracts {
		c.rec = fmt.Sprintf("contracts[%d] (%s)", i, x.Number)
		c.required("number", x.Number)
		c.unique(ctr, "number", x.Number)
		c.ref("partner", x.Partner, "customer", cust, known.Customers)
		if x.Payer != "" {
			c.ref("payer", x.Payer, "customer", cust, known.Customers)
		}
		c.ref("series", x.Series, "series", ser, known.Series)
		v.billedIn("series", x.Series)
		c.ref("currency", x.Currency, "currency", cur, known.Currencies)
		c.ref("payment_terms", x.PaymentTerms, "payment terms", terms, known.PaymentTerms)
		if billed := cmp.Or(x.Payer, x.Partner); v.creditForGeneric(billed, x.PaymentTerms) {
			c.add("payment_terms", "credit terms %s are refused for the generic customer %s", x.PaymentTerms, billed)
		}
		if x.Warehouse != "" {
			c.ref("warehouse", x.Warehouse, "warehouse", whs, known.Warehouses)
		}
		rec := c.rec
		for j, l := range x.Lines {
			c.rec = fmt.Sprintf("%s lines[%d]", rec, j)
			c.ref("item", l.Item, "item", items, known.Items)
			c.text("description", l.Description, 1000)
			if l.Quantity.Sign() <= 0 {
				c.add("quantity", "%s must be positive", l.Quantity)
			}
			if l.Price.IsNegative() {
				c.add("price", "%s is negative", l.Price)
			}
			c.percent("discount", l.Discount)
			c.quantity("quantity", l.Quantity)
			c.price("price", l.Price)
			c.amount("quantity", l.Quantity, l.Price)
			lrec := c.rec
			for k, in := range l.Installments {
				c.rec = fmt.Sprintf("%s installments[%d]", lrec, k)
				c.date("due", in.Due)
				c.oneOf("state", in.State, "draft", "complete")
			}
		}
	}
}

// checkBillingPlans checks the billing plans.
func (v *validation) checkBillingPlans() {
	c := v.checker
	cur, terms, cust, items, whs, ser, ctr, known, d := v.cur, v.terms, v.cust, v.items, v.whs, v.ser, v.ctr, v.known, v.d
	planSeen := newSet()
	for i, x := range d.BillingPlans {
		c.rec = fmt.Sprintf("billing_plans[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.unique(planSeen, "code", x.Code)
		if x.State != "" {
			c.oneOf("state", x.State, "active", "inactive")
		}
		c.ref("customer", x.Customer, "customer", cust, known.Customers)
		if x.Contract != "" {
			c.ref("contract", x.Contract, "contract", ctr, known.Contracts)
		}
		if x.SourceOrder != 0 {
			c.ref("source_order", fmt.Sprint(x.SourceOrder), "order", v.orders, known.Orders)
		}
		if x.Series != "" { // optional (seed 003): else the batch's --series
			c.ref("series", x.Series, "series", ser, known.Series)
		}
		v.billedIn("series", x.Series)
		c.ref("currency", x.Currency, "currency", cur, known.Currencies)
		c.ref("payment_terms", x.PaymentTerms, "payment terms", terms, known.PaymentTerms)
		if v.creditForGeneric(x.Customer, x.PaymentTerms) {
			c.add("payment_terms", "credit terms %s are refused for the generic customer %s", x.PaymentTerms, x.Customer)
		}
		if x.Warehouse != "" {
			c.ref("warehouse", x.Warehouse, "warehouse", whs, known.Warehouses)
		}
		if len(x.Dates) > 0 {
			if x.Every != 0 || x.Unit != "" {
				c.add("dates", "give either dates or a periodic rule (every, unit, start, end), not both")
			}
			if len(x.Dates) > rules.MaxPlanEvents {
				c.add("dates", "%d dates is more than %d events, the most a plan may have: split it in plans", len(x.Dates), rules.MaxPlanEvents)
			}
			for j, dt := range x.Dates {
				c.date(fmt.Sprintf("dates[%d]", j), dt)
			}
		} else {
			s, ok1 := c.date("start", x.Start)
			e, ok2 := c.date("end", x.End)
			if ok1 && ok2 {
				if _, err := rules.PeriodicDates(s, e, x.Every, x.Unit); err != nil {
					c.add("rule", "%s", err)
				}
			}
		}
		if len(x.Items) == 0 {
			c.add("items", "a plan needs at least one item")
		}
		rec := c.rec
		for j, it := range x.Items {
			c.rec = fmt.Sprintf("%s items[%d]", rec, j)
			c.ref("item", it.Item, "item", items, known.Items)
			c.text("description", it.Description, 1000)
			if it.Quantity.Sign() <= 0 {
				c.add("quantity", "%s must be positive", it.Quantity)
			}
			c.percent("discount", it.Discount)
			c.quantity("quantity", it.Quantity)
			c.price("price", it.Price)
			c.amount("quantity", it.Quantity, it.Price)
		}
		c.rec = rec
		v.checkEntities(rec, x.Entities)
	}
}

// checkEntities checks a plan's billing entities: known customers, quotas in (0, 100]
// that sum to 100.
func (v *validation) checkEntities(rec string, entities []BillingEntity) {
	c := v.checker
	if len(entities) == 0 {
		return
	}
	sum := decimal.Zero
	for j, en := range entities {
		c.rec = fmt.Sprintf("%s entities[%d]", rec, j)
		c.ref("customer", en.Customer, "customer", v.cust, v.known.Customers)
		if en.Quota.Sign() <= 0 || en.Quota.GreaterThan(decimal.NewFromInt(100)) {
			c.add("quota", "%s is outside (0, 100]", en.Quota)
		}
		c.decimals("quota", en.Quota, 4)
		sum = sum.Add(en.Quota)
	}
	c.rec = rec
	if !sum.Equal(decimal.NewFromInt(100)) {
		c.add("entities", "quotas sum to %s, not 100", sum)
	}
}
