package cfdi

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
	"billrun/internal/printout"
)

// Generic receivers of SAT (público en general, extranjero).
const (
	RFCGeneric = "XAXX010101000"
	RFCForeign = "XEXX010101000"
)

var mexicoCity = fiscal.Zone("MX")

// Profile is Mexico's fiscal profile: CFDI 4.0 sealed with the issuer's CSD and stamped by
// a PAC.
type Profile struct {
	// PAC stamps sealed documents; nil refuses stamping (no PAC configured).
	PAC Stamper
	// PACCert, when set, is the certificate every stamp's SelloSAT must verify with.
	PACCert *x509.Certificate
	// SAT, when set, is SAT's status service (ConsultaCFDIService): a cancellation
	// awaiting the receiver is followed by what SAT says, the PAC asked when SAT is silent.
	SAT StatusChecker
}

var _ fiscal.Profile = Profile{}

// Seal builds the invoice's CFDI 4.0 (a payment receipt's: the CFDI P; a global
// invoice's: its tickets to the general public) and seals it
// with the issuer's CSD.
func (Profile) Seal(_ context.Context, inv fiscal.Invoice, cred fiscal.Credentials) (fiscal.Document, error) {
	var doc *etree.Document
	var fecha time.Time
	if len(inv.Payments) > 0 || inv.DocumentKind == "payment_receipt" { // a payment receipt: the CFDI P
		r, err := FromPayment(inv)
		if err != nil {
			return fiscal.Document{}, err
		}
		doc, fecha = BuildPaymentReceipt(r), r.Fecha
	} else if inv.Global != nil { // a global invoice: the period's tickets to the general public
		in, err := FromGlobal(inv)
		if err != nil {
			return fiscal.Document{}, err
		}
		doc, fecha = Build(in), in.Fecha
	} else {
		in, err := FromInvoice(inv)
		if err != nil {
			return fiscal.Document{}, err
		}
		doc, fecha = Build(in), in.Fecha
	}
	if cred.CertPath == "" {
		return fiscal.Document{}, fmt.Errorf("issuer %s has no CSD certificate and key configured", inv.Issuer.TaxID)
	}
	csd, err := LoadCSD(cred.CertPath, cred.KeyPath, cred.Password)
	if err != nil {
		return fiscal.Document{}, err
	}
	if err := csd.ValidAt(fecha); err != nil {
		return fiscal.Document{}, err
	}
	if probs := CheckRules(doc.Root()); len(probs) > 0 {
		return fiscal.Document{}, fmt.Errorf("the document breaks SAT's rules: %s", strings.Join(probs, "; "))
	}
	if _, err := Seal(doc, csd); err != nil {
		return fiscal.Document{}, err
	}
	xml, err := doc.WriteToString()
	if err != nil {
		return fiscal.Document{}, err
	}
	// What is stored is what is checked: a value that did not survive writing fails here.
	if err := VerifyStored(xml); err != nil {
		return fiscal.Document{}, err
	}
	root := doc.Root()
	return fiscal.Document{XML: xml, Certificate: root.SelectAttrValue("NoCertificado", ""), Signature: root.SelectAttrValue("Sello", "")}, nil
}

// Cancellable: SAT cancels CFDI (by its rules, checked when cancelling).
func (Profile) Cancellable() error { return nil }

// Print renders the sealed CFDI's printed representation.
func (Profile) Print(d fiscal.Document, inv fiscal.Invoice) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(d.XML); err != nil {
		return nil, err
	}
	return printout.Render(printView(doc, inv))
}

// FromInvoice is the CFDI 4.0 ingreso of a completed invoice. Customers without a tax
// registration get SAT's generic RFC (seed 000/004), foreign ones the foreign RFC.
func FromInvoice(inv fiscal.Invoice) (Invoice, error) {
	d := Invoice{Serie: inv.Series, Folio: inv.Number, Moneda: inv.Currency, TipoCambio: inv.Rate, Decimals: inv.Decimals,
		SubTotal: inv.Amount, Descuento: inv.Discount, Total: inv.Total, TipoDeComprobante: "I",
		FormaPago: inv.Terms.FormaPago, MetodoPago: inv.Terms.MetodoPago, LugarExpedicion: inv.Issuer.PostalCode,
		Emisor: Emisor{Rfc: inv.Issuer.TaxID, Nombre: inv.Issuer.Name, RegimenFiscal: inv.Issuer.Regime}}
	// Fecha is when the document is issued, in Mexico City: a PAC stamps only documents
	// issued in the last 72 hours, whatever the invoice's (accounting) date.
	d.Fecha = inv.IssuedAt.In(mexicoCity).Truncate(time.Second)
	if inv.Terms.Kind == "credit" {
		d.CondicionesDePago = fmt.Sprintf("Crédito a %d días", inv.Terms.Days)
	}
	if rel := inv.Corrects; rel != nil {
		if err := egreso(&d, *rel); err != nil {
			return d, err
		}
	}
	c := inv.Customer
	switch {
	case c.Generic || c.TaxIDKind == "generic" || c.TaxIDKind == "national_id":
		d.Receptor = Receptor{Rfc: RFCGeneric, Nombre: "PUBLICO EN GENERAL", DomicilioFiscal: d.LugarExpedicion, RegimenFiscal: "616", UsoCFDI: "S01"}
		d.Global = &InformacionGlobal{Periodicidad: "01", Meses: fmt.Sprintf("%02d", int(inv.Date.Month())), Año: fmt.Sprint(inv.Date.Year())}
		if rel := inv.Corrects; rel != nil && rel.Global != nil { // an egreso of a sale a global invoice declares: its period
			d.Global = &InformacionGlobal{Periodicidad: rel.Global.Periodicidad, Meses: rel.Global.Meses, Año: fmt.Sprint(rel.Global.Año)}
		}
	case c.TaxIDKind == "foreign":
		if err := foreignReceiver(&d, c); err != nil {
			return d, err
		}
	default:
		var missing []string
		if c.Regime == "" {
			missing = append(missing, "fiscal regime")
		}
		if c.PostalCode == "" {
			missing = append(missing, "postal code")
		}
		if c.TaxID == "" {
			missing = append(missing, "tax id")
		}
		if c.Use == "" {
			missing = append(missing, "CFDI use")
		}
		if len(missing) > 0 {
			return d, fmt.Errorf("customer %s has no %s", c.Code, strings.Join(missing, " and no "))
		}
		d.Receptor = Receptor{Rfc: c.TaxID, Nombre: c.Name, DomicilioFiscal: c.PostalCode, RegimenFiscal: c.Regime, UsoCFDI: c.Use}
		if inv.Corrects != nil {
			d.Receptor.UsoCFDI = "G02" // a credit note is, to its receiver, a return, discount or rebate
		}
	}
	for _, l := range inv.Lines {
		con := Concepto{ClaveProdServ: l.ProductCode, NoIdentificacion: l.Item, Cantidad: l.Quantity.Truncate(4), ClaveUnidad: l.UnitCode,
			Unidad: l.UnitName, Descripcion: l.Description, ValorUnitario: l.UnitPrice.Truncate(6), Importe: l.Amount, Descuento: l.Discount}
		if !l.Subtotal.Round(inv.Decimals).IsPositive() {
			// Nothing to tax (a 100 % discount, or an amount that rounds to 0): SAT's schema
			// wants every tax Base above 0, so the concept is "01", no tax object, with no
			// Impuestos, and adds nothing to the document's tax totals.
			if !l.VAT.IsZero() || !l.Excise.IsZero() || !l.VATWithheld.IsZero() || !l.ISRWithheld.IsZero() {
				return d, fmt.Errorf("item %s has taxes on a subtotal of 0", l.Item)
			}
			d.Conceptos = append(d.Conceptos, con)
			continue
		}
		con.Traslados = lineTraslados(l)
		if l.VATWithholdingRate.IsPositive() {
			con.Retenciones = append(con.Retenciones, Tax{Impuesto: IVA, Base: l.Subtotal, Rate: l.VATWithholdingRate.Div(hundred), Importe: l.VATWithheld})
		}
		if l.ISRWithholdingRate.IsPositive() {
			con.Retenciones = append(con.Retenciones, Tax{Impuesto: ISR, Base: l.Subtotal, Rate: l.ISRWithholdingRate.Div(hundred), Importe: l.ISRWithheld})
		}
		d.Conceptos = append(d.Conceptos, con)
	}
	return d, nil
}

var hundred = decimal.NewFromInt(100)

// lineTraslados are a line's transferred taxes: VAT at its rate on its base, or exempt
// (TipoFactor Exento: the base, no rate, no amount); IEPS at its rate on the subtotal, or
// by quota (TipoFactor Cuota: the amount per unit, on the quantity as SAT's Base).
func lineTraslados(l fiscal.Line) []Tax {
	vatBase := l.VATBase
	if vatBase.IsZero() {
		vatBase = l.Subtotal
	}
	vat := Tax{Impuesto: IVA, Base: vatBase, Rate: l.VATRate.Div(hundred), Importe: l.VAT}
	if l.VATExempt {
		vat = Tax{Impuesto: IVA, Factor: Exento, Base: vatBase}
	}
	out := []Tax{vat}
	switch {
	case l.ExciseQuota.IsPositive():
		out = append(out, Tax{Impuesto: IEPS, Factor: Cuota, Base: l.Quantity, Rate: l.ExciseQuota, Importe: l.Excise})
	case l.ExciseRate.IsPositive():
		out = append(out, Tax{Impuesto: IEPS, Base: l.Subtotal, Rate: l.ExciseRate.Div(hundred), Importe: l.Excise})
	}
	return out
}

// foreignReceiver is SAT's foreign receiver (XEXX010101000, régimen 616, use S01, the
// issuer's postal code), with its country of fiscal residence and tax id there when the
// customer has them; an export customer's invoices are definitive exports (Exportacion
// 02), which need both. (SAT wants the Comercio Exterior complement with Exportacion 02
// for goods: billrun does not write it — see the README.)
func foreignReceiver(d *Invoice, c fiscal.Customer) error {
	d.Receptor = Receptor{Rfc: RFCForeign, Nombre: strings.ToUpper(c.Name), DomicilioFiscal: d.LugarExpedicion, RegimenFiscal: "616", UsoCFDI: "S01"}
	if c.FiscalResidence != "" {
		d.Receptor.ResidenciaFiscal, d.Receptor.NumRegIdTrib = c.FiscalResidence, c.TaxID
	}
	if c.Export {
		if c.FiscalResidence == "" || c.TaxID == "" {
			return fmt.Errorf("customer %s is an export customer without its fiscal residence and tax id (ResidenciaFiscal, NumRegIdTrib)", c.Code)
		}
		d.Exportacion = "02"
	}
	return nil
}

// Relation types of SAT's c_TipoRelacion for a credit note: a rebate is a credit note on
// the related documents (01), a return is a return of goods invoiced before (03).
var tipoRelacion = map[string]string{"rebate": "01", "return": "03"}

// egreso makes a credit note's CFDI an egreso related to the invoice it corrects. An
// egreso is paid in one exhibition (PUE), which SAT does not allow with form 99 ("to be
// defined"): a credit note on an invoice paid in installments settles by compensation (17)
// against what is owed; one on an invoice paid in a known form refunds in that form.
func egreso(d *Invoice, rel fiscal.Related) error {
	tipo, ok := tipoRelacion[rel.Kind]
	if !ok {
		return fmt.Errorf("credit note of kind %q has no CFDI relation type", rel.Kind)
	}
	if rel.UUID == "" && !rel.Standalone {
		return fmt.Errorf("the invoice %s-%d it corrects is not stamped: a credit note relates to its folio fiscal", rel.Series, rel.Number)
	}
	d.TipoDeComprobante = "E"
	d.MetodoPago = "PUE"
	if d.FormaPago == "" || d.FormaPago == "99" {
		d.FormaPago = "17"
	}
	d.CondicionesDePago = ""
	if !rel.Standalone {
		d.Relacionados = &CfdiRelacionados{TipoRelacion: tipo, UUIDs: []string{rel.UUID}}
	}
	return nil
}
