package cfdi

import (
	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// Taxes are the payment's taxes (its ImpuestosP): its documents' taxes of the part paid,
// summed by tax and rate in the order first seen, each converted to the payment's currency
// (÷ EquivalenciaDR) and rounded to it.
func (p Payment) Taxes() (traslados, retenciones []Tax) {
	var tr, ret taxSums
	for _, d := range p.Documentos {
		t, r := d.PaidTaxes()
		for _, x := range nonZero(t) {
			// SAT's guide: BaseP and ImporteP are the BaseDR and ImporteDR ÷ EquivalenciaDR,
			// grouped by tax, factor and rate or quota — a quota's base (units) too.
			tr.add(Tax{Impuesto: x.Impuesto, Factor: x.Factor, Rate: x.Rate, Base: d.inPaymentCurrency(x.Base), Importe: d.inPaymentCurrency(x.Importe)})
		}
		for _, x := range nonZero(r) {
			ret.add(Tax{Impuesto: x.Impuesto, Rate: x.Rate, Base: d.inPaymentCurrency(x.Base), Importe: d.inPaymentCurrency(x.Importe)})
		}
	}
	round := func(s taxSums, byImpuesto bool) []Tax {
		if byImpuesto { // RetencionP is by tax alone
			var once taxSums
			for _, k := range s.keys {
				once.add(Tax{Impuesto: k.impuesto, Base: s.sums[k].base, Importe: s.sums[k].importe})
			}
			s = once
		}
		out := make([]Tax, 0, len(s.keys))
		for _, k := range s.keys {
			rate, _ := decimal.NewFromString(k.rate)
			out = append(out, Tax{Impuesto: k.impuesto, Factor: k.factor, Rate: rate, Base: s.sums[k].base.Round(p.Decimals), Importe: s.sums[k].importe.Round(p.Decimals)})
		}
		return out
	}
	return round(tr, false), round(ret, true)
}

// Totals are the receipt's pago20:Totales, in MXN: the payments' amounts and their VAT by
// rate and withholdings by tax, each payment's at its TipoCambioP.
type Totals struct {
	RetencionesIVA, RetencionesISR, RetencionesIEPS                          decimal.Decimal
	BaseIVA16, ImpuestoIVA16, BaseIVA8, ImpuestoIVA8, BaseIVA0, ImpuestoIVA0 decimal.Decimal
	BaseIVAExento                                                            decimal.Decimal
	has                                                                      map[string]bool
	MontoTotalPagos                                                          decimal.Decimal
}

// ReceiptTotals sums the payments into the receipt's Totales.
func ReceiptTotals(pagos []Payment) Totals {
	t := Totals{has: map[string]bool{}}
	for _, p := range pagos {
		rate := decimal.NewFromInt(1)
		if p.MonedaP != "MXN" && !p.TipoCambioP.IsZero() {
			rate = p.TipoCambioP
		}
		mxn := func(x decimal.Decimal) decimal.Decimal { return x.Mul(rate) }
		t.MontoTotalPagos = t.MontoTotalPagos.Add(mxn(p.Monto.Round(p.Decimals))) // the Monto as written
		tr, ret := p.Taxes()
		for _, x := range ret {
			switch x.Impuesto {
			case IVA:
				t.RetencionesIVA, t.has["RetIVA"] = t.RetencionesIVA.Add(mxn(x.Importe)), true
			case ISR:
				t.RetencionesISR, t.has["RetISR"] = t.RetencionesISR.Add(mxn(x.Importe)), true
			case IEPS:
				t.RetencionesIEPS, t.has["RetIEPS"] = t.RetencionesIEPS.Add(mxn(x.Importe)), true
			}
		}
		for _, x := range tr {
			if x.Impuesto != IVA {
				continue // Totales sums VAT only
			}
			if x.TipoFactor() == Exento {
				t.BaseIVAExento, t.has["IVAExento"] = t.BaseIVAExento.Add(mxn(x.Base)), true
				continue
			}
			switch x.Rate.StringFixed(6) {
			case "0.160000":
				t.BaseIVA16, t.ImpuestoIVA16, t.has["IVA16"] = t.BaseIVA16.Add(mxn(x.Base)), t.ImpuestoIVA16.Add(mxn(x.Importe)), true
			case "0.080000":
				t.BaseIVA8, t.ImpuestoIVA8, t.has["IVA8"] = t.BaseIVA8.Add(mxn(x.Base)), t.ImpuestoIVA8.Add(mxn(x.Importe)), true
			case "0.000000":
				t.BaseIVA0, t.ImpuestoIVA0, t.has["IVA0"] = t.BaseIVA0.Add(mxn(x.Base)), t.ImpuestoIVA0.Add(mxn(x.Importe)), true
			}
		}
	}
	return t
}

// totales writes pago20:Totales, in SAT's order, to two decimals (MXN); a total only when
// some payment has that tax.
func totales(e *etree.Element, pagos []Payment) {
	t := ReceiptTotals(pagos)
	put := func(name string, x decimal.Decimal, has bool) {
		if has {
			e.CreateAttr(name, x.StringFixed(2))
		}
	}
	put("TotalRetencionesIVA", t.RetencionesIVA, t.has["RetIVA"])
	put("TotalRetencionesISR", t.RetencionesISR, t.has["RetISR"])
	put("TotalRetencionesIEPS", t.RetencionesIEPS, t.has["RetIEPS"])
	put("TotalTrasladosBaseIVA16", t.BaseIVA16, t.has["IVA16"])
	put("TotalTrasladosImpuestoIVA16", t.ImpuestoIVA16, t.has["IVA16"])
	put("TotalTrasladosBaseIVA8", t.BaseIVA8, t.has["IVA8"])
	put("TotalTrasladosImpuestoIVA8", t.ImpuestoIVA8, t.has["IVA8"])
	put("TotalTrasladosBaseIVA0", t.BaseIVA0, t.has["IVA0"])
	put("TotalTrasladosImpuestoIVA0", t.ImpuestoIVA0, t.has["IVA0"])
	put("TotalTrasladosBaseIVAExento", t.BaseIVAExento, t.has["IVAExento"])
	put("MontoTotalPagos", t.MontoTotalPagos, true)
}
