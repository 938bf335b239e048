package cfdi

import (
	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// taxKey is a tax at a rate: what the concepts' taxes are summed by.
type taxKey struct{ impuesto, rate string }

type taxSum struct{ base, importe decimal.Decimal }

// taxSums are the concepts' taxes summed by tax and rate, in the order first seen:
// deterministic output.
type taxSums struct {
	keys []taxKey
	sums map[taxKey]*taxSum
}

func (s *taxSums) add(t Tax) {
	k := taxKey{t.Impuesto, t.Rate.StringFixed(6)}
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
// any, each a rate on a base, and adds each to the document's sums.
func (b *builder) conceptoTaxes(imp *etree.Element, group, name string, taxes []Tax, sums *taxSums) {
	if len(taxes) == 0 {
		return
	}
	g := imp.CreateElement(group)
	for _, t := range taxes {
		e := g.CreateElement(name)
		e.CreateAttr("Base", b.money(t.Base))
		e.CreateAttr("Impuesto", t.Impuesto)
		e.CreateAttr("TipoFactor", "Tasa")
		e.CreateAttr("TasaOCuota", t.Rate.StringFixed(6))
		e.CreateAttr("Importe", b.money(t.Importe))
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

// trasladosTotals writes the document's transferred taxes, per tax and rate, each on the
// sum of its bases.
func (b *builder) trasladosTotals(imp *etree.Element) {
	total := decimal.Zero
	ts := imp.CreateElement("cfdi:Traslados")
	for _, k := range b.traslados.keys {
		s := b.traslados.sums[k]
		te := ts.CreateElement("cfdi:Traslado")
		te.CreateAttr("Base", b.money(s.base))
		te.CreateAttr("Impuesto", k.impuesto)
		te.CreateAttr("TipoFactor", "Tasa")
		te.CreateAttr("TasaOCuota", k.rate)
		te.CreateAttr("Importe", b.money(s.importe))
		total = total.Add(s.importe)
	}
	imp.CreateAttr("TotalImpuestosTrasladados", b.money(total))
}
