package cfdi

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
)

// Concept of every ticket in a global invoice, as SAT's guide for the factura global
// sets it: product 01010101, unit ACT, description "Venta", the ticket's number as
// NoIdentificacion.
const (
	globalProduct     = "01010101"
	globalUnit        = "ACT"
	globalDescription = "Venta"
)

// ticketTaxes are the ticket tax kinds as CFDI taxes: their Impuesto and TipoFactor.
var ticketTaxes = map[string]Tax{
	"vat": {Impuesto: IVA}, "vat_exempt": {Impuesto: IVA, Factor: Exento},
	"excise": {Impuesto: IEPS}, "excise_quota": {Impuesto: IEPS, Factor: Cuota},
	"vat_withheld": {Impuesto: IVA}, "isr_withheld": {Impuesto: ISR},
}

// FromGlobal is the CFDI 4.0 ingreso of a global invoice: to the general public
// (XAXX010101000, régimen 616, UsoCFDI S01) with InformacionGlobal, one concept per
// ticket, whose taxes are the ticket's summed per tax and rate, so that the invoice
// states exactly what its tickets charged.
func FromGlobal(inv fiscal.Invoice) (Invoice, error) {
	g := inv.Global
	if g == nil || len(g.Tickets) == 0 {
		return Invoice{}, fmt.Errorf("global invoice %s-%d carries no tickets", inv.Series, inv.Number)
	}
	if inv.Currency != "MXN" {
		return Invoice{}, fmt.Errorf("global invoice %s-%d is in %s: SAT's global invoice is issued in MXN", inv.Series, inv.Number, inv.Currency)
	}
	d := Invoice{Serie: inv.Series, Folio: inv.Number, Moneda: inv.Currency, Decimals: inv.Decimals,
		SubTotal: inv.Amount, Descuento: inv.Discount, Total: inv.Total, TipoDeComprobante: "I",
		FormaPago: inv.Terms.FormaPago, MetodoPago: "PUE", LugarExpedicion: inv.Issuer.PostalCode,
		Emisor: Emisor{Rfc: inv.Issuer.TaxID, Nombre: inv.Issuer.Name, RegimenFiscal: inv.Issuer.Regime}}
	if g.FormaPago != "" { // the form of the largest amount received (SAT's guide for the global CFDI)
		d.FormaPago = g.FormaPago
	}
	if d.FormaPago == "" || d.FormaPago == "99" {
		return d, fmt.Errorf("global invoice %s-%d: its tickets and the generic customer's payment terms name no form of payment (forma_pago other than 99)", inv.Series, inv.Number)
	}
	if g.Replaces != "" { // a global invoice issued again without a sale invoiced nominatively (motive 04)
		d.Relacionados = &CfdiRelacionados{TipoRelacion: "04", UUIDs: []string{g.Replaces}}
	}
	d.Fecha = inv.IssuedAt.In(mexicoCity).Truncate(time.Second)
	d.Receptor = Receptor{Rfc: RFCGeneric, Nombre: "PUBLICO EN GENERAL", DomicilioFiscal: d.LugarExpedicion, RegimenFiscal: "616", UsoCFDI: "S01"}
	d.Global = &InformacionGlobal{Periodicidad: g.Periodicidad, Meses: g.Meses, Año: fmt.Sprint(g.Año)}
	for _, t := range g.Tickets {
		con := Concepto{ClaveProdServ: globalProduct, NoIdentificacion: t.Number, Cantidad: decimal.NewFromInt(1),
			ClaveUnidad: globalUnit, Descripcion: globalDescription, ValorUnitario: t.Amount, Importe: t.Amount, Descuento: t.Discount}
		for _, x := range t.Taxes {
			tax, ok := ticketTaxes[x.Kind]
			if !ok {
				return d, fmt.Errorf("ticket %s has a tax of unknown kind %q", t.Number, x.Kind)
			}
			tax.Base, tax.Rate, tax.Importe = x.Base, x.Rate.Div(hundred), x.Amount
			switch tax.Factor {
			case Cuota:
				tax.Rate = x.Rate // an amount per unit, on the units sold
			case Exento:
				tax.Rate, tax.Importe = decimal.Zero, decimal.Zero
			}
			if x.Kind == "vat_withheld" || x.Kind == "isr_withheld" {
				con.Retenciones = append(con.Retenciones, tax)
			} else {
				con.Traslados = append(con.Traslados, tax)
			}
		}
		d.Conceptos = append(d.Conceptos, con)
	}
	return d, nil
}
