package cfdi

import (
	"strings"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
	"billrun/internal/printout"
)

// Describe names a CFDI as a Mexican reader knows it: Factura (or Nota de crédito) Serie-Folio,
// and its folio fiscal once stamped. A CFDI de Recepción de Pagos is a Complemento de pago,
// described by the payment and the invoices it pays.
func (Profile) Describe(d fiscal.Document, kind string) fiscal.Description {
	out := fiscal.Description{Name: titles[kind], Money: printout.Money,
		Attachments: "Adjuntamos el comprobante fiscal digital por Internet (CFDI 4.0, XML) y su representación impresa (PDF)."}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(d.XML); err == nil && doc.Root() != nil {
		r := doc.Root()
		if attr(r, "TipoDeComprobante") == "P" {
			return describePayment(doc, d, out)
		}
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

// describePayment describes a CFDI P: Complemento de pago Serie-Folio, its folio fiscal,
// each payment (amount in its currency, date and form) and each invoice it pays (the part
// paid, the parcialidad, the balance left and the invoice's folio fiscal).
func describePayment(doc *etree.Document, d fiscal.Document, out fiscal.Description) fiscal.Description {
	r := doc.Root()
	out.Name, out.Number = paymentTitle, attr(r, "Serie")+"-"+attr(r, "Folio")
	out.Attachments = "Adjuntamos el comprobante fiscal digital por Internet de recepción de pagos (CFDI 4.0, XML) y su representación impresa (PDF)."
	uuid := d.UUID
	if uuid == "" {
		uuid = UUIDOf(doc)
	}
	if uuid != "" {
		out.Facts = append(out.Facts, [2]string{"Folio fiscal (UUID)", uuid})
	}
	for _, p := range pagosOf(r) {
		day, _, _ := strings.Cut(attr(p, "FechaPago"), "T")
		out.Facts = append(out.Facts, [2]string{"Pago recibido", out.Money(attr(p, "Monto")) + " " + attr(p, "MonedaP") +
			" el " + day + ", " + Described("c_FormaPago", attr(p, "FormaDePagoP"))})
		for _, x := range pagosChildren(p, "DoctoRelacionado") {
			cur := " " + attr(x, "MonedaDR")
			out.Facts = append(out.Facts, [2]string{paidName(x), "pagado " + out.Money(attr(x, "ImpPagado")) + cur +
				" (parcialidad " + attr(x, "NumParcialidad") + "), saldo " + out.Money(attr(x, "ImpSaldoInsoluto")) + cur +
				"; folio fiscal " + attr(x, "IdDocumento")})
		}
	}
	return out
}
