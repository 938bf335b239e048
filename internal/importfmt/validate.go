package importfmt

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"billrun/internal/catalogs"
	"billrun/internal/rules"
)

// Known holds codes that already exist in the database, so a file may refer to them.
type Known struct {
	Currencies, Issuers, PaymentTerms, Customers, Items, Warehouses, Series, Contracts map[string]bool
	// CFESeries are the series (already stored) that number CFE.
	CFESeries map[string]bool
}

// Problem is one mistake in the file: which record, which field, what is wrong.
type Problem struct {
	Record string `json:"record"`
	Field  string `json:"field"`
	Error  string `json:"error"`
}

func (p Problem) String() string { return p.Record + ": " + p.Field + ": " + p.Error }

type checker struct {
	probs []Problem
	rec   string
}

func (c *checker) add(field, format string, args ...any) {
	c.probs = append(c.probs, Problem{Record: c.rec, Field: field, Error: fmt.Sprintf(format, args...)})
}

func (c *checker) required(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.add(field, "is required")
	}
}

func (c *checker) oneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.add(field, "%q is not one of %v", v, allowed)
}

func (c *checker) ref(field, v string, kind string, sets ...map[string]bool) {
	if v == "" {
		c.add(field, "is required")
		return
	}
	for _, s := range sets {
		if s[v] {
			return
		}
	}
	c.add(field, "unknown %s %q", kind, v)
}

func (c *checker) percent(field string, v decimal.Decimal) {
	if v.IsNegative() || v.GreaterThan(decimal.NewFromInt(100)) {
		c.add(field, "%s is outside 0..100", v)
	}
	c.decimals(field, v, 4)
}

// What billrun's columns hold: quantities numeric(18, 4), prices numeric(18, 6), rates
// numeric(7, 4). A value beyond them is refused here, never rounded or overflowed later.
var (
	maxQuantity   = decimal.New(1, 14)
	maxPrice      = decimal.New(1, 12)
	maxLineAmount = decimal.New(1, 13) // quantity × price, so taxes on it still fit 10^14
)

// decimals refuses more decimal places than the column holds: no input is rounded quietly.
func (c *checker) decimals(field string, v decimal.Decimal, places int32) {
	if !v.Equal(v.Truncate(places)) {
		c.add(field, "%s has more than %d decimals; billrun keeps %d and does not round input", v, places, places)
	}
}

func (c *checker) quantity(field string, v decimal.Decimal) {
	c.decimals(field, v, 4)
	if v.Abs().GreaterThanOrEqual(maxQuantity) {
		c.add(field, "%s is beyond 10^14, the largest quantity billrun stores", v)
	}
}

func (c *checker) price(field string, v decimal.Decimal) {
	c.decimals(field, v, 6)
	if v.Abs().GreaterThanOrEqual(maxPrice) {
		c.add(field, "%s is beyond 10^12, the largest price billrun stores", v)
	}
}

// amount refuses a line whose quantity × price is beyond what an invoice can carry.
func (c *checker) amount(field string, qty, price decimal.Decimal) {
	if a := qty.Mul(price); a.Abs().GreaterThanOrEqual(maxLineAmount) {
		c.add(field, "quantity × price = %s is beyond 10^13, the largest line amount billrun bills", a)
	}
}

func (c *checker) date(field, v string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		c.add(field, "%q is not a date (YYYY-MM-DD)", v)
		return t, false
	}
	return t, true
}

func (c *checker) unique(seen map[string]bool, field, v string) {
	if v != "" && seen[v] {
		c.add(field, "%q appears twice in the file", v)
	}
	seen[v] = true
}

var (
	// SAT's t_RFC: three letters (a company) or four (a person), a date, a homoclave.
	rfcPattern         = regexp.MustCompile(`^[A-ZÑ&]{3,4}[0-9]{2}(0[1-9]|1[012])(0[1-9]|[12][0-9]|3[01])[A-Z0-9]{2}[0-9A]$`)
	currencyPattern    = regexp.MustCompile(`^[A-Z]{3}$`)
	postalCodePattern  = regexp.MustCompile(`^[0-9]{5}$`)
	productCodePattern = regexp.MustCompile(`^[0-9]{8}$`)
	countryPattern     = regexp.MustCompile(`^[A-Z]{2}$`)
	caePattern         = regexp.MustCompile(`^[0-9]{11}$`)
	cfeSeriesPattern   = regexp.MustCompile(`^[A-Z]{1,2}$`)
)

// cfeKinds is the document kind each CFE type numbers.
var cfeKinds = map[int]string{101: "ticket", 102: "credit_note", 111: "invoice", 112: "credit_note"}

// text refuses what a fiscal document cannot carry: characters XML cannot hold (controls
// other than tab, LF and CR; U+FFFE, U+FFFF), invalid UTF-8, the "|" that separates the
// cadena original's fields, and more characters than SAT's schema allows.
func (c *checker) text(field, v string, max int) {
	if !utf8.ValidString(v) {
		c.add(field, "is not valid UTF-8")
		return
	}
	n := 0
	for i, r := range v {
		n++
		switch {
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF, r == utf8.RuneError:
			c.add(field, "has the character U+%04X at byte %d, which an XML document cannot carry", r, i)
			return
		case r == '|':
			c.add(field, "has a \"|\", which SAT's schema refuses (it separates the cadena original's fields)")
			return
		}
	}
	if n > max {
		c.add(field, "has %d characters; SAT's schema allows at most %d", n, max)
	}
}

// catalog refuses a code that is not in SAT's catalog; an empty code is left to required.
func (c *checker) catalog(field, v, name string) {
	if v == "" {
		return
	}
	if in, ok := catalogs.SAT(name, v); ok && !in {
		c.add(field, "%q is not in SAT's catalog %s", v, name)
	}
}

// email refuses what is not one plain address (a display name or a list is not one).
func (c *checker) email(field, v string) {
	if v == "" {
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 254 {
		c.add(field, "%q is not an e-mail address", clip(v))
	}
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// Validate checks the whole dataset against itself and what the database knows, and returns
// every problem, in file order.
func Validate(d *Dataset, known Known) []Problem {
	c := &checker{}
	set := func(codes ...string) map[string]bool {
		m := map[string]bool{}
		for _, s := range codes {
			m[s] = true
		}
		return m
	}
	cur, iss, terms, cust, items, whs, ser, ctr := set(), set(), set(), set(), set(), set(), set(), set()
	cfeSeries := set()
	termKind := map[string]string{}
	itemPrice := map[string]decimal.Decimal{}
	generic := map[string]bool{}

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
	rateSeen := set()
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
	uyIssuer := map[string]bool{}
	for i, x := range d.Issuers {
		c.rec = fmt.Sprintf("issuers[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
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
		c.unique(terms, "code", x.Code)
		termKind[x.Code] = x.Kind
	}
	for i, x := range d.Customers {
		c.rec = fmt.Sprintf("customers[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.required("name", x.Name)
		c.text("name", x.Name, 300)
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
		if x.Country != "" && !countryPattern.MatchString(x.Country) {
			c.add("country", "%q is not a two-letter ISO country code", clip(x.Country))
		}
		c.text("address", x.Address, 70)
		c.text("city", x.City, 30)
		c.catalog("fiscal_regime", x.FiscalRegime, "c_RegimenFiscal")
		c.catalog("cfdi_use", x.CFDIUse, "c_UsoCFDI")
		if x.PostalCode != "" && !postalCodePattern.MatchString(x.PostalCode) {
			c.add("postal_code", "%q is not a postal code of 5 digits", clip(x.PostalCode))
		}
		c.email("email", x.Email)
		c.percent("default_discount", x.DefaultDiscount)
		c.ref("payment_terms", x.PaymentTerms, "payment terms", terms, known.PaymentTerms)
		if x.Generic && termKind[x.PaymentTerms] == "credit" {
			c.add("payment_terms", "credit terms are refused for the generic customer")
		}
		if x.InvoicingMethod != "" {
			c.oneOf("invoicing_method", x.InvoicingMethod, rules.MethodCombined, rules.MethodPerOrder)
		}
		c.unique(cust, "code", x.Code)
		generic[x.Code] = x.Generic
	}
	for i, x := range d.Items {
		c.rec = fmt.Sprintf("items[%d] (%s)", i, x.Code)
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
		c.percent("vat_withholding_rate", x.VATWithholdingRate)
		c.percent("isr_withholding_rate", x.ISRWithholdingRate)
		c.unique(items, "code", x.Code)
	}
	for i, x := range d.Warehouses {
		c.rec = fmt.Sprintf("warehouses[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.required("name", x.Name)
		c.unique(whs, "code", x.Code)
	}
	stockSeen := set()
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
	for i, x := range d.Series {
		c.rec = fmt.Sprintf("series[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.text("code", x.Code, 25)
		c.ref("issuer", x.Issuer, "issuer", iss, known.Issuers)
		c.oneOf("document_kind", x.DocumentKind, "invoice", "ticket", "credit_note")
		if x.NextNumber < 0 {
			c.add("next_number", "%d is negative", x.NextNumber)
		}
		if x.MaxLines < 0 {
			c.add("max_lines", "%d is negative", x.MaxLines)
		}
		if x.ClosingDate != "" {
			c.date("closing_date", x.ClosingDate)
		}
		if x.CFEType != 0 {
			if kind, ok := cfeKinds[x.CFEType]; !ok {
				c.add("cfe_type", "%d is not a CFE type billrun issues (101, 102, 111, 112)", x.CFEType)
			} else if kind != x.DocumentKind {
				c.add("cfe_type", "CFE type %d numbers documents of kind %s, not %s", x.CFEType, kind, x.DocumentKind)
			}
			if _, inFile := iss[x.Issuer]; inFile && !uyIssuer[x.Issuer] {
				c.add("cfe_type", "issuer %s is not Uruguayan (country UY): its series number CFDI, not CFE", x.Issuer)
			}
			cfeSeries[x.Code] = true
		}
		c.unique(ser, "code", x.Code)
	}
	caeSeen := set()
	caesBySeries := map[string][]rules.CAE{}
	for i, x := range d.CAEs {
		c.rec = fmt.Sprintf("caes[%d] (%s)", i, x.CAE)
		c.ref("series", x.Series, "series", ser, known.Series)
		if x.Series != "" && !cfeSeries[x.Series] && !known.CFESeries[x.Series] {
			c.add("series", "series %s numbers no CFE (it has no cfe_type)", x.Series)
		}
		if !caePattern.MatchString(x.CAE) {
			c.add("cae", "%q is not a CAE number (11 digits)", clip(x.CAE))
		}
		if !cfeSeriesPattern.MatchString(x.CFESeries) {
			c.add("cfe_series", "%q is not a CFE series (one or two capital letters)", clip(x.CFESeries))
		}
		ok := true
		if x.From < 1 || x.From > x.To || x.To > 9999999 {
			c.add("from", "the range %d–%d is not within 1–9999999, from ≤ to", x.From, x.To)
			ok = false
		}
		expires, dated := c.date("expires", x.Expires)
		c.unique(caeSeen, "series/cae", x.Series+"/"+x.CAE)
		if ok && dated {
			r := rules.CAE{Number: x.CAE, CFESeries: x.CFESeries, First: x.From, Last: x.To, Expires: expires}
			if err := rules.CheckCAERange(r, caesBySeries[x.Series]); err != nil {
				c.add("from", "%s", err.Error())
			}
			caesBySeries[x.Series] = append(caesBySeries[x.Series], r)
		}
	}
	creditSeries := map[string]bool{}
	for _, x := range d.Series {
		if x.DocumentKind == "credit_note" {
			creditSeries[x.Code] = true
		}
	}
	for i, x := range d.Series {
		if x.CreditNoteSeries == "" {
			continue
		}
		c.rec = fmt.Sprintf("series[%d] (%s)", i, x.Code)
		if !creditSeries[x.CreditNoteSeries] && !known.Series[x.CreditNoteSeries] {
			c.add("credit_note_series", "%q is not a series of document kind credit_note", x.CreditNoteSeries)
		}
	}
	orderSeen := set()
	for i, x := range d.Orders {
		c.rec = fmt.Sprintf("orders[%d] (number %d)", i, x.Number)
		if x.Number <= 0 {
			c.add("number", "%d must be positive", x.Number)
		}
		c.unique(orderSeen, "number", fmt.Sprint(x.Number))
		c.ref("customer", x.Customer, "customer", cust, known.Customers)
		c.ref("series", x.Series, "series", ser, known.Series)
		c.ref("warehouse", x.Warehouse, "warehouse", whs, known.Warehouses)
		c.ref("currency", x.Currency, "currency", cur, known.Currencies)
		if x.PaymentTerms != "" {
			c.ref("payment_terms", x.PaymentTerms, "payment terms", terms, known.PaymentTerms)
			if generic[x.Customer] && termKind[x.PaymentTerms] == "credit" {
				c.add("payment_terms", "credit terms are refused for the generic customer")
			}
		}
		c.date("date", x.Date)
		if x.Status != "" {
			c.oneOf("status", x.Status, "draft", "approved", "fulfilled", "cancelled")
		}
		if len(x.Lines) == 0 {
			c.add("lines", "an order needs at least one line")
		}
		rec := c.rec
		for j, l := range x.Lines {
			c.rec = fmt.Sprintf("%s lines[%d]", rec, j)
			c.ref("item", l.Item, "item", items, known.Items)
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
			if l.Price != nil && l.Price.IsNegative() {
				c.add("price", "%s is negative", *l.Price)
			}
			c.quantity("ordered", l.Ordered)
			c.quantity("invoiced", l.Invoiced)
			c.quantity("delivered", l.Delivered)
			if l.ToInvoice != nil {
				c.quantity("to_invoice", *l.ToInvoice)
			}
			price, known := itemPrice[l.Item]
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
	}
	for i, x := range d.Contracts {
		c.rec = fmt.Sprintf("contracts[%d] (%s)", i, x.Number)
		c.required("number", x.Number)
		c.unique(ctr, "number", x.Number)
		c.ref("partner", x.Partner, "customer", cust, known.Customers)
		if x.Payer != "" {
			c.ref("payer", x.Payer, "customer", cust, known.Customers)
		}
		c.ref("series", x.Series, "series", ser, known.Series)
		c.ref("currency", x.Currency, "currency", cur, known.Currencies)
		c.ref("payment_terms", x.PaymentTerms, "payment terms", terms, known.PaymentTerms)
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
	planSeen := set()
	for i, x := range d.BillingPlans {
		c.rec = fmt.Sprintf("billing_plans[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.unique(planSeen, "code", x.Code)
		c.ref("customer", x.Customer, "customer", cust, known.Customers)
		if x.Contract != "" {
			c.ref("contract", x.Contract, "contract", ctr, known.Contracts)
		}
		c.ref("series", x.Series, "series", ser, known.Series)
		c.ref("currency", x.Currency, "currency", cur, known.Currencies)
		c.ref("payment_terms", x.PaymentTerms, "payment terms", terms, known.PaymentTerms)
		if x.Warehouse != "" {
			c.ref("warehouse", x.Warehouse, "warehouse", whs, known.Warehouses)
		}
		if len(x.Dates) > 0 {
			if x.Every != 0 || x.Unit != "" {
				c.add("dates", "give either dates or a periodic rule (every, unit, start, end), not both")
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
		if len(x.Entities) > 0 {
			sum := decimal.Zero
			for j, en := range x.Entities {
				c.rec = fmt.Sprintf("%s entities[%d]", rec, j)
				c.ref("customer", en.Customer, "customer", cust, known.Customers)
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
	}
	kindSeen := set()
	for i, x := range d.DocumentKinds {
		c.rec = fmt.Sprintf("document_kinds[%d] (%s/%s)", i, x.SourceSeries, x.TaxIDKind)
		c.oneOf("tax_id_kind", x.TaxIDKind, "tax_registration", "national_id", "foreign", "generic")
		if x.SourceSeries != "" {
			c.ref("source_series", x.SourceSeries, "series", ser, known.Series)
		}
		c.unique(kindSeen, "source_series/tax_id_kind", x.SourceSeries+"/"+x.TaxIDKind)
		c.oneOf("document_kind", x.DocumentKind, "invoice", "ticket")
		c.ref("series", x.Series, "series", ser, known.Series)
	}
	tplSeen := set()
	for i, x := range d.Templates {
		c.rec = fmt.Sprintf("templates[%d] (%s)", i, x.Name)
		c.required("name", x.Name)
		c.text("name", x.Name, 50)
		c.unique(tplSeen, "name", x.Name)
		if len(x.Sources) == 0 {
			c.add("sources", "name at least one of orders, installments, plans")
		}
		for _, s := range x.Sources {
			c.oneOf("sources", s, "orders", "installments", "plans")
		}
		if x.OrdersFrom < 0 || x.OrdersTo < x.OrdersFrom {
			c.add("orders_to", "%d-%d is not a range of order numbers", x.OrdersFrom, x.OrdersTo)
		}
		if x.Grouping != "" {
			c.oneOf("grouping", x.Grouping, "none", "by-entity", "per-customer")
		}
		if x.Series != "" {
			c.ref("series", x.Series, "series", ser, known.Series)
		}
		if x.FixedSeries && x.Series == "" {
			c.add("fixed_series", "a fixed series needs a series")
		}
	}
	return c.probs
}
