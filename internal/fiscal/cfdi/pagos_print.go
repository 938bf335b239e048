package cfdi

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
	"billrun/internal/printout"
)

// paymentTitle is what the printout and the e-mail call a CFDI de Recepción de Pagos.
const paymentTitle = "Complemento de pago"

// paymentView is the printout of a CFDI de Recepción de Pagos (TipoDeComprobante P): the
// header and parties as an invoice's, each payment's facts where an invoice has its
// terms, one line per invoice paid (its parcialidad, the part paid, the balances before
// and after), the complement's Totales, and the same fiscal proof.
func paymentView(doc *etree.Document, inv fiscal.Invoice) printout.View {
	r := doc.Root()
	tfd := FindStamp(doc)
	v := printout.View{Title: paymentTitle + " " + attr(r, "Serie") + "-" + attr(r, "Folio"), CodeTitle: "Parc."}
	v.Header = append(viewHeader(doc, tfd, inv), [2]string{"Complemento", "CFDI de Recepción de Pagos (Pagos " + attr(pagosElement(r), "Version") + ")"})
	v.Issuer, v.Customer, v.ReceiverName = viewParties(r, inv)
	pagos := pagosOf(r)
	var paid []string
	for i, p := range pagos {
		if len(pagos) > 1 {
			v.Payment = append(v.Payment, [2]string{"Pago " + strconv.Itoa(i+1), ""})
		}
		v.Payment = append(v.Payment, pagoFacts(p)...)
		for _, d := range pagosChildren(p, "DoctoRelacionado") {
			v.Lines = append(v.Lines, paidLine(d, i, len(pagos)))
			paid = append(paid, paidName(d)+": "+attr(d, "IdDocumento"))
		}
	}
	v.Totals = pagosTotals(r)
	v.Proof, v.QR = viewProof(doc, tfd)
	// The folios fiscales of the invoices paid print whole here, at the proof's width: the
	// lines' description column is narrower than a UUID in capitals.
	if len(paid) > 0 {
		v.Proof = append([][2]string{{"Folio fiscal (UUID) de las facturas pagadas", strings.Join(paid, "; ")}}, v.Proof...)
	}
	for _, p := range pagos {
		v.Notes = append(v.Notes, "Importe pagado con letra: "+printout.AmountInWords(attr(p, "Monto"), attr(p, "MonedaP")))
	}
	v.Notes = append(v.Notes, "Este documento es una representación impresa de un CFDI 4.0 de Recepción de Pagos, con el complemento para recepción de pagos.")
	v.Notes = append(v.Notes, stampNotes(tfd)...)
	return v
}

// pagosElement is a CFDI P's pago20:Pagos complement; nil when it has none.
func pagosElement(r *etree.Element) *etree.Element {
	for _, comp := range r.SelectElements("Complemento") {
		if p := pagosChildren(comp, "Pagos"); len(p) > 0 {
			return p[0]
		}
	}
	return nil
}

// pagosOf are the payments (pago20:Pago) of a CFDI P.
func pagosOf(r *etree.Element) []*etree.Element {
	if p := pagosElement(r); p != nil {
		return pagosChildren(p, "Pago")
	}
	return nil
}

// pagoFacts are one payment's facts: its date, form, currency (and rate to MXN), amount,
// operation number and its taxes (ImpuestosP).
func pagoFacts(p *etree.Element) [][2]string {
	f := [][2]string{{"Fecha de pago", dateTime(attr(p, "FechaPago"))},
		{"Forma de pago", Described("c_FormaPago", attr(p, "FormaDePagoP"))}, {"Moneda", attr(p, "MonedaP")}}
	if rate := attr(p, "TipoCambioP"); rate != "" && attr(p, "MonedaP") != "MXN" {
		f = append(f, [2]string{"Tipo de cambio", rate})
	}
	f = append(f, [2]string{"Monto", printout.Money(attr(p, "Monto")) + " " + attr(p, "MonedaP")})
	if n := attr(p, "NumOperacion"); n != "" {
		f = append(f, [2]string{"Número de operación", n})
	}
	var taxes []string
	for _, t := range pagosChildren(p, "ImpuestosP", "TrasladosP", "TrasladoP") {
		taxes = append(taxes, taxName(attr(t, "ImpuestoP"))+" "+percent(attr(t, "TasaOCuotaP"))+": "+
			printout.Money(attr(t, "ImporteP"))+" (base "+printout.Money(attr(t, "BaseP"))+")")
	}
	for _, t := range pagosChildren(p, "ImpuestosP", "RetencionesP", "RetencionP") {
		taxes = append(taxes, "Retención "+taxName(attr(t, "ImpuestoP"))+": "+printout.Money(attr(t, "ImporteP")))
	}
	if len(taxes) > 0 {
		f = append(f, [2]string{"Impuestos del pago", strings.Join(taxes, "; ")})
	}
	return f
}

// paidLine is one invoice a payment paid (a pago20:DoctoRelacionado): its parcialidad in
// the code column, the invoice and its balances in the description, the part paid as the
// amount. Of several payments, the description says which.
func paidLine(d *etree.Element, pago, pagos int) printout.Line {
	cur := " " + attr(d, "MonedaDR")
	desc := paidName(d) + ": saldo anterior " + printout.Money(attr(d, "ImpSaldoAnt")) + cur +
		", pagado " + printout.Money(attr(d, "ImpPagado")) + cur +
		", saldo insoluto " + printout.Money(attr(d, "ImpSaldoInsoluto")) + cur
	if eq := attr(d, "EquivalenciaDR"); eq != "" && eq != "1" {
		desc += " (equivalencia " + eq + ")"
	}
	if pagos > 1 {
		desc = "Pago " + strconv.Itoa(pago+1) + ": " + desc
	}
	return printout.Line{Code: attr(d, "NumParcialidad"), Description: desc, Amount: printout.Money(attr(d, "ImpPagado")) + cur}
}

// paidName names an invoice paid by its Serie-Folio ("Factura A-12"), or by its folio
// fiscal's first group ("Factura 6F35D3B5…") when it states neither.
func paidName(d *etree.Element) string {
	n := attr(d, "Serie")
	if f := attr(d, "Folio"); f != "" {
		n = strings.TrimPrefix(n+"-"+f, "-")
	}
	if n == "" {
		n, _, _ = strings.Cut(attr(d, "IdDocumento"), "-")
		n += "…"
	}
	return "Factura " + n
}

// pagosTotalLabels name the Totales' attributes, in SAT's order (all in MXN).
var pagosTotalLabels = [][2]string{
	{"TotalRetencionesIVA", "Retenciones IVA"}, {"TotalRetencionesISR", "Retenciones ISR"}, {"TotalRetencionesIEPS", "Retenciones IEPS"},
	{"TotalTrasladosBaseIVA16", "Base IVA 16 %"}, {"TotalTrasladosImpuestoIVA16", "IVA 16 %"},
	{"TotalTrasladosBaseIVA8", "Base IVA 8 %"}, {"TotalTrasladosImpuestoIVA8", "IVA 8 %"},
	{"TotalTrasladosBaseIVA0", "Base IVA 0 %"}, {"TotalTrasladosImpuestoIVA0", "IVA 0 %"},
	{"TotalTrasladosBaseIVAExento", "Base IVA exento"}, {"MontoTotalPagos", "Total de pagos MXN"},
}

// pagosTotals are the complement's Totales that it states, the total of the payments
// last.
func pagosTotals(r *etree.Element) [][2]string {
	var tot *etree.Element
	if p := pagosElement(r); p != nil {
		if t := pagosChildren(p, "Totales"); len(t) > 0 {
			tot = t[0]
		}
	}
	var out [][2]string
	for _, l := range pagosTotalLabels {
		if v := attr(tot, l[0]); v != "" {
			out = append(out, [2]string{l[1], printout.Money(v)})
		}
	}
	return out
}
