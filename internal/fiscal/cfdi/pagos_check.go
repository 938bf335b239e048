package cfdi

import (
	"fmt"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// CheckPagos checks what SAT's schema cannot of a pago20:Pagos complement: that Totales are
// the sums of the payments' amounts and taxes at their TipoCambioP, and that no payment
// pays its documents more than its Monto (each ImpPagado ÷ EquivalenciaDR, to the cent),
// and that each tax states what its TipoFactor asks (checkPaidFactors).
func CheckPagos(pagos *etree.Element) []string {
	var probs []string
	num := func(e *etree.Element, name string) decimal.Decimal {
		v, _ := decimal.NewFromString(e.SelectAttrValue(name, "0"))
		return v
	}
	sums := map[string]decimal.Decimal{}
	for i, pago := range pagosChildren(pagos, "Pago") {
		rate := num(pago, "TipoCambioP")
		if rate.IsZero() {
			rate = decimal.NewFromInt(1)
		}
		monto := num(pago, "Monto")
		sums["MontoTotalPagos"] = sums["MontoTotalPagos"].Add(monto.Mul(rate))
		paid := decimal.Zero
		for _, d := range pagosChildren(pago, "DoctoRelacionado") {
			eq := num(d, "EquivalenciaDR")
			if eq.IsZero() {
				eq = decimal.NewFromInt(1)
			}
			paid = paid.Add(num(d, "ImpPagado").Div(eq))
		}
		if paid.Round(2).GreaterThan(monto) {
			probs = append(probs, fmt.Sprintf("Pago[%d]: its documents are paid %s, more than its Monto %s", i+1, paid.Round(2), monto))
		}
		for _, r := range pagosChildren(pago, "ImpuestosP", "RetencionesP", "RetencionP") {
			k := map[string]string{IVA: "TotalRetencionesIVA", ISR: "TotalRetencionesISR", IEPS: "TotalRetencionesIEPS"}[r.SelectAttrValue("ImpuestoP", "")]
			sums[k] = sums[k].Add(num(r, "ImporteP").Mul(rate))
		}
		for _, tr := range pagosChildren(pago, "ImpuestosP", "TrasladosP", "TrasladoP") {
			if tr.SelectAttrValue("ImpuestoP", "") != IVA {
				continue
			}
			if tr.SelectAttrValue("TipoFactorP", "") == Exento {
				sums["TotalTrasladosBaseIVAExento"] = sums["TotalTrasladosBaseIVAExento"].Add(num(tr, "BaseP").Mul(rate))
				continue
			}
			rateName := map[string]string{"0.160000": "16", "0.080000": "8", "0.000000": "0"}[tr.SelectAttrValue("TasaOCuotaP", "")]
			if rateName == "" {
				continue
			}
			sums["TotalTrasladosBaseIVA"+rateName] = sums["TotalTrasladosBaseIVA"+rateName].Add(num(tr, "BaseP").Mul(rate))
			sums["TotalTrasladosImpuestoIVA"+rateName] = sums["TotalTrasladosImpuestoIVA"+rateName].Add(num(tr, "ImporteP").Mul(rate))
		}
	}
	probs = append(probs, checkPaidFactors(pagos)...)
	for _, t := range pagosChildren(pagos, "Totales") {
		for _, f := range pagosTotalesFields {
			want, has := sums[f.name]
			got := t.SelectAttr(f.name)
			switch {
			case got == nil && has:
				probs = append(probs, fmt.Sprintf("Totales: %s missing; the payments sum %s", f.name, want.StringFixed(2)))
			case got != nil && !num(t, f.name).Equal(want.Round(2)):
				probs = append(probs, fmt.Sprintf("Totales: %s is %s; the payments sum %s", f.name, got.Value, want.StringFixed(2)))
			}
		}
	}
	return probs
}

// checkPaidFactors holds each TrasladoDR and TrasladoP to its TipoFactor, as Pagos 2.0's
// rules say: an Exento one has no TasaOCuota and no Importe, a Tasa or Cuota one has both,
// and only IEPS goes by Cuota.
func checkPaidFactors(pagos *etree.Element) []string {
	var probs []string
	check := func(where, suffix string, t *etree.Element) {
		f, imp := t.SelectAttrValue("TipoFactor"+suffix, ""), t.SelectAttrValue("Impuesto"+suffix, "")
		hasRate, hasImporte := t.SelectAttr("TasaOCuota"+suffix) != nil, t.SelectAttr("Importe"+suffix) != nil
		switch {
		case f == Exento && (hasRate || hasImporte):
			probs = append(probs, fmt.Sprintf("%s of %s is Exento and states a TasaOCuota%s or Importe%s", where, imp, suffix, suffix))
		case f != Exento && (!hasRate || !hasImporte):
			probs = append(probs, fmt.Sprintf("%s of %s is %s without its TasaOCuota%s and Importe%s", where, imp, f, suffix, suffix))
		case f == Cuota && imp != IEPS:
			probs = append(probs, fmt.Sprintf("%s of %s is by Cuota: only IEPS is", where, imp))
		}
	}
	for i, pago := range pagosChildren(pagos, "Pago") {
		for _, t := range pagosChildren(pago, "DoctoRelacionado", "ImpuestosDR", "TrasladosDR", "TrasladoDR") {
			check(fmt.Sprintf("Pago[%d] TrasladoDR", i+1), "DR", t)
		}
		for _, t := range pagosChildren(pago, "ImpuestosP", "TrasladosP", "TrasladoP") {
			check(fmt.Sprintf("Pago[%d] TrasladoP", i+1), "P", t)
		}
	}
	return probs
}
