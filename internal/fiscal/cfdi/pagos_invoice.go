package cfdi

import (
	"fmt"
	"strconv"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
)

// FromPayment is the CFDI P of a payment receipt: issued by the invoice's issuer, to the
// receiver the paid invoices name (SAT wants them the same), stating the payment and, for
// each invoice it pays, the part paid with its taxes — read from the invoice's stamped
// document, so the receipt relates exactly what the invoice said.
func FromPayment(inv fiscal.Invoice) (PaymentReceipt, error) {
	r := PaymentReceipt{Serie: inv.Series, Folio: inv.Number, Fecha: inv.IssuedAt.In(mexicoCity).Truncate(time.Second),
		LugarExpedicion: inv.Issuer.PostalCode, Emisor: Emisor{Rfc: inv.Issuer.TaxID, Nombre: inv.Issuer.Name, RegimenFiscal: inv.Issuer.Regime}}
	if len(inv.Payments) == 0 {
		return r, fmt.Errorf("payment receipt %s-%d states no payment", inv.Series, inv.Number)
	}
	for _, p := range inv.Payments {
		x, re, err := pagoOf(p, r.Fecha)
		if err != nil {
			return r, err
		}
		if len(r.Pagos) == 0 {
			r.Receptor = re
		} else if re.Rfc != r.Receptor.Rfc {
			return r, fmt.Errorf("payment receipt %s-%d states payments of two receivers (%s, %s)", inv.Series, inv.Number, r.Receptor.Rfc, re.Rfc)
		}
		r.Pagos = append(r.Pagos, x)
	}
	return r, nil
}

// pagoOf is one payment's Pago, and the receiver of the invoices it pays.
func pagoOf(p fiscal.Payment, fecha time.Time) (Payment, Receptor, error) {
	var re Receptor
	if len(p.Paid) == 0 {
		return Payment{}, re, fmt.Errorf("a payment of %s pays no invoice", p.PaidOn.Format(time.DateOnly))
	}
	rate := p.Rate
	if p.Currency == "MXN" || rate.IsZero() {
		rate = decimal.NewFromInt(1)
	}
	// The day paid at noon, as receipts without the hour commonly say it — but never after
	// the receipt itself (a payment of today, its receipt issued in the morning).
	paidAt := time.Date(p.PaidOn.Year(), p.PaidOn.Month(), p.PaidOn.Day(), 12, 0, 0, 0, time.UTC)
	if issued := time.Date(fecha.Year(), fecha.Month(), fecha.Day(), fecha.Hour(), fecha.Minute(), fecha.Second(), 0, time.UTC); paidAt.After(issued) {
		paidAt = issued
	}
	out := Payment{FechaPago: paidAt, FormaDePagoP: p.Form, MonedaP: p.Currency, Decimals: p.Decimals, TipoCambioP: rate, Monto: p.Amount}
	for i, x := range p.Paid {
		doc := etree.NewDocument()
		if err := doc.ReadFromString(x.XML); err != nil {
			return out, re, fmt.Errorf("the paid invoice's document: %w", err)
		}
		d, r, err := paidDocument(doc.Root(), x, rate)
		if err != nil {
			return out, re, err
		}
		if i == 0 {
			re = r
		}
		out.Documentos = append(out.Documentos, d)
	}
	return out, re, nil
}

// paidDocument reads a stamped invoice into the DoctoRelacionado of the part paid, with its
// taxes summed by tax and rate from its concepts (the document's own Retenciones carry no
// base or rate), and its receiver.
func paidDocument(root *etree.Element, x fiscal.PaidInvoice, payRate decimal.Decimal) (PaidDocument, Receptor, error) {
	var d PaidDocument
	if root == nil || root.Tag != "Comprobante" {
		return d, Receptor{}, fmt.Errorf("the paid invoice's document is not a CFDI")
	}
	for _, tfd := range root.FindElements("./Complemento/TimbreFiscalDigital") {
		d.UUID = tfd.SelectAttrValue("UUID", "")
	}
	if d.UUID == "" {
		return d, Receptor{}, fmt.Errorf("invoice %s-%s is not stamped: its payment's receipt relates to its folio fiscal", root.SelectAttrValue("Serie", ""), root.SelectAttrValue("Folio", ""))
	}
	d.Serie = root.SelectAttrValue("Serie", "")
	d.Folio, _ = strconv.ParseInt(root.SelectAttrValue("Folio", "0"), 10, 64)
	d.MonedaDR = root.SelectAttrValue("Moneda", "MXN")
	d.Decimals = 2
	d.Total, _ = decimal.NewFromString(root.SelectAttrValue("Total", "0"))
	drRate := x.Rate
	if d.MonedaDR == "MXN" || drRate.IsZero() {
		drRate = decimal.NewFromInt(1)
	}
	d.EquivalenciaDR = Equivalencia(drRate, payRate)
	d.NumParcialidad, d.SaldoAnt, d.Pagado = x.Parcialidad, x.SaldoAnt.Round(d.Decimals), x.Paid.Round(d.Decimals)
	var tr, ret taxSums
	for _, con := range children(root, "Conceptos", "Concepto") {
		for _, t := range children(con, "Impuestos", "Traslados", "Traslado") {
			tr.add(taxOf(t))
		}
		for _, t := range children(con, "Impuestos", "Retenciones", "Retencion") {
			ret.add(taxOf(t))
		}
	}
	d.Traslados, d.Retenciones = tr.list(), ret.list()
	re := Receptor{}
	for _, e := range children(root, "Receptor") {
		re = Receptor{Rfc: e.SelectAttrValue("Rfc", ""), Nombre: e.SelectAttrValue("Nombre", ""),
			DomicilioFiscal: e.SelectAttrValue("DomicilioFiscalReceptor", ""), RegimenFiscal: e.SelectAttrValue("RegimenFiscalReceptor", ""),
			ResidenciaFiscal: e.SelectAttrValue("ResidenciaFiscal", ""), NumRegIdTrib: e.SelectAttrValue("NumRegIdTrib", "")}
	}
	return d, re, nil
}

// taxOf reads a concept's Traslado or Retencion.
func taxOf(e *etree.Element) Tax {
	num := func(name string) decimal.Decimal {
		v, _ := decimal.NewFromString(e.SelectAttrValue(name, "0"))
		return v
	}
	return Tax{Impuesto: e.SelectAttrValue("Impuesto", ""), Factor: e.SelectAttrValue("TipoFactor", Tasa), Base: num("Base"), Rate: num("TasaOCuota"), Importe: num("Importe")}
}

// list is the sums in the order first seen.
func (s taxSums) list() []Tax {
	out := make([]Tax, 0, len(s.keys))
	for _, k := range s.keys {
		rate, _ := decimal.NewFromString(k.rate)
		out = append(out, Tax{Impuesto: k.impuesto, Factor: k.factor, Rate: rate, Base: s.sums[k].base, Importe: s.sums[k].importe})
	}
	return out
}
