package cfe

import (
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"

	"billrun/internal/catalogs"
	"billrun/internal/fiscal"
	"billrun/internal/printout"
)

// typeNames are the CFE types' names as DGI's printing rules print them.
var typeNames = catalogs.CFETypeNames

// docNames are the receiver's document types.
var docNames = map[string]string{"2": "RUT", "3": "C.I.", "4": "Documento"}

// Print renders the CFE's printed representation from the stored CFE — what was signed —
// and DGI's acknowledgement: type, series and number, the CAE with its range and expiry,
// the security code, the QR to DGI's verification page, and "IVA al día".
func (Profile) Print(d fiscal.Document, inv fiscal.Invoice) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(d.XML); err != nil {
		return nil, err
	}
	return printout.Render(printView(doc, d, inv))
}

func printView(doc *etree.Document, d fiscal.Document, inv fiscal.Invoice) printout.View {
	t := func(path string) string {
		if e := doc.FindElement(path); e != nil {
			return strings.TrimSpace(e.Text())
		}
		return ""
	}
	tipo := t("//IdDoc/TipoCFE")
	nro := t("//IdDoc/Nro")
	if len(nro) < 7 {
		nro = strings.Repeat("0", 7-len(nro)) + nro
	}
	code := SecurityCode(d.XML)
	v := printout.View{Title: typeNames[tipo] + " " + t("//IdDoc/Serie") + " " + nro, CodeTitle: "IVA"}
	v.Header = [][2]string{{"Tipo de CFE", tipo + " " + typeNames[tipo]}, {"Serie y número", t("//IdDoc/Serie") + " " + nro},
		{"Fecha de emisión", t("//IdDoc/FchEmis")}, {"Firmado", strings.Replace(t("//TmstFirma"), "T", " ", 1)}}
	if ref := doc.FindElement("//Referencia/Referencia"); ref != nil {
		r := func(tag string) string { return text(ref, tag) }
		v.Header = append(v.Header, [2]string{"Referencia", fmt.Sprintf("%s %s %s del %s (%s)", typeNames[r("TpoDocRef")], r("Serie"), r("NroCFERef"), r("FechaCFEref"), r("RazonRef"))})
	}
	v.Issuer = printout.Party{Name: t("//Emisor/RznSoc"), Details: []string{"RUT " + t("//Emisor/RUCEmisor"),
		t("//Emisor/DomFiscal"), t("//Emisor/Ciudad") + ", " + t("//Emisor/Departamento"), "Sucursal DGI " + t("//Emisor/CdgDGISucur")}}
	v.Customer = printout.Party{Name: inv.Customer.Name, Details: []string{"Consumidor final"}}
	if doc.FindElement("//Receptor") != nil {
		num := t("//Receptor/DocRecep")
		if num == "" {
			num = t("//Receptor/DocRecepExt")
		}
		v.Customer.Details = []string{docNames[t("//Receptor/TipoDocRecep")] + " " + num + " (" + t("//Receptor/CodPaisRecep") + ")"}
		if a := t("//Receptor/DirRecep"); a != "" {
			v.Customer.Details = append(v.Customer.Details, a)
		}
		if c := t("//Receptor/CiudadRecep"); c != "" {
			v.Customer.Details = append(v.Customer.Details, c)
		}
		if n := t("//Receptor/RznSocRecep"); !strings.EqualFold(n, v.Customer.Name) {
			v.ReceiverName = n
		}
	}
	v.Payment = [][2]string{{"Moneda", t("//Totales/TpoMoneda")}}
	if r := t("//Totales/TpoCambio"); r != "" {
		v.Payment = append(v.Payment, [2]string{"Tipo de cambio", printout.MoneyUY(r)})
	}
	v.Payment = append(v.Payment, [2]string{"Forma de pago", map[string]string{"1": "Contado", "2": "Crédito"}[t("//IdDoc/FmaPago")]})
	if inv.Terms.Kind == "credit" && inv.Corrects == nil && !inv.Date.IsZero() {
		v.Payment = append(v.Payment, [2]string{"Vencimiento", inv.Date.AddDate(0, 0, inv.Terms.Days).Format(time.DateOnly)})
	}
	for _, it := range doc.FindElements("//Detalle/Item") {
		ind := map[string]string{"1": "exento", "2": "IVA mínimo", "3": "IVA básico"}[text(it, "IndFact")]
		discount := text(it, "DescuentoMonto")
		if discount != "" {
			discount = "-" + printout.MoneyUY(discount)
		}
		v.Lines = append(v.Lines, printout.Line{Qty: printout.MoneyUY(text(it, "Cantidad")), Unit: text(it, "UniMed"), Code: ind, Description: text(it, "NomItem"),
			UnitPrice: printout.MoneyUY(text(it, "PrecioUnitario")), Discount: discount, Amount: printout.MoneyUY(text(it, "MontoItem"))})
	}
	for _, f := range [][2]string{{"MntNoGrv", "No gravado"}, {"MntNetoIvaTasaMin", "Neto IVA tasa mínima"}, {"MntNetoIVATasaBasica", "Neto IVA tasa básica"},
		{"MntIVATasaMin", "IVA tasa mínima " + percent(t("//Totales/IVATasaMin"))}, {"MntIVATasaBasica", "IVA tasa básica " + percent(t("//Totales/IVATasaBasica"))}} {
		if x := t("//Totales/" + f[0]); x != "" {
			v.Totals = append(v.Totals, [2]string{f[1], printout.MoneyUY(x)})
		}
	}
	v.Totals = append(v.Totals, [2]string{"Total " + t("//Totales/TpoMoneda"), printout.MoneyUY(t("//Totales/MntTotal"))})
	v.Proof = [][2]string{{"Código de seguridad", code}, {"CAE", t("//CAEData/CAE_ID")},
		{"Rango autorizado", t("//IdDoc/Serie") + " " + t("//CAEData/DNro") + " al " + t("//CAEData/HNro")},
		{"Vencimiento del CAE", t("//CAEData/FecVenc")}, {"Certificado del emisor (n.º de serie)", d.Certificate}}
	if d.StampedAt != "" {
		v.Proof = append(v.Proof, [2]string{"Recibido por DGI", localTime(d.StampedAt) + " (" + d.StampCertificate + ")"})
	}
	v.QR = VerificationURL(d.XML)
	v.Notes = printNotes(d, inv)
	return v
}

// printNotes are the printout's closing notes: the orders' observations, the VAT and
// verification lines DGI asks for, and whether DGI received the CFE.
func printNotes(d fiscal.Document, inv fiscal.Invoice) []string {
	var notes []string
	if inv.Observations != "" {
		notes = append(notes, "Observaciones: "+inv.Observations)
	}
	notes = append(append(notes, inv.OrderReferences...), fiscal.LineReferences(inv.Lines)...)
	notes = append(notes, "IVA al día.", "Puede verificar el comprobante en www.efactura.dgi.gub.uy (código QR).")
	switch {
	case d.StampedAt == "":
		notes = append(notes, "Aún no recibido por DGI.")
	case strings.Contains(d.StampCertificate, "sandbox"):
		notes = append(notes, "Acusado por el receptor DGI de pruebas de billrun (sandbox): este comprobante NO fue enviado a DGI.")
	}
	return notes
}

// percent writes a rate as DGI's schema holds it (22.000) for a reader: 22 %.
func percent(rate string) string {
	d, err := decimal.NewFromString(rate)
	if err != nil {
		return rate
	}
	return d.String() + " %"
}

// localTime writes DGI's receipt time in Montevideo's time, as a Uruguayan reader reads it;
// a time that does not parse is written as received.
func localTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.In(montevideo).Format("02/01/2006 15:04:05")
}
