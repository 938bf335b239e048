package cfdi

import (
	"fmt"

	"github.com/beevik/etree"

	"billrun/activities/printout"
)

// printView reads the view from a sealed CFDI 4.0 document.
func printView(doc *etree.Document, customerName string) printout.View {
	r := doc.Root()
	at := func(e *etree.Element, name string) string {
		if e == nil {
			return ""
		}
		return e.SelectAttrValue(name, "")
	}
	em, re := r.FindElement("Emisor"), r.FindElement("Receptor")
	v := printout.View{
		Title: "Factura " + at(r, "Serie") + "-" + at(r, "Folio"), Fecha: at(r, "Fecha"),
		IssuerName: at(em, "Nombre"), IssuerRFC: at(em, "Rfc"), IssuerRegime: at(em, "RegimenFiscal"), Place: at(r, "LugarExpedicion"),
		CustomerName: customerName, ReceptorName: at(re, "Nombre"), ReceptorRFC: at(re, "Rfc"),
		ReceptorCP: at(re, "DomicilioFiscalReceptor"), ReceptorUse: at(re, "UsoCFDI"),
		Currency: at(r, "Moneda"), Rate: at(r, "TipoCambio"), PaymentMethod: at(r, "MetodoPago"), PaymentForm: at(r, "FormaPago"),
		SubTotal: at(r, "SubTotal"), Discount: at(r, "Descuento"), Total: at(r, "Total"),
		NoCertificado: at(r, "NoCertificado"), Sello: at(r, "Sello"),
	}
	for _, c := range r.FindElements("Conceptos/Concepto") {
		v.Lines = append(v.Lines, printout.Line{Qty: at(c, "Cantidad"), Unit: at(c, "ClaveUnidad"), Description: at(c, "Descripcion"),
			UnitPrice: at(c, "ValorUnitario"), Amount: at(c, "Importe")})
	}
	names := map[string]string{"001": "ISR", "002": "IVA", "003": "IEPS"}
	if imp := r.SelectElement("Impuestos"); imp != nil {
		for _, t := range imp.FindElements("Traslados/Traslado") {
			v.Taxes = append(v.Taxes, [2]string{fmt.Sprintf("%s %s", names[at(t, "Impuesto")], at(t, "TasaOCuota")), at(t, "Importe")})
		}
		for _, t := range imp.FindElements("Retenciones/Retencion") {
			v.Taxes = append(v.Taxes, [2]string{"Retención " + names[at(t, "Impuesto")], "-" + at(t, "Importe")})
		}
	}
	return v
}
