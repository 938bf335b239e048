package cfdi

import (
	"fmt"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// CheckRules checks SAT's rules on a CFDI that its schema cannot, for what billrun writes
// of tax factors and exports (Anexo 20's guide and its validation matrix):
//   - a Traslado Exento has a Base and no TasaOCuota or Importe; a Tasa or Cuota has both;
//     only IEPS goes by Cuota (c_TasaOCuota has no VAT or ISR by quota); a withholding is
//     never exempt;
//   - the document's Traslados are its concepts' grouped by Impuesto, TipoFactor and
//     TasaOCuota, each group once, its Base and Importe the sums; TotalImpuestosTrasladados
//     is the sum of the Tasa and Cuota groups' Importe, absent when every one is Exento;
//   - a receiver of SAT's foreign RFC (XEXX010101000) has the issuer's postal code as its
//     DomicilioFiscalReceptor, régimen 616, UsoCFDI S01 (CP01 on a payment receipt), and a
//     ResidenciaFiscal other than MEX when it states its NumRegIdTrib;
//   - Exportacion 02 (definitive export) is for a foreign receiver that states both its
//     ResidenciaFiscal and NumRegIdTrib, on an ingreso or egreso; a payment receipt is 01.
//
// It does not check the Comercio Exterior complement SAT requires with Exportacion 02:
// billrun does not write it (see the README).
func CheckRules(root *etree.Element) []string {
	if root == nil {
		return []string{"no Comprobante"}
	}
	probs := checkFactors(root)
	probs = append(probs, checkTrasladoTotals(root)...)
	return append(probs, checkReceiver(root)...)
}

func checkFactors(root *etree.Element) []string {
	var probs []string
	for i, con := range children(root, "Conceptos", "Concepto") {
		where := fmt.Sprintf("Concepto[%d]", i+1)
		for _, t := range children(con, "Impuestos", "Traslados", "Traslado") {
			probs = append(probs, factorProblems(where+" Traslado", t)...)
		}
		for _, t := range children(con, "Impuestos", "Retenciones", "Retencion") {
			if f := t.SelectAttrValue("TipoFactor", ""); f == Exento {
				probs = append(probs, where+" Retencion: a withholding cannot be Exento")
			}
		}
	}
	for _, t := range children(root, "Impuestos", "Traslados", "Traslado") {
		probs = append(probs, factorProblems("Impuestos Traslado", t)...)
	}
	return probs
}

// factorProblems are a Traslado's attributes its TipoFactor forbids or requires.
func factorProblems(where string, t *etree.Element) []string {
	var probs []string
	f, imp := t.SelectAttrValue("TipoFactor", ""), t.SelectAttrValue("Impuesto", "")
	hasRate, hasImporte := t.SelectAttr("TasaOCuota") != nil, t.SelectAttr("Importe") != nil
	switch {
	case f == Exento && (hasRate || hasImporte):
		probs = append(probs, fmt.Sprintf("%s of %s is Exento and states a TasaOCuota or Importe", where, imp))
	case f != Exento && (!hasRate || !hasImporte):
		probs = append(probs, fmt.Sprintf("%s of %s is %s without its TasaOCuota and Importe", where, imp, f))
	}
	if f == Cuota && imp != IEPS {
		probs = append(probs, fmt.Sprintf("%s of %s is by Cuota: only IEPS is", where, imp))
	}
	return probs
}

// checkTrasladoTotals holds the document's Traslados to its concepts', grouped.
func checkTrasladoTotals(root *etree.Element) []string {
	var want taxSums
	for _, t := range children(root, "Conceptos", "Concepto", "Impuestos", "Traslados", "Traslado") {
		want.add(taxOf(t))
	}
	var probs []string
	seen := map[taxKey]bool{}
	total, charged := decimal.Zero, false
	for _, t := range children(root, "Impuestos", "Traslados", "Traslado") {
		x := taxOf(t)
		k := taxKey{x.Impuesto, x.TipoFactor(), t.SelectAttrValue("TasaOCuota", "")}
		if n, err := decimal.NewFromString(k.rate); err == nil {
			k.rate = n.StringFixed(6)
		}
		s := want.sums[k]
		switch {
		case seen[k]:
			probs = append(probs, fmt.Sprintf("Impuestos: the Traslado of %s %s %s appears twice", k.impuesto, k.factor, k.rate))
		case s == nil:
			probs = append(probs, fmt.Sprintf("Impuestos: a Traslado of %s %s %s no concept has", k.impuesto, k.factor, k.rate))
		case !s.base.Equal(x.Base) || !s.importe.Equal(x.Importe):
			probs = append(probs, fmt.Sprintf("Impuestos: the Traslado of %s %s %s is %s on %s; its concepts' sum %s on %s",
				k.impuesto, k.factor, k.rate, x.Importe, x.Base, s.importe, s.base))
		}
		seen[k] = true
		if k.factor != Exento {
			total, charged = total.Add(x.Importe), true
		}
	}
	for _, k := range want.keys {
		if !seen[k] {
			probs = append(probs, fmt.Sprintf("Impuestos: no Traslado of %s %s %s, which its concepts have", k.impuesto, k.factor, k.rate))
		}
	}
	var stated *etree.Attr
	for _, imp := range children(root, "Impuestos") {
		stated = imp.SelectAttr("TotalImpuestosTrasladados")
	}
	switch {
	case stated == nil && charged:
		probs = append(probs, "Impuestos: TotalImpuestosTrasladados missing")
	case stated != nil && !charged:
		probs = append(probs, "Impuestos: TotalImpuestosTrasladados stated with no Tasa or Cuota traslado")
	case stated != nil && !mustDecimal(stated.Value).Equal(total):
		probs = append(probs, fmt.Sprintf("Impuestos: TotalImpuestosTrasladados %s; its Traslados sum %s", stated.Value, total))
	}
	return probs
}

func mustDecimal(s string) decimal.Decimal {
	d, _ := decimal.NewFromString(s)
	return d
}

// checkReceiver holds a foreign receiver and an export to SAT's rules.
func checkReceiver(root *etree.Element) []string {
	var probs []string
	tipo, exp := root.SelectAttrValue("TipoDeComprobante", ""), root.SelectAttrValue("Exportacion", "")
	for _, r := range children(root, "Receptor") {
		foreign := r.SelectAttrValue("Rfc", "") == RFCForeign
		res, num := r.SelectAttrValue("ResidenciaFiscal", ""), r.SelectAttrValue("NumRegIdTrib", "")
		use := "S01"
		if tipo == "P" {
			use = "CP01"
		}
		switch {
		case foreign && r.SelectAttrValue("DomicilioFiscalReceptor", "") != root.SelectAttrValue("LugarExpedicion", ""):
			probs = append(probs, "Receptor: a foreign receiver's DomicilioFiscalReceptor is the LugarExpedicion")
		case foreign && r.SelectAttrValue("RegimenFiscalReceptor", "") != "616":
			probs = append(probs, "Receptor: a foreign receiver's RegimenFiscalReceptor is 616")
		case foreign && r.SelectAttrValue("UsoCFDI", "") != use:
			probs = append(probs, "Receptor: a foreign receiver's UsoCFDI is "+use)
		case !foreign && (res != "" || num != ""):
			probs = append(probs, "Receptor: ResidenciaFiscal and NumRegIdTrib are a foreign receiver's (XEXX010101000)")
		case res == "MEX":
			probs = append(probs, "Receptor: a foreign receiver's ResidenciaFiscal is not MEX")
		case num != "" && res == "":
			probs = append(probs, "Receptor: NumRegIdTrib without ResidenciaFiscal")
		}
		if exp == "02" && (!foreign || res == "" || num == "") {
			probs = append(probs, "Exportacion 02: the receiver is foreign (XEXX010101000) with its ResidenciaFiscal and NumRegIdTrib")
		}
	}
	if tipo == "P" && exp != "01" {
		probs = append(probs, "Exportacion: a payment receipt's is 01")
	}
	return probs
}
