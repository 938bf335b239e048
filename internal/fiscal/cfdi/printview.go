package cfdi

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
	"billrun/internal/printout"
)

// VerificationURL is SAT's public verification address of a stamped CFDI, as its QR code
// carries it (Anexo 20): the UUID, both RFCs, the total, and the Sello's last 8 characters.
func VerificationURL(doc *etree.Document) string {
	r := doc.Root()
	uuid := UUIDOf(doc)
	if uuid == "" {
		return ""
	}
	sello := r.SelectAttrValue("Sello", "")
	if len(sello) > 8 {
		sello = sello[len(sello)-8:]
	}
	return "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx?id=" + uuid +
		"&re=" + url.QueryEscape(attr(r.SelectElement("Emisor"), "Rfc")) +
		"&rr=" + url.QueryEscape(attr(r.SelectElement("Receptor"), "Rfc")) +
		"&tt=" + qrTotal(r.SelectAttrValue("Total", "")) + "&fe=" + url.QueryEscape(sello)
}

// qrTotal writes the total without non-significant zeros, keeping one decimal (116.0).
func qrTotal(s string) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	t := strings.TrimRight(d.StringFixed(6), "0")
	if strings.HasSuffix(t, ".") {
		t += "0"
	}
	return t
}

func attr(e *etree.Element, name string) string {
	if e == nil {
		return ""
	}
	return e.SelectAttrValue(name, "")
}

// titles are the printed document's names by document kind.
var titles = map[string]string{"invoice": "Factura", "ticket": "Ticket", "credit_note": "Nota de crédito"}

// printView reads what the printout shows from the stored CFDI — what was signed and
// stamped — and from the invoice what the CFDI does not say: the document kind, the
// customer's own name, and the due date.
func printView(doc *etree.Document, inv fiscal.Invoice) printout.View {
	r := doc.Root()
	em, re := r.SelectElement("Emisor"), r.SelectElement("Receptor")
	tfd := FindStamp(doc)
	decimals := int32(2)
	if _, frac, ok := strings.Cut(attr(r, "Total"), "."); ok {
		decimals = int32(len(frac))
	} else {
		decimals = 0
	}
	title := titles[inv.DocumentKind]
	if title == "" || attr(r, "TipoDeComprobante") == "E" {
		title = map[string]string{"I": "Factura", "E": "Nota de crédito"}[attr(r, "TipoDeComprobante")]
	}
	v := printout.View{Title: title + " " + attr(r, "Serie") + "-" + attr(r, "Folio")}

	uuid := "sin timbrar"
	if tfd != nil {
		uuid = UUIDOf(doc)
	}
	v.Header = [][2]string{{"Folio fiscal (UUID)", uuid}, {"Fecha de emisión", dateTime(attr(r, "Fecha"))}}
	if tfd != nil {
		v.Header = append(v.Header, [2]string{"Fecha de certificación", dateTime(attr(tfd, "FechaTimbrado"))})
	}
	v.Header = append(v.Header, [2]string{"Lugar de expedición", "C.P. " + attr(r, "LugarExpedicion")},
		[2]string{"Tipo de comprobante", Described("c_TipoDeComprobante", attr(r, "TipoDeComprobante"))},
		[2]string{"Exportación", Described("c_Exportacion", attr(r, "Exportacion"))})
	if rel := r.SelectElement("CfdiRelacionados"); rel != nil {
		for _, x := range rel.SelectElements("CfdiRelacionado") {
			label := "CFDI relacionado"
			if inv.Corrects != nil {
				label += fmt.Sprintf(" (%s-%d)", inv.Corrects.Series, inv.Corrects.Number)
			}
			v.Header = append(v.Header, [2]string{label, attr(x, "UUID") + ", " + Described("c_TipoRelacion", attr(rel, "TipoRelacion"))})
		}
	}
	if g := r.SelectElement("InformacionGlobal"); g != nil {
		v.Header = append(v.Header, [2]string{"Información global",
			Described("c_Periodicidad", attr(g, "Periodicidad")) + ", mes " + attr(g, "Meses") + " de " + attr(g, "Año")})
	}

	v.Issuer = printout.Party{Name: attr(em, "Nombre"), Details: []string{"RFC " + attr(em, "Rfc"),
		"Régimen fiscal " + Described("c_RegimenFiscal", attr(em, "RegimenFiscal"))}}
	v.Customer = printout.Party{Name: inv.Customer.Name, Details: []string{"RFC " + attr(re, "Rfc"),
		"Domicilio fiscal C.P. " + attr(re, "DomicilioFiscalReceptor"),
		"Régimen fiscal " + Described("c_RegimenFiscal", attr(re, "RegimenFiscalReceptor")),
		"Uso del CFDI " + Described("c_UsoCFDI", attr(re, "UsoCFDI"))}}
	if v.Customer.Name == "" {
		v.Customer.Name = attr(re, "Nombre")
	}
	if n := attr(re, "Nombre"); !strings.EqualFold(NormalizeSpace(n), NormalizeSpace(v.Customer.Name)) {
		v.ReceiverName = n
	}

	v.Payment = [][2]string{{"Moneda", attr(r, "Moneda")}}
	if rate := attr(r, "TipoCambio"); rate != "" {
		v.Payment = append(v.Payment, [2]string{"Tipo de cambio", rate})
	}
	if m := attr(r, "MetodoPago"); m != "" {
		v.Payment = append(v.Payment, [2]string{"Método de pago", Described("c_MetodoPago", m)})
	}
	if f := attr(r, "FormaPago"); f != "" {
		v.Payment = append(v.Payment, [2]string{"Forma de pago", Described("c_FormaPago", f)})
	}
	terms := attr(r, "CondicionesDePago")
	due := inv.Date
	if inv.Corrects != nil {
		due = time.Time{} // a credit note is owed back, not due
	} else if inv.Terms.Kind == "credit" {
		due = inv.Date.AddDate(0, 0, inv.Terms.Days)
	} else if terms == "" {
		terms = "Contado"
	}
	if terms != "" {
		v.Payment = append(v.Payment, [2]string{"Condiciones de pago", terms})
	}
	if !inv.Date.IsZero() {
		v.Payment = append(v.Payment, [2]string{"Fecha del documento", inv.Date.Format(time.DateOnly)})
		if !due.IsZero() {
			v.Payment = append(v.Payment, [2]string{"Fecha de vencimiento", due.Format(time.DateOnly)})
		}
	}

	type sum struct {
		label string
		total decimal.Decimal
	}
	var traslados, retenciones []*sum
	add := func(list *[]*sum, label, amount string) {
		d, _ := decimal.NewFromString(amount)
		for _, s := range *list {
			if s.label == label {
				s.total = s.total.Add(d)
				return
			}
		}
		*list = append(*list, &sum{label, d})
	}
	for _, c := range r.FindElements("Conceptos/Concepto") {
		unit := Described("c_ClaveUnidad", attr(c, "ClaveUnidad"))
		if unit == attr(c, "ClaveUnidad") && attr(c, "Unidad") != "" {
			unit += " " + attr(c, "Unidad")
		}
		desc := attr(c, "Descripcion")
		if id := attr(c, "NoIdentificacion"); id != "" {
			desc = id + " · " + desc
		}
		if attr(c, "ObjetoImp") == "01" {
			desc += " (no objeto de impuesto)"
		}
		discount := attr(c, "Descuento")
		if discount != "" {
			discount = "-" + printout.Money(discount)
		}
		v.Lines = append(v.Lines, printout.Line{Qty: attr(c, "Cantidad"), Unit: unit, Code: attr(c, "ClaveProdServ"), Description: desc,
			UnitPrice: printout.Money(atLeast(attr(c, "ValorUnitario"), decimals)), Discount: discount, Amount: printout.Money(attr(c, "Importe"))})
		for _, t := range c.FindElements("Impuestos/Traslados/Traslado") {
			add(&traslados, taxName(attr(t, "Impuesto"))+" "+percent(attr(t, "TasaOCuota")), attr(t, "Importe"))
		}
		for _, t := range c.FindElements("Impuestos/Retenciones/Retencion") {
			add(&retenciones, "Retención "+taxName(attr(t, "Impuesto"))+" "+percent(attr(t, "TasaOCuota")), attr(t, "Importe"))
		}
	}
	v.Totals = [][2]string{{"Subtotal", printout.Money(attr(r, "SubTotal"))}}
	if d := attr(r, "Descuento"); d != "" {
		v.Totals = append(v.Totals, [2]string{"Descuento", "-" + printout.Money(d)})
	}
	for _, s := range traslados {
		v.Totals = append(v.Totals, [2]string{s.label, printout.Money(s.total.StringFixed(decimals))})
	}
	for _, s := range retenciones {
		v.Totals = append(v.Totals, [2]string{s.label, "-" + printout.Money(s.total.StringFixed(decimals))})
	}
	v.Totals = append(v.Totals, [2]string{"Total " + attr(r, "Moneda"), printout.Money(attr(r, "Total"))})

	v.Proof = [][2]string{{"No. de serie del certificado del emisor (CSD)", attr(r, "NoCertificado")}}
	if tfd != nil {
		v.Proof = append(v.Proof, [2]string{"No. de serie del certificado del SAT", attr(tfd, "NoCertificadoSAT")},
			[2]string{"RFC del proveedor de certificación", attr(tfd, "RfcProvCertif")})
	}
	v.Proof = append(v.Proof, [2]string{"Sello digital del CFDI", attr(r, "Sello")})
	if tfd != nil {
		v.Proof = append(v.Proof, [2]string{"Sello digital del SAT", attr(tfd, "SelloSAT")},
			[2]string{"Cadena original del complemento de certificación digital del SAT", CadenaTFD(tfd)})
		v.QR = VerificationURL(doc)
	}
	v.Notes = notes(r, tfd)
	return v
}

// notes are the printout's closing lines: the total in words (importe con letra), what the
// document is, and whether its stamp gives it fiscal value.
func notes(r, tfd *etree.Element) []string {
	out := []string{"Importe con letra: " + printout.AmountInWords(attr(r, "Total"), attr(r, "Moneda")),
		"Este documento es una representación impresa de un CFDI 4.0."}
	switch {
	case tfd == nil:
		out = append(out, "Sin timbre fiscal digital: este documento aún no es un CFDI válido.")
	case attr(tfd, "RfcProvCertif") == SandboxRFC:
		out = append(out, "Timbrado por el PAC de pruebas de billrun (sandbox): este comprobante NO tiene validez fiscal.")
	}
	return out
}

// taxName is a tax's name (IVA), or its code when unknown.
func taxName(code string) string {
	if n := catalogNames["c_Impuesto"][code]; n != "" {
		return n
	}
	return code
}

// dateTime writes an ISO date-time for a reader: 2026-11-23 10:00:00.
func dateTime(s string) string { return strings.Replace(s, "T", " ", 1) }

// percent writes a rate as a percentage: 0.160000 → 16 %, 0.106667 → 10.6667 %.
func percent(rate string) string {
	d, err := decimal.NewFromString(rate)
	if err != nil {
		return rate
	}
	return d.Shift(2).String() + " %"
}

// atLeast pads a decimal to at least n decimals: 11.5 → 11.50; 25.123456 stays.
func atLeast(s string, n int32) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	if _, frac, _ := strings.Cut(s, "."); int32(len(frac)) > n {
		return s
	}
	return d.StringFixed(n)
}
