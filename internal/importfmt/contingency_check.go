package importfmt

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/rules"
)

// CheckContingency checks every document of a contingency file against what is stored and
// prices its lines: every mistake is a problem naming its record and field, and with any
// problem nothing is written. A document recorded already from the same record is marked
// Recorded (imported again, it is recorded once); the same number with other content, or
// twice in the file, is refused.
func CheckContingency(f *ContingencyFile, k ContingencyKnown) ([]ContingencyRecord, []Problem) {
	c := &checker{}
	seen := map[ContingencyID]bool{}
	var out []ContingencyRecord
	for i, d := range f.Documents {
		c.rec = fmt.Sprintf("contingency_documents[%d] (%d %s %d)", i, d.CFEType, d.CFESeries, d.Number)
		r, ok := checkContingencyHead(c, d, k)
		if !ok {
			continue
		}
		r.Name = c.rec
		key := ContingencyID{r.Issuer, d.CFEType, d.CFESeries, d.Number}
		if seen[key] {
			c.add("number", "%d %s %d appears twice in the file", d.CFEType, d.CFESeries, d.Number)
			continue
		}
		seen[key] = true
		if prev, found := k.Recorded[key]; found {
			if prev != r.Fingerprint {
				c.add("number", "%d %s %d of issuer %s is recorded already, with other content: a contingency number is used once", d.CFEType, d.CFESeries, d.Number, r.Issuer)
				continue
			}
			r.Recorded = true
		}
		if checkContingencyLines(c, d, k, &r) {
			out = append(out, r)
		}
	}
	return out, c.probs
}

// checkContingencyHead checks what a document is and whom it bills: its series, number
// within its CAE, date, customer, currency and terms, its reference.
func checkContingencyHead(c *checker, d ContingencyDocument, k ContingencyKnown) (ContingencyRecord, bool) {
	r := ContingencyRecord{Series: d.Series, CFEType: d.CFEType, CFESeries: d.CFESeries, Number: d.Number,
		Customer: d.Customer, Currency: d.Currency, PaymentTerms: d.PaymentTerms, Rate: decimal.NewFromInt(1), Fingerprint: fingerprint(d)}
	before := len(c.probs)
	s, ok := k.Series[d.Series]
	switch {
	case d.Series == "":
		c.add("series", "is required")
	case !ok:
		c.add("series", "unknown series %q", d.Series)
	case s.Country != "UY":
		c.add("series", "series %s is of issuer %s, not a Uruguayan one", d.Series, s.Issuer)
	}
	r.Issuer = s.Issuer
	date, dated := c.date("date", d.Date)
	r.Date = date
	if ok && s.Country == "UY" && dated {
		cae, err := rules.CheckContingencyNumber(s.CFEType, d.CFEType, d.CFESeries, d.Number, date, d.CAE, k.CAEs[d.Series])
		fieldProblem(c, err)
		r.CAEID = cae.ID
	}
	cust, ok := k.Customers[d.Customer]
	if !ok {
		c.ref("customer", d.Customer, "customer")
	}
	if r.PaymentTerms == "" {
		r.PaymentTerms = cust.PaymentTerms
	}
	terms, termsOK := k.Terms[r.PaymentTerms]
	if ok && !termsOK {
		c.add("payment_terms", "unknown payment terms %q", r.PaymentTerms)
	}
	if _, known := k.Currencies[d.Currency]; !known {
		c.ref("currency", d.Currency, "currency")
	}
	if d.Rate != nil {
		r.Rate = *d.Rate
	}
	if !r.Rate.IsPositive() || (d.Currency == "UYU" && !r.Rate.Equal(decimal.NewFromInt(1))) {
		c.add("rate", "%s is not the document's exchange rate (pesos per unit, 1 for UYU)", r.Rate)
	}
	c.decimals("rate", r.Rate, 3)
	r.Reference, r.RefDate = d.Reference, checkContingencyReference(c, d)
	if termsOK && ok && !rules.IsContingencyCredit(d.CFEType) {
		rec, posts, err := rules.ReceivableFor(terms.Kind, terms.Days, cust.Generic, date)
		if err != nil {
			c.add("payment_terms", "%s", err.Error())
		} else if posts {
			r.Receivable = &rec
		}
	}
	return r, len(c.probs) == before
}

// checkContingencyReference checks a note's reference (required) and that a document that
// is not a note has none.
func checkContingencyReference(c *checker, d ContingencyDocument) *time.Time {
	t, known := rules.ContingencyTypes[d.CFEType]
	ref := d.Reference
	switch {
	case !known:
		return nil
	case !t.Note && ref != nil:
		c.add("reference", "a %s corrects no CFE: only its notes have a reference", t.Name)
		return nil
	case t.Note && ref == nil:
		c.add("reference", "a %s names the CFE it corrects (cfe_type, cfe_series, number, date)", t.Name)
		return nil
	case ref == nil:
		return nil
	}
	corrects := 111 // an e-Factura's notes correct an e-Factura, electronic or contingency
	if d.CFEType < 210 {
		corrects = 101
	}
	if ref.CFEType != corrects && ref.CFEType != corrects+100 {
		c.add("reference.cfe_type", "%d is not a document a %s corrects", ref.CFEType, t.Name)
	}
	if !cfeSeriesPattern.MatchString(ref.CFESeries) {
		c.add("reference.cfe_series", "%q is not a CFE series (one or two capital letters)", clip(ref.CFESeries))
	}
	if ref.Number < 1 || ref.Number > 9999999 {
		c.add("reference.number", "%d is not a CFE number (1-9999999)", ref.Number)
	}
	c.text("reference.reason", ref.Reason, 50)
	date, ok := c.date("reference.date", ref.Date)
	if !ok {
		return nil
	}
	return &date
}

// checkContingencyLines prices the lines (rounded per line, as billrun prices) and holds
// the amounts the paper states to them.
func checkContingencyLines(c *checker, d ContingencyDocument, k ContingencyKnown, r *ContingencyRecord) bool {
	before := len(c.probs)
	if len(d.Lines) == 0 {
		c.add("lines", "a document has at least one line")
	}
	decimals := k.Currencies[d.Currency]
	var priced []rules.LineAmounts
	for i, l := range d.Lines {
		field := func(f string) string { return fmt.Sprintf("lines[%d].%s", i, f) }
		desc, ok := k.Items[l.Item]
		if !ok {
			c.ref(field("item"), l.Item, "item")
			continue
		}
		if l.Description != "" {
			desc = l.Description
		}
		c.text(field("description"), desc, 80)
		if !l.VATRate.IsZero() && !l.VATRate.Equal(decimal.NewFromInt(10)) && !l.VATRate.Equal(decimal.NewFromInt(22)) {
			c.add(field("vat_rate"), "%s%% is not one of DGI's rates (0 exempt, 10, 22)", l.VATRate)
			continue
		}
		c.decimals(field("quantity"), l.Quantity, 3)
		c.decimals(field("price"), l.Price, 6)
		rate := l.VATRate
		a, err := rules.PriceLine(rules.LineInput{Item: l.Item, Quantity: l.Quantity, UnitPrice: l.Price, DiscountPct: l.Discount,
			Tax: rules.TaxProfile{VATRate: &rate}}, decimals, rules.PricingPolicy{})
		if err != nil {
			c.add(field("quantity"), "%s", err.Error())
			continue
		}
		priced = append(priced, a)
		r.Lines = append(r.Lines, ContingencyLineAmounts{Item: l.Item, Description: desc, Quantity: l.Quantity, Price: l.Price, Amounts: a})
	}
	if len(c.probs) > before {
		return false
	}
	stated := make([]rules.RateAmount, len(d.Amounts))
	for i, a := range d.Amounts {
		stated[i] = rules.RateAmount{VATRate: a.VATRate, Net: a.Net, VAT: a.VAT}
	}
	fieldProblem(c, rules.CheckContingencyAmounts(priced, stated))
	r.Totals = rules.SumLines(priced)
	return len(c.probs) == before
}

// fieldProblem adds a rule's refusal under the field it names.
func fieldProblem(c *checker, err error) {
	var fe *rules.FieldError
	switch {
	case err == nil:
	case errors.As(err, &fe):
		c.add(fe.Field, "%s", fe.Reason)
	default:
		c.add("record", "%s", err.Error())
	}
}
