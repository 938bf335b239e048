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

type Receptor struct{ Rfc, Nombre, DomicilioFiscal, RegimenFiscal, UsoCFDI string }

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

// Tax is one transferred or withheld tax of a concept. Rate is a fraction (0.16).
type Tax struct {
	Impuesto string
	Base     decimal.Decimal
	Rate     decimal.Decimal
	Importe  decimal.Decimal
}

// Build writes the unsealed CFDI 4.0 document. Every amount is the one given, formatted to
// the currency's decimals; the document's tax totals are the sums of the concepts' taxes.
func Build(in Invoice) *etree.Document {
	money := func(d decimal.Decimal) string { return d.StringFixed(in.Decimals) }
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	c := doc.CreateElement("cfdi:Comprobante")
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
	c.CreateAttr("SubTotal", money(in.SubTotal))
	if in.Descuento.IsPositive() {
		c.CreateAttr("Descuento", money(in.Descuento))
	}
	c.CreateAttr("Moneda", in.Moneda)
	if in.Moneda != "MXN" && in.Moneda != "XXX" {
		c.CreateAttr("TipoCambio", in.TipoCambio.String())
	}
	c.CreateAttr("Total", money(in.Total))
	c.CreateAttr("TipoDeComprobante", in.TipoDeComprobante)
	c.CreateAttr("Exportacion", "01")
	if in.MetodoPago != "" {
		c.CreateAttr("MetodoPago", in.MetodoPago)
	}
	c.CreateAttr("LugarExpedicion", in.LugarExpedicion)

	if g := in.Global; g != nil {
		ig := c.CreateElement("cfdi:InformacionGlobal")
		ig.CreateAttr("Periodicidad", g.Periodicidad)
		ig.CreateAttr("Meses", g.Meses)
		ig.CreateAttr("Año", g.Año)
	}
	if rel := in.Relacionados; rel != nil {
		rs := c.CreateElement("cfdi:CfdiRelacionados")
		rs.CreateAttr("TipoRelacion", rel.TipoRelacion)
		for _, u := range rel.UUIDs {
			rs.CreateElement("cfdi:CfdiRelacionado").CreateAttr("UUID", u)
		}
	}
	e := c.CreateElement("cfdi:Emisor")
	e.CreateAttr("Rfc", in.Emisor.Rfc)
	e.CreateAttr("Nombre", in.Emisor.Nombre)
	e.CreateAttr("RegimenFiscal", in.Emisor.RegimenFiscal)
	r := c.CreateElement("cfdi:Receptor")
	r.CreateAttr("Rfc", in.Receptor.Rfc)
	r.CreateAttr("Nombre", in.Receptor.Nombre)
	r.CreateAttr("DomicilioFiscalReceptor", in.Receptor.DomicilioFiscal)
	r.CreateAttr("RegimenFiscalReceptor", in.Receptor.RegimenFiscal)
	r.CreateAttr("UsoCFDI", in.Receptor.UsoCFDI)

	type key struct{ impuesto, rate string }
	type sum struct{ base, importe decimal.Decimal }
	var trasladoKeys, retencionKeys []key
	traslados, retenciones := map[key]*sum{}, map[key]*sum{}
	add := func(keys *[]key, m map[key]*sum, t Tax) {
		k := key{t.Impuesto, t.Rate.StringFixed(6)}
		if m[k] == nil {
			m[k] = &sum{}
			*keys = append(*keys, k) // first-seen order: deterministic output
		}
		m[k].base = m[k].base.Add(t.Base)
		m[k].importe = m[k].importe.Add(t.Importe)
	}

	cs := c.CreateElement("cfdi:Conceptos")
	for _, con := range in.Conceptos {
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
		x.CreateAttr("Importe", money(con.Importe))
		if con.Descuento.IsPositive() {
			x.CreateAttr("Descuento", money(con.Descuento))
		}
		if len(con.Traslados)+len(con.Retenciones) == 0 {
			x.CreateAttr("ObjetoImp", "01")
			continue
		}
		x.CreateAttr("ObjetoImp", "02")
		imp := x.CreateElement("cfdi:Impuestos")
		// A concept's taxes: Traslados, then Retenciones, each a rate on a base.
		writeTaxes := func(group, name string, taxes []Tax, keys *[]key, sums map[key]*sum) {
			if len(taxes) == 0 {
				return
			}
			g := imp.CreateElement(group)
			for _, t := range taxes {
				e := g.CreateElement(name)
				e.CreateAttr("Base", money(t.Base))
				e.CreateAttr("Impuesto", t.Impuesto)
				e.CreateAttr("TipoFactor", "Tasa")
				e.CreateAttr("TasaOCuota", t.Rate.StringFixed(6))
				e.CreateAttr("Importe", money(t.Importe))
				add(keys, sums, t)
			}
		}
		writeTaxes("cfdi:Traslados", "cfdi:Traslado", con.Traslados, &trasladoKeys, traslados)
		writeTaxes("cfdi:Retenciones", "cfdi:Retencion", con.Retenciones, &retencionKeys, retenciones)
	}

	if len(trasladoKeys)+len(retencionKeys) > 0 {
		imp := c.CreateElement("cfdi:Impuestos")
		if len(retencionKeys) > 0 {
			// Document-level withholdings are per tax only (Impuesto, Importe).
			var byTax []string
			perTax := map[string]decimal.Decimal{}
			total := decimal.Zero
			for _, k := range retencionKeys {
				if _, ok := perTax[k.impuesto]; !ok {
					byTax = append(byTax, k.impuesto)
				}
				perTax[k.impuesto] = perTax[k.impuesto].Add(retenciones[k].importe)
				total = total.Add(retenciones[k].importe)
			}
			imp.CreateAttr("TotalImpuestosRetenidos", money(total))
			rs := imp.CreateElement("cfdi:Retenciones")
			for _, tax := range byTax {
				re := rs.CreateElement("cfdi:Retencion")
				re.CreateAttr("Impuesto", tax)
				re.CreateAttr("Importe", money(perTax[tax]))
			}
		}
		if len(trasladoKeys) > 0 {
			total := decimal.Zero
			ts := imp.CreateElement("cfdi:Traslados")
			for _, k := range trasladoKeys {
				s := traslados[k]
				te := ts.CreateElement("cfdi:Traslado")
				te.CreateAttr("Base", money(s.base))
				te.CreateAttr("Impuesto", k.impuesto)
				te.CreateAttr("TipoFactor", "Tasa")
				te.CreateAttr("TasaOCuota", k.rate)
				te.CreateAttr("Importe", money(s.importe))
				total = total.Add(s.importe)
			}
			imp.CreateAttr("TotalImpuestosTrasladados", money(total))
		}
	}
	doc.Indent(2)
	return doc
}
