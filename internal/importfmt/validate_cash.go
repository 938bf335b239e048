package importfmt

import "fmt"

// checkCashBoxes checks the cash boxes (seed 004): a code, a known currency, a ledger
// account.
func (v *validation) checkCashBoxes() {
	c := v.checker
	for i, x := range v.d.CashBoxes {
		c.rec = fmt.Sprintf("cash_boxes[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.text("code", x.Code, 40)
		c.text("name", x.Name, 300)
		c.ref("currency", x.Currency, "currency", v.cur, v.known.Currencies)
		c.required("account", x.Account)
		c.text("account", x.Account, 30)
		c.unique(v.boxes, "code", x.Code)
	}
}

// checkTermsCashBox checks payment terms' cash box: a known box, named only by cash terms
// paid in one exhibition (PUE) — a sale collected on the spot owes no payment receipt.
func (v *validation) checkTermsCashBox(x PaymentTerm) {
	if x.CashBox == "" {
		return
	}
	c := v.checker
	c.ref("cash_box", x.CashBox, "cash box", v.boxes, v.known.CashBoxes)
	if x.Kind != "cash" {
		c.add("cash_box", "terms of kind %q collect into no cash box: only cash terms do", x.Kind)
	}
	if x.MetodoPago != "" && x.MetodoPago != "PUE" {
		c.add("cash_box", "terms collected on the spot are paid in one exhibition: metodo_pago must be PUE, not %s", x.MetodoPago)
	}
}
