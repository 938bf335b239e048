package cfdi

import (
	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// taxKey is a tax of a factor at a rate or quota: what the concepts' taxes are summed by
// (SAT: by Impuesto, TipoFactor and TasaOCuota). An exempt tax has no rate ("").
type taxKey struct{ impuesto, factor, rate string }

type taxSum struct{ base, importe decimal.Decimal }

// taxSums are the concepts' taxes summed by tax and rate, in the order first seen:
// deterministic output.
type taxSums struct {
	keys []taxKey
	sums map[taxKey]*taxSum
}

func (s *taxSums) add(t Tax) {
	k := taxKey{t.Impuesto, t.TipoFactor(), t.Rate.StringFixed(6)}
	if k.factor == Exento {
		k.rate = ""
	}
	if s.sums == nil {
		s.sums = map[taxKey]*taxSum{}
	}
	if s.sums[k] == nil {
		s.sums[k] = &taxSum{}
		s.keys = append(s.keys, k)
	}
	s.sums[k].base = s.sums[k].base.Add(t.Base)
	s.sums[k].importe = s.sums[k].importe.Add(t.Importe)
}

// conceptoTaxes writes a concept's group of taxes (Traslados or Retenciones), when it has
// any, each a rate or quota on a base (an exempt one: its base alone), and adds each to the
// document's sums.
func (b *builder) conceptoTaxes(imp *etree.Element, group, name string, taxes []Tax, sums *taxSums) {
	if len(taxes) == 0 {
		return
	}
	g := imp.CreateElement(group)
	for _, t := range taxes {
		e := g.CreateElement(name)
		writeTax(e, t.Impuesto, t.TipoFactor(), b.money(t.Base), t.Rate.StringFixed(6), b.money(t.Importe))
		sums.add(t)
	}
}

// impuestos writes the document's Impuestos, the sums of its concepts' taxes: none when no
// concept has any.
func (b *builder) impuestos(c *etree.Element) {
	if len(b.traslados.keys)+len(b.retenciones.keys) == 0 {
		return
	}
	imp := c.CreateElement("cfdi:Impuestos")
	if len(b.retenciones.keys) > 0 {
		b.retencionesTotals(imp)
	}
	if len(b.traslados.keys) > 0 {
		b.trasladosTotals(imp)
	}
}

// retencionesTotals writes the document's withholdings, per tax only (Impuesto, Importe).
func (b *builder) retencionesTotals(imp *etree.Element) {
	var byTax []string
	perTax := map[string]decimal.Decimal{}
	total := decimal.Zero
	for _, k := range b.retenciones.keys {
		if _, ok := perTax[k.impuesto]; !ok {
			byTax = append(byTax, k.impuesto)
		}
		perTax[k.impuesto] = perTax[k.impuesto].Add(b.retenciones.sums[k].importe)
		total = total.Add(b.retenciones.sums[k].importe)
	}
	imp.CreateAttr("TotalImpuestosRetenidos", b.money(total))
	rs := imp.CreateElement("cfdi:Retenciones")
	for _, tax := range byTax {
		re := rs.CreateElement("cfdi:Retencion")
		re.CreateAttr("Impuesto", tax)
		re.CreateAttr("Importe", b.money(perTax[tax]))
	}
}

// writeTax writes a Traslado's or Retencion's attributes in the schema's order: an exempt
// one has no TasaOCuota and no Importe.
func writeTax(e *etree.Element, impuesto, factor, base, rate, importe string) {
	e.CreateAttr("Base", base)
	e.CreateAttr("Impuesto", impuesto)
	e.CreateAttr("TipoFactor", factor)
	if factor != Exento {
		e.CreateAttr("TasaOCuota", rate)
		e.CreateAttr("Importe", importe)
	}
}

// trasladosTotals writes the document's transferred taxes, per tax, factor and rate or
// quota, each on the sum of its bases. An exempt group has its base alone, and adds
// nothing to TotalImpuestosTrasladados — which is not written when every transferred tax
// is exempt (SAT's rule: it exists only with a Tasa or Cuota).
func (b *builder) trasladosTotals(imp *etree.Element) {
	total, charged := decimal.Zero, false
	ts := imp.CreateElement("cfdi:Traslados")
	for _, k := range b.traslados.keys {
		s := b.traslados.sums[k]
		writeTax(ts.CreateElement("cfdi:Traslado"), k.impuesto, k.factor, b.money(s.base), k.rate, b.money(s.importe))
		if k.factor != Exento {
			total, charged = total.Add(s.importe), true
		}
	}
	if charged {
		imp.CreateAttr("TotalImpuestosTrasladados", b.money(total))
	}
}
