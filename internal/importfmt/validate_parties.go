package importfmt

import (
	"billrun/internal/catalogs"
	"billrun/internal/rules"
	"fmt"
	"slices"
)

// Validation of the currencies, rates, issuers, terms, customers, items, warehouses and stock.

// checkCurrencies checks the currencies.
func (v *validation) checkCurrencies() {
	c := v.checker
	cur, d := v.cur, v.d
	for i, x := range d.Currencies {
		c.rec = fmt.Sprintf("currencies[%d] (%s)", i, x.Code)
		if !currencyPattern.MatchString(x.Code) {
			c.add("code", "%q is not a three-letter ISO currency code", x.Code)
		}
		if x.Decimals < 0 || x.Decimals > 4 {
			c.add("decimals", "%d is outside 0..4", x.Decimals)
		}
		c.unique(cur, "code", x.Code)
	}
}

// checkExchangeRates checks the exchange rates.
func (v *validation) checkExchangeRates() {
	c := v.checker
	cur, known, d := v.cur, v.known, v.d
	rateSeen := newSet()
	for i, x := range d.ExchangeRates {
		c.rec = fmt.Sprintf("exchange_rates[%d] (%s %s)", i, x.Currency, x.Date)
		c.ref("currency", x.Currency, "currency", cur, known.Currencies)
		c.date("date", x.Date)
		if !x.Rate.IsPositive() {
			c.add("rate", "%s must be greater than 0", x.Rate)
		}
		c.decimals("rate", x.Rate, 6)
		if x.Rate.GreaterThanOrEqual(maxPrice) {
			c.add("rate", "%s is beyond 10^12", x.Rate)
		}
		c.unique(rateSeen, "currency/date", x.Currency+"/"+x.Date)
	}
}

// checkIssuers checks the issuers.
func (v *validation) checkIssuers() {
	c := v.checker
	cur, iss, uyIssuer, known, d := v.cur, v.iss, v.uyIssuer, v.known, v.d
	for i, x := range d.Issuers {
		c.rec = fmt.Sprintf("issuers[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		if x.PaymentReceipts != "" {
			c.oneOf("payment_receipts", x.PaymentReceipts, "per_payment", "monthly")
			if x.Country == "UY" && x.PaymentReceipts == "monthly" {
				c.add("payment_receipts", "a Uruguayan issuer's payments take no CFDI de Recepción de Pagos")
			}
		}
		if x.Country == "UY" {
			uyIssuer[x.Code] = true
			if !catalogs.ValidRUT(x.RUT) {
				c.add("rut", "%q is not a RUT (12 digits, the last its check digit)", clip(x.RUT))
			}
			c.required("name", x.Name)
			c.text("name", x.Name, 150)
			c.required("branch", x.Branch)
			c.required("address", x.Address)
			c.text("address", x.Address, 70)
			c.required("city", x.City)
			c.text("city", x.City, 30)
			c.required("department", x.Department)
			c.text("department", x.Department, 30)
			c.email("email", x.Email)
			c.ref("currency", x.Currency, "currency", cur, known.Currencies)
			if (x.CSDCertificate == "") != (x.CSDKey == "") {
				c.add("csd_key", "give both csd_certificate and csd_key, or neither")
			}
			c.unique(iss, "code", x.Code)
			continue
		}
		if x.Country != "" {
			c.oneOf("country", x.Country, "MX", "UY")
		}
		if !rfcPattern.MatchString(x.RFC) {
			c.add("rfc", "%q is not an RFC", x.RFC)
		}
		c.required("name", x.Name)
		c.text("name", x.Name, 300)
		c.required("fiscal_regime", x.FiscalRegime)
		c.catalog("fiscal_regime", x.FiscalRegime, "c_RegimenFiscal")
		if !postalCodePattern.MatchString(x.PostalCode) {
			c.add("postal_code", "%q is not a postal code of 5 digits", clip(x.PostalCode))
		}
		c.email("email", x.Email)
		c.ref("currency", x.Currency, "currency", cur, known.Currencies)
		if (x.CSDCertificate == "") != (x.CSDKey == "") {
			c.add("csd_key", "give both csd_certificate and csd_key, or neither")
		}
		c.unique(iss, "code", x.Code)
	}
}

// checkPaymentTerms checks the payment terms.
func (v *validation) checkPaymentTerms() {
	c := v.checker
	terms, termKind, d := v.terms, v.termKind, v.d
	for i, x := range d.PaymentTerms {
		c.rec = fmt.Sprintf("payment_terms[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.oneOf("kind", x.Kind, "cash", "credit", "none")
		c.catalog("forma_pago", x.FormaPago, "c_FormaPago")
		if x.Days < 0 {
			c.add("days", "%d is negative", x.Days)
		}
		if x.MetodoPago != "" {
			c.oneOf("metodo_pago", x.MetodoPago, "PUE", "PPD")
		}
		v.checkTermsCashBox(x)
		c.unique(terms, "code", x.Code)
		termKind[x.Code] = x.Kind
	}
}

// checkCustomers checks the customers.
func (v *validation) checkCustomers() {
	c := v.checker
	terms, cust, generic, known, d := v.terms, v.cust, v.generic, v.known, v.d
	for i, x := range d.Customers {
		c.rec = fmt.Sprintf("customers[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.required("name", x.Name)
		c.text("name", x.Name, 300)
		c.text("zone", x.Zone, 40)
		c.text("receivable_account", x.ReceivableAccount, 30)
		c.text("tax_id", x.TaxID, 40)
		c.oneOf("tax_id_kind", x.TaxIDKind, "tax_registration", "national_id", "foreign", "generic")
		switch {
		case x.Country == "UY" && x.TaxIDKind == "tax_registration" && !catalogs.ValidRUT(x.TaxID):
			c.add("tax_id", "%q is not a RUT (12 digits, the last its check digit)", clip(x.TaxID))
		case x.Country == "UY" && x.TaxIDKind == "tax_registration" && (x.Address == "" || x.City == ""):
			c.add("address", "a customer with a RUT needs address and city: its e-Factura carries them")
		case x.Country == "UY" && x.TaxIDKind == "national_id" && !catalogs.ValidCI(x.TaxID):
			c.add("tax_id", "%q is not a cédula (7 or 8 digits, the last its check digit)", clip(x.TaxID))
		case (x.Country == "" || x.Country == "MX") && x.TaxIDKind == "tax_registration" && !rfcPattern.MatchString(x.TaxID):
			c.add("tax_id", "%q is not an RFC", clip(x.TaxID))
		}
		if x.ElectronicReceiver && (x.Country != "UY" || x.TaxIDKind != "tax_registration" || x.Email == "") {
			c.add("electronic_receiver", "an electronic receiver is a Uruguayan customer with a RUT (country UY, tax_id_kind tax_registration) and its registered e-mail")
		}
		if x.Country != "" && !countryPattern.MatchString(x.Country) {
			c.add("country", "%q is not a two-letter ISO country code", clip(x.Country))
		}
		c.text("address", x.Address, 70)
		c.text("city", x.City, 30)
		checkForeignCustomer(c, x)
		c.catalog("fiscal_regime", x.FiscalRegime, "c_RegimenFiscal")
		c.catalog("cfdi_use", x.CFDIUse, "c_UsoCFDI")
		if x.PostalCode != "" && !postalCodePattern.MatchString(x.PostalCode) {
			c.add("postal_code", "%q is not a postal code of 5 digits", clip(x.PostalCode))
		}
		c.email("email", x.Email)
		c.percent("default_discount", x.DefaultDiscount)
		c.ref("payment_terms", x.PaymentTerms, "payment terms", terms, known.PaymentTerms)
		if x.Generic && v.creditTerms(x.PaymentTerms) {
			c.add("payment_terms", "credit terms %s are refused for the generic customer", x.PaymentTerms)
		}
		if x.InvoicingMethod != "" {
			c.oneOf("invoicing_method", x.InvoicingMethod, rules.MethodCombined, rules.MethodPerOrder)
		}
		c.unique(cust, "code", x.Code)
		generic[x.Code] = x.Generic
	}
	for i, x := range d.Customers { // once every customer of the file is known
		c.rec = fmt.Sprintf("customers[%d] (%s)", i, x.Code)
		switch {
		case x.AssociatedTo == "":
		case x.AssociatedTo == x.Code:
			c.add("associated_to", "a customer is not associated with itself")
		default:
			c.ref("associated_to", x.AssociatedTo, "customer", cust, known.Customers)
		}
	}
}

// checkItems checks the items.
func (v *validation) checkItems() {
	c := v.checker
	items, itemPrice, d := v.items, v.itemPrice, v.d
	for i, x := range d.Items {
		c.rec = fmt.Sprintf("items[%d] (%s)", i, x.Code)
		c.text("revenue_account", x.RevenueAccount, 30)
		if x.Cost != nil {
			c.price("cost", *x.Cost)
		}
		c.required("code", x.Code)
		c.text("code", x.Code, 100)
		c.required("description", x.Description)
		c.text("description", x.Description, 1000)
		c.text("unit_name", x.UnitName, 20)
		c.catalog("unit_code", x.UnitCode, "c_ClaveUnidad")
		if x.ProductCode != "" && !productCodePattern.MatchString(x.ProductCode) {
			c.add("product_code", "%q is not a SAT product code (8 digits)", clip(x.ProductCode))
		}
		if x.UnitPrice.IsNegative() {
			c.add("unit_price", "%s is negative", x.UnitPrice)
		}
		c.price("unit_price", x.UnitPrice)
		itemPrice[x.Code] = x.UnitPrice
		if x.VATRate != nil {
			c.percent("vat_rate", *x.VATRate)
		}
		c.percent("excise_rate", x.ExciseRate)
		checkItemFactors(c, x)
		c.percent("vat_withholding_rate", x.VATWithholdingRate)
		c.percent("isr_withholding_rate", x.ISRWithholdingRate)
		c.unique(items, "code", x.Code)
	}
}

// checkWarehouses checks the warehouses.
func (v *validation) checkWarehouses() {
	c := v.checker
	whs, d := v.whs, v.d
	for i, x := range d.Warehouses {
		c.rec = fmt.Sprintf("warehouses[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.required("name", x.Name)
		c.unique(whs, "code", x.Code)
	}
}

// checkStock checks the stock.
func (v *validation) checkStock() {
	c := v.checker
	items, whs, known, d := v.items, v.whs, v.known, v.d
	stockSeen := newSet()
	for i, x := range d.Stock {
		c.rec = fmt.Sprintf("stock[%d] (%s/%s)", i, x.Warehouse, x.Item)
		c.ref("warehouse", x.Warehouse, "warehouse", whs, known.Warehouses)
		c.ref("item", x.Item, "item", items, known.Items)
		if x.Committed.IsNegative() {
			c.add("committed", "%s is negative", x.Committed)
		}
		c.quantity("on_hand", x.OnHand)
		c.quantity("committed", x.Committed)
		c.unique(stockSeen, "warehouse/item", x.Warehouse+"/"+x.Item)
	}
}

// creditForGeneric tells credit terms for a generic customer, which seed 004 refuses (a
// counter sale is paid on the spot), whether the terms and the customer come in this file
// or were imported before.
func (v *validation) creditForGeneric(customer, terms string) bool {
	generic := v.known.GenericCustomers[customer]
	if v.cust[customer] {
		generic = v.generic[customer]
	}
	return generic && v.creditTerms(terms)
}

// creditTerms tells payment terms of kind credit, in this file or imported before.
func (v *validation) creditTerms(code string) bool {
	if kind, ok := v.termKind[code]; ok {
		return kind == "credit"
	}
	return v.known.CreditTerms[code]
}

// ledgerRoles are the journal's account roles.
var ledgerRoles = []string{"receivable", "revenue", "vat_payable", "excise_payable", "vat_withheld", "isr_withheld", "cash", "inventory", "cost_of_sales"}

// checkLedgerAccounts checks the journal's accounts: known roles, an account each.
func (v *validation) checkLedgerAccounts() {
	c := v.checker
	for role, account := range v.d.LedgerAccounts {
		c.rec = fmt.Sprintf("ledger_accounts (%s)", role)
		if !slices.Contains(ledgerRoles, role) {
			c.add("role", "%q is not one of %v", role, ledgerRoles)
		}
		c.required("account", account)
		c.text("account", account, 30)
	}
}

// checkForeignCustomer checks a foreign customer's fiscal residence (SAT's c_Pais, not
// Mexico) and the export flag, which needs the residence and the tax id there (the CFDI's
// ResidenciaFiscal and NumRegIdTrib).
func checkForeignCustomer(c *checker, x Customer) {
	if x.FiscalResidence != "" {
		c.catalog("fiscal_residence", x.FiscalResidence, "c_Pais")
		switch {
		case x.TaxIDKind != "foreign":
			c.add("fiscal_residence", "is a foreign customer's (tax_id_kind foreign), not a %s one's", x.TaxIDKind)
		case x.FiscalResidence == "MEX":
			c.add("fiscal_residence", "MEX is not a foreign residence")
		case x.TaxID == "":
			c.add("tax_id", "a foreign customer with a fiscal residence needs its tax id there (NumRegIdTrib)")
		}
	}
	if x.Export {
		switch {
		case x.TaxIDKind != "foreign":
			c.add("export", "only a foreign customer's invoices are exports (Exportacion 02), not a %s one's", x.TaxIDKind)
		case x.FiscalResidence == "" || x.TaxID == "":
			c.add("export", "an export customer needs fiscal_residence and tax_id (ResidenciaFiscal and NumRegIdTrib)")
		}
	}
}

// checkItemFactors checks an item's VAT exemption and excise by quota: exempt is not a
// rate (no vat_rate with it); a quota (an amount per unit) is instead of a rate, not with
// one, and at most 6 decimals, as SAT's TasaOCuota.
func checkItemFactors(c *checker, x Item) {
	if x.VATExempt && x.VATRate != nil {
		c.add("vat_rate", "the item is vat_exempt: an exempt item has no VAT rate (exempt is not 0 %%)")
	}
	if x.ExciseQuota.IsNegative() {
		c.add("excise_quota", "%s is negative", x.ExciseQuota)
	}
	if x.ExciseQuota.IsPositive() && !x.ExciseRate.IsZero() {
		c.add("excise_quota", "the item has excise_rate %s too: an excise is by rate or by quota, not both", x.ExciseRate)
	}
	c.price("excise_quota", x.ExciseQuota)
}
