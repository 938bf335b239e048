package cfdi

import (
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// Tax codes of SAT's c_Impuesto.
const (
	ISR  = "001"
	IVA  = "002"
	IEPS = "003"
)

// Invoice is what a CFDI 4.0 ingreso holds, already priced and numbered.
type Invoice struct {
	Serie             string
	Folio             int64
	Fecha             time.Time // local time of issue, written without a zone
	FormaPago         string
	MetodoPago        string
	CondicionesDePago string
	Moneda            string
	TipoCambio        decimal.Decimal // written when Moneda is not MXN
	Decimals          int32
	TipoDeComprobante string // I: ingreso
	Exportacion       string // SAT's c_Exportacion; "" is 01, no export
	LugarExpedicion   string
	Emisor            Emisor
	Receptor          Receptor
	Global            *InformacionGlobal // for the generic public RFC
	Relacionados      *CfdiRelacionados  // the documents an egreso corrects
	SubTotal          decimal.Decimal    // sum of the concepts' Importe, before discounts
	Descuento         decimal.Decimal
	Total             decimal.Decimal
	Conceptos         []Concepto
}

type Emisor struct{ Rfc, Nombre, RegimenFiscal string }

// Receptor is the CFDI's receiver. A foreign one (XEXX010101000) states its country of
// fiscal residence (SAT's c_Pais) and its tax id there (NumRegIdTrib), when known.
type Receptor struct {
	Rfc, Nombre, DomicilioFiscal, RegimenFiscal, UsoCFDI string
	ResidenciaFiscal, NumRegIdTrib                       string
}

type InformacionGlobal struct{ Periodicidad, Meses, Año string }

// CfdiRelacionados are the documents a CFDI relates to, and how (SAT's c_TipoRelacion).
type CfdiRelacionados struct {
	TipoRelacion string
	UUIDs        []string
}

type Concepto struct {
	ClaveProdServ    string
	NoIdentificacion string
	Cantidad         decimal.Decimal
	ClaveUnidad      string
	Unidad           string
	Descripcion      string
	ValorUnitario    decimal.Decimal
	Importe          decimal.Decimal
	Descuento        decimal.Decimal
	Traslados        []Tax
	Retenciones      []Tax
}

// SAT's c_TipoFactor: a tax at a rate on an amount, by quota (an amount per unit, on the
// quantity), or exempt (a base and no rate or amount).
const (
	Tasa   = "Tasa"
	Cuota  = "Cuota"
	Exento = "Exento"
)

// Tax is one transferred or withheld tax of a concept. Factor is SAT's TipoFactor ("" is
// Tasa); Rate is a fraction (0.16) for Tasa, the amount per unit for Cuota (whose Base is
// the quantity), and nothing for Exento, which has no Importe either.
type Tax struct {
	Impuesto string
	Factor   string
	Base     decimal.Decimal
	Rate     decimal.Decimal
	Importe  decimal.Decimal
}

// TipoFactor is the tax's SAT TipoFactor.
func (t Tax) TipoFactor() string {
	if t.Factor == "" {
		return Tasa
	}
	return t.Factor
}

// Build writes the unsealed CFDI 4.0 document. Every amount is the one given, formatted to
// the currency's decimals; the document's tax totals are the sums of the concepts' taxes.
func Build(in Invoice) *etree.Document {
	b := &builder{decimals: in.Decimals}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	c := doc.CreateElement("cfdi:Comprobante")
	b.comprobante(c, in)
	if g := in.Global; g != nil {
		informacionGlobal(c, g)
	}
	if rel := in.Relacionados; rel != nil {
		cfdiRelacionados(c, rel)
	}
	emisor(c, in.Emisor)
	receptor(c, in.Receptor)
	cs := c.CreateElement("cfdi:Conceptos")
	for _, con := range in.Conceptos {
		b.concepto(cs, con)
	}
	b.impuestos(c)
	doc.Indent(2)
	return doc
}

// builder writes one CFDI: every amount to the currency's decimals, and the concepts'
// taxes summed as it goes, for the document's Impuestos.
type builder struct {
	decimals               int32
	traslados, retenciones taxSums
}

func (b *builder) money(d decimal.Decimal) string { return d.StringFixed(b.decimals) }

// comprobante writes the Comprobante's attributes, in the schema's order; the optional
// ones only when they have a value.
func (b *builder) comprobante(c *etree.Element, in Invoice) {
	c.CreateAttr("xmlns:cfdi", NS)
	c.CreateAttr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
	c.CreateAttr("xsi:schemaLocation", NS+" http://www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd")
	c.CreateAttr("Version", "4.0")
	c.CreateAttr("Serie", in.Serie)
	c.CreateAttr("Folio", decimal.NewFromInt(in.Folio).String())
	c.CreateAttr("Fecha", in.Fecha.Format("2006-01-02T15:04:05"))
	if in.FormaPago != "" {
		c.CreateAttr("FormaPago", in.FormaPago)
	}
	if in.CondicionesDePago != "" {
		c.CreateAttr("CondicionesDePago", in.CondicionesDePago)
	}
	c.CreateAttr("SubTotal", b.money(in.SubTotal))
	if in.Descuento.IsPositive() {
		c.CreateAttr("Descuento", b.money(in.Descuento))
	}
	c.CreateAttr("Moneda", in.Moneda)
	if in.Moneda != "MXN" && in.Moneda != "XXX" {
		c.CreateAttr("TipoCambio", in.TipoCambio.String())
	}
	c.CreateAttr("Total", b.money(in.Total))
	c.CreateAttr("TipoDeComprobante", in.TipoDeComprobante)
	exportacion := in.Exportacion
	if exportacion == "" {
		exportacion = "01"
	}
	c.CreateAttr("Exportacion", exportacion)
	if in.MetodoPago != "" {
		c.CreateAttr("MetodoPago", in.MetodoPago)
	}
	c.CreateAttr("LugarExpedicion", in.LugarExpedicion)
}

func informacionGlobal(c *etree.Element, g *InformacionGlobal) {
	ig := c.CreateElement("cfdi:InformacionGlobal")
	ig.CreateAttr("Periodicidad", g.Periodicidad)
	ig.CreateAttr("Meses", g.Meses)
	ig.CreateAttr("Año", g.Año)
}

func cfdiRelacionados(c *etree.Element, rel *CfdiRelacionados) {
	rs := c.CreateElement("cfdi:CfdiRelacionados")
	rs.CreateAttr("TipoRelacion", rel.TipoRelacion)
	for _, u := range rel.UUIDs {
		rs.CreateElement("cfdi:CfdiRelacionado").CreateAttr("UUID", u)
	}
}

func emisor(c *etree.Element, em Emisor) {
	e := c.CreateElement("cfdi:Emisor")
	e.CreateAttr("Rfc", em.Rfc)
	e.CreateAttr("Nombre", em.Nombre)
	e.CreateAttr("RegimenFiscal", em.RegimenFiscal)
}

func receptor(c *etree.Element, re Receptor) {
	r := c.CreateElement("cfdi:Receptor")
	r.CreateAttr("Rfc", re.Rfc)
	r.CreateAttr("Nombre", re.Nombre)
	r.CreateAttr("DomicilioFiscalReceptor", re.DomicilioFiscal)
	if re.ResidenciaFiscal != "" {
		r.CreateAttr("ResidenciaFiscal", re.ResidenciaFiscal)
	}
	if re.NumRegIdTrib != "" {
		r.CreateAttr("NumRegIdTrib", re.NumRegIdTrib)
	}
	r.CreateAttr("RegimenFiscalReceptor", re.RegimenFiscal)
	r.CreateAttr("UsoCFDI", re.UsoCFDI)
}

// concepto writes one Concepto. One without taxes is no tax object (ObjetoImp 01); one
// with taxes (02 — also when they are all exempt) states them, and they count toward the
// document's.
func (b *builder) concepto(cs *etree.Element, con Concepto) {
	x := cs.CreateElement("cfdi:Concepto")
	x.CreateAttr("ClaveProdServ", con.ClaveProdServ)
	if con.NoIdentificacion != "" {
		x.CreateAttr("NoIdentificacion", con.NoIdentificacion)
	}
	x.CreateAttr("Cantidad", con.Cantidad.String())
	x.CreateAttr("ClaveUnidad", con.ClaveUnidad)
	if con.Unidad != "" {
		x.CreateAttr("Unidad", con.Unidad)
	}
	x.CreateAttr("Descripcion", con.Descripcion)
	x.CreateAttr("ValorUnitario", con.ValorUnitario.String())
	x.CreateAttr("Importe", b.money(con.Importe))
	if con.Descuento.IsPositive() {
		x.CreateAttr("Descuento", b.money(con.Descuento))
	}
	if len(con.Traslados)+len(con.Retenciones) == 0 {
		x.CreateAttr("ObjetoImp", "01")
		return
	}
	x.CreateAttr("ObjetoImp", "02")
	imp := x.CreateElement("cfdi:Impuestos")
	// A concept's taxes: Traslados, then Retenciones, each a rate or quota on a base.
	b.conceptoTaxes(imp, "cfdi:Traslados", "cfdi:Traslado", con.Traslados, &b.traslados)
	b.conceptoTaxes(imp, "cfdi:Retenciones", "cfdi:Retencion", con.Retenciones, &b.retenciones)
}
