package cfdi

import (
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// PagosNS is the namespace of SAT's payment complement, Pagos 2.0.
const PagosNS = "http://www.sat.gob.mx/Pagos20"

// PaymentReceipt is a CFDI de Recepción de Pagos (TipoDeComprobante P): one or more payments
// received from one customer, each against one or more of its PPD invoices.
type PaymentReceipt struct {
	Serie           string
	Folio           int64
	Fecha           time.Time // local time of issue
	LugarExpedicion string
	Emisor          Emisor
	Receptor        Receptor // its UsoCFDI is CP01, whatever the customer's
	Pagos           []Payment
}

// Payment is one payment received (a pago20:Pago).
type Payment struct {
	FechaPago    time.Time
	FormaDePagoP string
	MonedaP      string
	Decimals     int32           // of MonedaP
	TipoCambioP  decimal.Decimal // MXN per unit of MonedaP (1 for MXN)
	Monto        decimal.Decimal
	NumOperacion string
	Documentos   []PaidDocument
}

// BuildPaymentReceipt writes the unsealed CFDI P: Comprobante with SubTotal and Total 0 in
// currency XXX, the one concept SAT fixes (84111506, ACT, "Pago"), and the pago20:Pagos
// complement — Totales in MXN, then each payment with its documents and their taxes.
func BuildPaymentReceipt(in PaymentReceipt) *etree.Document {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	c := doc.CreateElement("cfdi:Comprobante")
	b := &builder{decimals: 0}
	b.comprobante(c, Invoice{Serie: in.Serie, Folio: in.Folio, Fecha: in.Fecha, Moneda: "XXX", TipoDeComprobante: "P",
		LugarExpedicion: in.LugarExpedicion})
	c.CreateAttr("xmlns:pago20", PagosNS)
	c.CreateAttr("xsi:schemaLocation", NS+" http://www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd "+
		PagosNS+" http://www.sat.gob.mx/sitio_internet/cfd/Pagos/Pagos20.xsd")
	emisor(c, in.Emisor)
	re := in.Receptor
	re.UsoCFDI = "CP01"
	receptor(c, re)
	x := c.CreateElement("cfdi:Conceptos").CreateElement("cfdi:Concepto")
	for _, a := range [][2]string{{"ClaveProdServ", "84111506"}, {"Cantidad", "1"}, {"ClaveUnidad", "ACT"}, {"Descripcion", "Pago"},
		{"ValorUnitario", "0"}, {"Importe", "0"}, {"ObjetoImp", "01"}} {
		x.CreateAttr(a[0], a[1])
	}
	pagos := c.CreateElement("cfdi:Complemento").CreateElement("pago20:Pagos")
	pagos.CreateAttr("Version", "2.0")
	totales(pagos.CreateElement("pago20:Totales"), in.Pagos)
	for _, p := range in.Pagos {
		pago(pagos, p)
	}
	doc.Indent(2)
	return doc
}

// pago writes one payment: its documents, then its taxes (the documents', in its currency).
func pago(pagos *etree.Element, p Payment) {
	e := pagos.CreateElement("pago20:Pago")
	e.CreateAttr("FechaPago", p.FechaPago.Format("2006-01-02T15:04:05"))
	e.CreateAttr("FormaDePagoP", p.FormaDePagoP)
	e.CreateAttr("MonedaP", p.MonedaP)
	e.CreateAttr("TipoCambioP", tipoCambio(p.MonedaP, p.TipoCambioP))
	e.CreateAttr("Monto", p.Monto.StringFixed(p.Decimals))
	if p.NumOperacion != "" {
		e.CreateAttr("NumOperacion", p.NumOperacion)
	}
	for _, d := range p.Documentos {
		doctoRelacionado(e, d)
	}
	tr, ret := p.Taxes()
	if len(tr)+len(ret) == 0 {
		return
	}
	imp := e.CreateElement("pago20:ImpuestosP")
	money := func(x decimal.Decimal) string { return x.StringFixed(p.Decimals) }
	if len(ret) > 0 {
		g := imp.CreateElement("pago20:RetencionesP")
		for _, t := range ret {
			r := g.CreateElement("pago20:RetencionP")
			r.CreateAttr("ImpuestoP", t.Impuesto)
			r.CreateAttr("ImporteP", money(t.Importe))
		}
	}
	if len(tr) > 0 {
		g := imp.CreateElement("pago20:TrasladosP")
		for _, t := range tr {
			paidTax(g.CreateElement("pago20:TrasladoP"), "P", t, money)
		}
	}
}

// tipoCambio is TipoCambioP: "1" for MXN, the rate otherwise.
func tipoCambio(moneda string, rate decimal.Decimal) string {
	if moneda == "MXN" || rate.IsZero() {
		return "1"
	}
	return rate.String()
}

// doctoRelacionado writes one invoice paid: the balance before, the part paid, the balance
// after, and the taxes of the part paid.
func doctoRelacionado(pago *etree.Element, d PaidDocument) {
	e := pago.CreateElement("pago20:DoctoRelacionado")
	money := func(x decimal.Decimal) string { return x.StringFixed(d.Decimals) }
	e.CreateAttr("IdDocumento", d.UUID)
	if d.Serie != "" {
		e.CreateAttr("Serie", d.Serie)
	}
	if d.Folio > 0 {
		e.CreateAttr("Folio", decimal.NewFromInt(d.Folio).String())
	}
	e.CreateAttr("MonedaDR", d.MonedaDR)
	eq := d.EquivalenciaDR
	if eq.IsZero() {
		eq = decimal.NewFromInt(1)
	}
	e.CreateAttr("EquivalenciaDR", eq.String())
	e.CreateAttr("NumParcialidad", decimal.NewFromInt(int64(d.NumParcialidad)).String())
	e.CreateAttr("ImpSaldoAnt", money(d.SaldoAnt))
	e.CreateAttr("ImpPagado", money(d.Pagado))
	e.CreateAttr("ImpSaldoInsoluto", money(d.SaldoInsoluto()))
	tr, ret := d.PaidTaxes()
	tr, ret = nonZero(tr), nonZero(ret)
	if len(tr)+len(ret) == 0 {
		e.CreateAttr("ObjetoImpDR", "01")
		return
	}
	e.CreateAttr("ObjetoImpDR", "02")
	imp := e.CreateElement("pago20:ImpuestosDR")
	if len(ret) > 0 {
		g := imp.CreateElement("pago20:RetencionesDR")
		for _, t := range ret {
			paidTax(g.CreateElement("pago20:RetencionDR"), "DR", t, money)
		}
	}
	if len(tr) > 0 {
		g := imp.CreateElement("pago20:TrasladosDR")
		for _, t := range tr {
			paidTax(g.CreateElement("pago20:TrasladoDR"), "DR", t, money)
		}
	}
}

// paidTax writes a tax of the part paid (suffix DR) or of the payment (P): an exempt one
// has its base alone, no TasaOCuota and no Importe, as Pagos 2.0 says.
func paidTax(e *etree.Element, suffix string, t Tax, money func(decimal.Decimal) string) {
	e.CreateAttr("Base"+suffix, money(t.Base))
	e.CreateAttr("Impuesto"+suffix, t.Impuesto)
	e.CreateAttr("TipoFactor"+suffix, t.TipoFactor())
	if t.TipoFactor() != Exento {
		e.CreateAttr("TasaOCuota"+suffix, t.Rate.StringFixed(6))
		e.CreateAttr("Importe"+suffix, money(t.Importe))
	}
}

// nonZero drops the taxes whose part paid has no base (a payment too small to carry them).
func nonZero(taxes []Tax) []Tax {
	var out []Tax
	for _, t := range taxes {
		if t.Base.IsPositive() {
			out = append(out, t)
		}
	}
	return out
}
