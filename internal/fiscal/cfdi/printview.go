package cfdi

import (
	"fmt"
	"net/url"
	"slices"
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
var titles = map[string]string{"invoice": "Factura", "ticket": "Ticket", "credit_note": "Nota de crédito", "payment_receipt": paymentTitle,
	"global_invoice": "Factura global"}

// printView reads what the printout shows from the stored CFDI — what was signed and
// stamped — and from the invoice what the CFDI does not say: the document kind, the
// customer's own name, and the due date. A CFDI de Recepción de Pagos (P) prints as a
// payment receipt.
func printView(doc *etree.Document, inv fiscal.Invoice) printout.View {
	r := doc.Root()
	if attr(r, "TipoDeComprobante") == "P" {
		return paymentView(doc, inv)
	}
	tfd := FindStamp(doc)
	decimals := totalDecimals(r)
	v := printout.View{Title: viewTitle(r, inv), Header: viewHeader(doc, tfd, inv)}
	v.Issuer, v.Customer, v.ReceiverName = viewParties(r, inv)
	v.Payment = viewPayment(r, inv)
	var traslados, retenciones printedTaxes
	v.Lines, traslados, retenciones = viewLines(r, decimals)
	v.Totals = viewTotals(r, decimals, traslados, retenciones)
	v.Proof, v.QR = viewProof(doc, tfd)
	v.Notes = notes(r, tfd)
	if inv.Observations != "" {
		v.Notes = append([]string{"Observaciones: " + inv.Observations}, v.Notes...)
	}
	v.Notes = append(append(slices.Clone(inv.OrderReferences), fiscal.LineReferences(inv.Lines)...), v.Notes...)
	return v
}

// totalDecimals are the currency's decimals, as the Comprobante writes its Total.
func totalDecimals(r *etree.Element) int32 {
	if _, frac, ok := strings.Cut(attr(r, "Total"), "."); ok {
		return int32(len(frac))
	}
	return 0
}

// viewTitle names the document by the invoice's kind, and an egreso always as a credit
// note, followed by its Serie-Folio.
func viewTitle(r *etree.Element, inv fiscal.Invoice) string {
	title := titles[inv.DocumentKind]
	if title == "" || attr(r, "TipoDeComprobante") == "E" {
		title = map[string]string{"I": "Factura", "E": "Nota de crédito"}[attr(r, "TipoDeComprobante")]
	}
	return title + " " + attr(r, "Serie") + "-" + attr(r, "Folio")
}

// viewHeader is the folio fiscal and the stamp's date (when stamped), the issue date and
// place, the Comprobante's type, and the CFDI it relates to or the global information.
func viewHeader(doc *etree.Document, tfd *etree.Element, inv fiscal.Invoice) [][2]string {
	r := doc.Root()
	uuid := "sin timbrar"
	if tfd != nil {
		uuid = UUIDOf(doc)
	}
	h := [][2]string{{"Folio fiscal (UUID)", uuid}, {"Fecha de emisión", dateTime(attr(r, "Fecha"))}}
	if tfd != nil {
		h = append(h, [2]string{"Fecha de certificación", dateTime(attr(tfd, "FechaTimbrado"))})
	}
	h = append(h, [2]string{"Lugar de expedición", "C.P. " + attr(r, "LugarExpedicion")},
		[2]string{"Tipo de comprobante", Described("c_TipoDeComprobante", attr(r, "TipoDeComprobante"))},
		[2]string{"Exportación", Described("c_Exportacion", attr(r, "Exportacion"))})
	if rel := r.SelectElement("CfdiRelacionados"); rel != nil {
		for _, x := range rel.SelectElements("CfdiRelacionado") {
			label := "CFDI relacionado"
			if inv.Corrects != nil {
				label += fmt.Sprintf(" (%s-%d)", inv.Corrects.Series, inv.Corrects.Number)
			}
			h = append(h, [2]string{label, attr(x, "UUID") + ", " + Described("c_TipoRelacion", attr(rel, "TipoRelacion"))})
		}
	}
	if g := r.SelectElement("InformacionGlobal"); g != nil {
		h = append(h, [2]string{"Información global",
			Described("c_Periodicidad", attr(g, "Periodicidad")) + ", mes " + attr(g, "Meses") + " de " + attr(g, "Año")})
	}
	return h
}

// viewParties are the Emisor and the customer: named as billrun knows them (the Receptor's
// Nombre when it knows none), with the Receptor's data, and the Receptor's Nombre apart
// when it is not the same name.
func viewParties(r *etree.Element, inv fiscal.Invoice) (issuer, customer printout.Party, receiverName string) {
	em, re := r.SelectElement("Emisor"), r.SelectElement("Receptor")
	issuer = printout.Party{Name: attr(em, "Nombre"), Details: []string{"RFC " + attr(em, "Rfc"),
		"Régimen fiscal " + Described("c_RegimenFiscal", attr(em, "RegimenFiscal"))}}
	customer = printout.Party{Name: inv.Customer.Name, Details: []string{"RFC " + attr(re, "Rfc"),
		"Domicilio fiscal C.P. " + attr(re, "DomicilioFiscalReceptor"),
		"Régimen fiscal " + Described("c_RegimenFiscal", attr(re, "RegimenFiscalReceptor")),
		"Uso del CFDI " + Described("c_UsoCFDI", attr(re, "UsoCFDI"))}}
	if res := attr(re, "ResidenciaFiscal"); res != "" {
		customer.Details = append(customer.Details, "Residencia fiscal "+res+", registro tributario "+attr(re, "NumRegIdTrib"))
	}
	if customer.Name == "" {
		customer.Name = attr(re, "Nombre")
	}
	if n := attr(re, "Nombre"); !strings.EqualFold(NormalizeSpace(n), NormalizeSpace(customer.Name)) {
		receiverName = n
	}
	return issuer, customer, receiverName
}

// viewPayment is the currency and how it is paid, the terms, and the document's date and
// due date.
func viewPayment(r *etree.Element, inv fiscal.Invoice) [][2]string {
	p := [][2]string{{"Moneda", attr(r, "Moneda")}}
	if rate := attr(r, "TipoCambio"); rate != "" {
		p = append(p, [2]string{"Tipo de cambio", rate})
	}
	if m := attr(r, "MetodoPago"); m != "" {
		p = append(p, [2]string{"Método de pago", Described("c_MetodoPago", m)})
	}
	if f := attr(r, "FormaPago"); f != "" {
		p = append(p, [2]string{"Forma de pago", Described("c_FormaPago", f)})
	}
	terms, due := paymentTerms(r, inv)
	if terms != "" {
		p = append(p, [2]string{"Condiciones de pago", terms})
	}
	if !inv.Date.IsZero() {
		p = append(p, [2]string{"Fecha del documento", inv.Date.Format(time.DateOnly)})
		if !due.IsZero() {
			p = append(p, [2]string{"Fecha de vencimiento", due.Format(time.DateOnly)})
		}
	}
	return p
}

// paymentTerms are the CondicionesDePago ("Contado" for cash when the CFDI states none)
// and the due date: none for a credit note, which is owed back, not due.
func paymentTerms(r *etree.Element, inv fiscal.Invoice) (string, time.Time) {
	terms := attr(r, "CondicionesDePago")
	due := inv.Date
	if inv.Corrects != nil {
		due = time.Time{}
	} else if inv.Terms.Kind == "credit" {
		due = inv.Date.AddDate(0, 0, inv.Terms.Days)
	} else if terms == "" {
		terms = "Contado"
	}
	return terms, due
}

// printedTax is a tax total as the printout shows it: its label ("IVA 16 %", "IEPS cuota
// 1.6451 por unidad", "IVA exento") and its sum — an exempt tax's, its base.
type printedTax struct {
	label  string
	total  decimal.Decimal
	exempt bool
}

// printedTaxes are the concepts' taxes summed by label, in the order first seen.
type printedTaxes []*printedTax

func (l *printedTaxes) add(label, amount string) { l.addTax(label, amount, false) }

func (l *printedTaxes) addTax(label, amount string, exempt bool) {
	d, _ := decimal.NewFromString(amount)
	for _, s := range *l {
		if s.label == label {
			s.total = s.total.Add(d)
			return
		}
	}
	*l = append(*l, &printedTax{label, d, exempt})
}

// addTraslado adds a concept's Traslado under a label naming its factor: a rate as a
// percentage, a quota as the amount per unit, an exemption by its base.
func (l *printedTaxes) addTraslado(t *etree.Element) {
	name := taxName(attr(t, "Impuesto"))
	switch attr(t, "TipoFactor") {
	case Exento:
		l.addTax(name+" exento", attr(t, "Base"), true)
	case Cuota:
		q, err := decimal.NewFromString(attr(t, "TasaOCuota"))
		if err != nil {
			l.add(name+" cuota "+attr(t, "TasaOCuota")+" por unidad", attr(t, "Importe"))
			return
		}
		l.add(name+" cuota "+q.String()+" por unidad", attr(t, "Importe"))
	default:
		l.add(name+" "+percent(attr(t, "TasaOCuota")), attr(t, "Importe"))
	}
}

// viewLines are the Conceptos as printed lines, and their Traslados and Retenciones summed
// by tax and rate for the totals.
func viewLines(r *etree.Element, decimals int32) (lines []printout.Line, traslados, retenciones printedTaxes) {
	for _, c := range r.FindElements("Conceptos/Concepto") {
		lines = append(lines, conceptoLine(c, decimals))
		for _, t := range c.FindElements("Impuestos/Traslados/Traslado") {
			traslados.addTraslado(t)
		}
		for _, t := range c.FindElements("Impuestos/Retenciones/Retencion") {
			retenciones.add("Retención "+taxName(attr(t, "Impuesto"))+" "+percent(attr(t, "TasaOCuota")), attr(t, "Importe"))
		}
	}
	return lines, traslados, retenciones
}

// conceptoLine is one Concepto as printed: the unit named when SAT's catalog knows it, the
// description after the product's own id and marked when it is no tax object.
func conceptoLine(c *etree.Element, decimals int32) printout.Line {
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
	return printout.Line{Qty: attr(c, "Cantidad"), Unit: unit, Code: attr(c, "ClaveProdServ"), Description: desc,
		UnitPrice: printout.Money(atLeast(attr(c, "ValorUnitario"), decimals)), Discount: discount, Amount: printout.Money(attr(c, "Importe"))}
}

// viewTotals are the SubTotal, the Descuento, each tax transferred and withheld, and the
// Total in its currency.
func viewTotals(r *etree.Element, decimals int32, traslados, retenciones printedTaxes) [][2]string {
	t := [][2]string{{"Subtotal", printout.Money(attr(r, "SubTotal"))}}
	if d := attr(r, "Descuento"); d != "" {
		t = append(t, [2]string{"Descuento", "-" + printout.Money(d)})
	}
	for _, s := range traslados {
		if s.exempt {
			t = append(t, [2]string{s.label, "base " + printout.Money(s.total.StringFixed(decimals))})
			continue
		}
		t = append(t, [2]string{s.label, printout.Money(s.total.StringFixed(decimals))})
	}
	for _, s := range retenciones {
		t = append(t, [2]string{s.label, "-" + printout.Money(s.total.StringFixed(decimals))})
	}
	return append(t, [2]string{"Total " + attr(r, "Moneda"), printout.Money(attr(r, "Total"))})
}

// viewProof is the fiscal proof: the CSD's number and the Sello, and once stamped, the
// TimbreFiscalDigital's certificate, PAC, SelloSAT and cadena, and SAT's verification URL
// for the QR code.
func viewProof(doc *etree.Document, tfd *etree.Element) (proof [][2]string, qr string) {
	r := doc.Root()
	proof = [][2]string{{"No. de serie del certificado del emisor (CSD)", attr(r, "NoCertificado")}}
	if tfd != nil {
		proof = append(proof, [2]string{"No. de serie del certificado del SAT", attr(tfd, "NoCertificadoSAT")},
			[2]string{"RFC del proveedor de certificación", attr(tfd, "RfcProvCertif")})
	}
	proof = append(proof, [2]string{"Sello digital del CFDI", attr(r, "Sello")})
	if tfd != nil {
		proof = append(proof, [2]string{"Sello digital del SAT", attr(tfd, "SelloSAT")},
			[2]string{"Cadena original del complemento de certificación digital del SAT", CadenaTFD(tfd)})
		qr = VerificationURL(doc)
	}
	return proof, qr
}

// notes are the printout's closing lines: the total in words (importe con letra), what the
// document is, and whether its stamp gives it fiscal value.
func notes(r, tfd *etree.Element) []string {
	out := []string{"Importe con letra: " + printout.AmountInWords(attr(r, "Total"), attr(r, "Moneda")),
		"Este documento es una representación impresa de un CFDI 4.0."}
	return append(out, stampNotes(tfd)...)
}

// stampNotes say when the stamp gives the document no fiscal value: there is none yet, or
// the sandbox PAC gave it.
func stampNotes(tfd *etree.Element) []string {
	switch {
	case tfd == nil:
		return []string{"Sin timbre fiscal digital: este documento aún no es un CFDI válido."}
	case attr(tfd, "RfcProvCertif") == SandboxRFC:
		return []string{"Timbrado por el PAC de pruebas de billrun (sandbox): este comprobante NO tiene validez fiscal."}
	}
	return nil
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
