package cfdi

import (
	"github.com/beevik/etree"

	"billrun/internal/fiscal"
	"billrun/internal/printout"
)

// Describe names a CFDI as a Mexican reader knows it: Factura (or Nota de crédito) Serie-Folio,
// and its folio fiscal once stamped.
func (Profile) Describe(d fiscal.Document, kind string) fiscal.Description {
	out := fiscal.Description{Name: titles[kind], Money: printout.Money,
		Attachments: "Adjuntamos el comprobante fiscal digital por Internet (CFDI 4.0, XML) y su representación impresa (PDF)."}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(d.XML); err == nil && doc.Root() != nil {
		r := doc.Root()
		if t := attr(r, "TipoDeComprobante"); out.Name == "" || t == "E" {
			out.Name = map[string]string{"I": "Factura", "E": "Nota de crédito"}[t]
		}
		out.Number = attr(r, "Serie") + "-" + attr(r, "Folio")
	}
	if out.Name == "" {
		out.Name = "Factura"
	}
	if d.UUID != "" {
		out.Facts = append(out.Facts, [2]string{"Folio fiscal (UUID)", d.UUID})
	}
	return out
}
