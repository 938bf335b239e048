package importfmt

import (
	"billrun/internal/rules"
	"fmt"
	"slices"
)

// Validation of the numbering: series, CAEs, credit note series, document kinds and templates.

// checkSeries checks the series.
func (v *validation) checkSeries() {
	c := v.checker
	iss, ser, cfeSeries, uyIssuer, known, d := v.iss, v.ser, v.cfeSeries, v.uyIssuer, v.known, v.d
	for i, x := range d.Series {
		c.rec = fmt.Sprintf("series[%d] (%s)", i, x.Code)
		c.required("code", x.Code)
		c.text("code", x.Code, 25)
		c.ref("issuer", x.Issuer, "issuer", iss, known.Issuers)
		c.oneOf("document_kind", x.DocumentKind, "invoice", "ticket", "credit_note", "payment_receipt", "global_invoice", "contingency")
		if x.NextNumber < 0 {
			c.add("next_number", "%d is negative", x.NextNumber)
		}
		if x.MaxLines < 0 {
			c.add("max_lines", "%d is negative", x.MaxLines)
		}
		if x.ClosingDate != "" {
			c.date("closing_date", x.ClosingDate)
		}
		if x.DocumentKind == "contingency" {
			v.contingency[x.Code] = true
		}
		if x.DocumentKind == "contingency" && x.CFEType == 0 {
			c.add("cfe_type", "a contingency series has its contingency CFE type (201-203, 211-213)")
		}
		if x.CFEType != 0 {
			if kind, ok := cfeKinds[x.CFEType]; !ok {
				c.add("cfe_type", "%d is not a CFE type billrun issues (101, 102, 111, 112; contingency 201-203, 211-213)", x.CFEType)
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
}

// checkCaes checks the CAEs.
func (v *validation) checkCaes() {
	c := v.checker
	ser, cfeSeries, known, d := v.ser, v.cfeSeries, v.known, v.d
	caeSeen := newSet()
	caesBySeries := map[string][]rules.CAE{} // the stored ones, then the file's
	for series, stored := range known.CAEs {
		caesBySeries[series] = slices.Clone(stored)
	}
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
}

// checkCreditSeries checks the series' credit note and payment receipt series.
func (v *validation) checkCreditSeries() {
	c := v.checker
	known, d := v.known, v.d
	kinds, issuers := map[string]string{}, map[string]string{}
	for code, issuer := range known.SeriesIssuers {
		issuers[code] = issuer
	}
	for _, x := range d.Series {
		kinds[x.Code], issuers[x.Code] = x.DocumentKind, x.Issuer
	}
	for i, x := range d.Series {
		c.rec = fmt.Sprintf("series[%d] (%s)", i, x.Code)
		if x.CreditNoteSeries != "" && kinds[x.CreditNoteSeries] != "credit_note" && !known.Series[x.CreditNoteSeries] {
			c.add("credit_note_series", "%q is not a series of document kind credit_note", x.CreditNoteSeries)
		}
		if x.PaymentReceiptSeries != "" && kinds[x.PaymentReceiptSeries] != "payment_receipt" && !known.Series[x.PaymentReceiptSeries] {
			c.add("payment_receipt_series", "%q is not a series of document kind payment_receipt", x.PaymentReceiptSeries)
		}
		if x.GlobalInvoiceSeries != "" {
			if x.DocumentKind != "ticket" && x.DocumentKind != "invoice" || x.CFEType != 0 {
				c.add("global_invoice_series", "only a Mexican ticket or invoice series' sales to the general public go in a global invoice, not a series of kind %s (CFE type %d)", x.DocumentKind, x.CFEType)
			}
			if kinds[x.GlobalInvoiceSeries] != "global_invoice" && !known.Series[x.GlobalInvoiceSeries] {
				c.add("global_invoice_series", "%q is not a series of document kind global_invoice", x.GlobalInvoiceSeries)
			} else if gi, ok := issuers[x.GlobalInvoiceSeries]; ok && gi != x.Issuer {
				c.add("global_invoice_series", "%q is issuer %s's series, not %s's: a global invoice carries its own issuer's sales", x.GlobalInvoiceSeries, gi, x.Issuer)
			}
		}
	}
}

// checkDocumentKinds checks the document kinds.
func (v *validation) checkDocumentKinds() {
	c := v.checker
	ser, known, d := v.ser, v.known, v.d
	kindSeen := newSet()
	for i, x := range d.DocumentKinds {
		c.rec = fmt.Sprintf("document_kinds[%d] (%s/%s)", i, x.SourceSeries, x.TaxIDKind)
		c.oneOf("tax_id_kind", x.TaxIDKind, "tax_registration", "national_id", "foreign", "generic")
		if x.SourceSeries != "" {
			c.ref("source_series", x.SourceSeries, "series", ser, known.Series)
		}
		c.unique(kindSeen, "source_series/tax_id_kind", x.SourceSeries+"/"+x.TaxIDKind)
		c.oneOf("document_kind", x.DocumentKind, "invoice", "ticket")
		c.ref("series", x.Series, "series", ser, known.Series)
		v.billedIn("series", x.Series)
	}
}

// checkTemplates checks the templates.
func (v *validation) checkTemplates() {
	c := v.checker
	ser, known, d := v.ser, v.known, v.d
	tplSeen := newSet()
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
			c.oneOf("grouping", x.Grouping, "none", "by-entity", "per-customer", "per-line")
		}
		if x.Series != "" {
			c.ref("series", x.Series, "series", ser, known.Series)
			v.billedIn("series", x.Series)
		}
		if x.FixedSeries && x.Series == "" {
			c.add("fixed_series", "a fixed series needs a series")
		}
	}
}
