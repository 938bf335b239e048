package cfdi

import "github.com/beevik/etree"

// The attribute orders of SAT's Pagos20.xslt, node by node.
var (
	pagosTotalesFields = []field{opt("TotalRetencionesIVA"), opt("TotalRetencionesISR"), opt("TotalRetencionesIEPS"),
		opt("TotalTrasladosBaseIVA16"), opt("TotalTrasladosImpuestoIVA16"), opt("TotalTrasladosBaseIVA8"), opt("TotalTrasladosImpuestoIVA8"),
		opt("TotalTrasladosBaseIVA0"), opt("TotalTrasladosImpuestoIVA0"), opt("TotalTrasladosBaseIVAExento"), req("MontoTotalPagos")}
	pagoFields = []field{req("FechaPago"), req("FormaDePagoP"), req("MonedaP"), opt("TipoCambioP"), req("Monto"), opt("NumOperacion"),
		opt("RfcEmisorCtaOrd"), opt("NomBancoOrdExt"), opt("CtaOrdenante"), opt("RfcEmisorCtaBen"), opt("CtaBeneficiario"),
		opt("TipoCadPago"), opt("CertPago"), opt("CadPago"), opt("SelloPago")}
	doctoFields = []field{req("IdDocumento"), opt("Serie"), opt("Folio"), req("MonedaDR"), opt("EquivalenciaDR"), req("NumParcialidad"),
		req("ImpSaldoAnt"), req("ImpPagado"), req("ImpSaldoInsoluto"), req("ObjetoImpDR")}
	retencionDRFields = []field{req("BaseDR"), req("ImpuestoDR"), req("TipoFactorDR"), req("TasaOCuotaDR"), req("ImporteDR")}
	trasladoDRFields  = []field{req("BaseDR"), req("ImpuestoDR"), req("TipoFactorDR"), opt("TasaOCuotaDR"), opt("ImporteDR")}
	retencionPFields  = []field{req("ImpuestoP"), req("ImporteP")}
	trasladoPFields   = []field{req("BaseP"), req("ImpuestoP"), req("TipoFactorP"), opt("TasaOCuotaP"), opt("ImporteP")}
)

// pagosChildren are e's children of the path in the Pagos 2.0 namespace.
func pagosChildren(e *etree.Element, path ...string) []*etree.Element {
	level := []*etree.Element{e}
	for _, name := range path {
		var next []*etree.Element
		for _, p := range level {
			for _, ch := range p.ChildElements() {
				if ch.Tag == name && ch.NamespaceURI() == PagosNS {
					next = append(next, ch)
				}
			}
		}
		level = next
	}
	return level
}

// pagosCadena adds a pago20:Pagos complement to the cadena as Pagos20.xslt does: Version,
// Totales, then each Pago with its documents (each's withholdings before its transfers)
// and its ImpuestosP (withholdings, then transfers).
func (c *cadena) pagos(p *etree.Element) {
	c.fields(p, []field{req("Version")})
	for _, t := range pagosChildren(p, "Totales") {
		c.fields(t, pagosTotalesFields)
	}
	for _, pago := range pagosChildren(p, "Pago") {
		c.fields(pago, pagoFields)
		for _, d := range pagosChildren(pago, "DoctoRelacionado") {
			c.fields(d, doctoFields)
			for _, r := range pagosChildren(d, "ImpuestosDR", "RetencionesDR", "RetencionDR") {
				c.fields(r, retencionDRFields)
			}
			for _, t := range pagosChildren(d, "ImpuestosDR", "TrasladosDR", "TrasladoDR") {
				c.fields(t, trasladoDRFields)
			}
		}
		for _, r := range pagosChildren(pago, "ImpuestosP", "RetencionesP", "RetencionP") {
			c.fields(r, retencionPFields)
		}
		for _, t := range pagosChildren(pago, "ImpuestosP", "TrasladosP", "TrasladoP") {
			c.fields(t, trasladoPFields)
		}
	}
}
