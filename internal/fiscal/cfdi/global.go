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
	if d.FormaPago == "" || d.FormaPago == "99" {
		return d, fmt.Errorf("global invoice %s-%d: the generic customer's payment terms name no form of payment (forma_pago other than 99)", inv.Series, inv.Number)
	}
	d.Fecha = inv.IssuedAt.In(mexicoCity).Truncate(time.Second)
	d.Receptor = Receptor{Rfc: RFCGeneric, Nombre: "PUBLICO EN GENERAL", DomicilioFiscal: d.LugarExpedicion, RegimenFiscal: "616", UsoCFDI: "S01"}
	d.Global = &InformacionGlobal{Periodicidad: g.Periodicidad, Meses: g.Meses, Año: fmt.Sprint(g.Año)}
	hundred := decimal.NewFromInt(100)
	for _, t := range g.Tickets {
		con := Concepto{ClaveProdServ: globalProduct, NoIdentificacion: t.Number, Cantidad: decimal.NewFromInt(1),
			ClaveUnidad: globalUnit, Descripcion: globalDescription, ValorUnitario: t.Amount, Importe: t.Amount, Descuento: t.Discount}
		for _, x := range t.Taxes {
			tax := Tax{Base: x.Base, Rate: x.Rate.Div(hundred), Importe: x.Amount}
			switch x.Kind {
			case "vat":
				tax.Impuesto = IVA
			case "excise":
				tax.Impuesto = IEPS
			case "vat_withheld":
				tax.Impuesto = IVA
			case "isr_withheld":
				tax.Impuesto = ISR
			default:
				return d, fmt.Errorf("ticket %s has a tax of unknown kind %q", t.Number, x.Kind)
			}
			if x.Kind == "vat" || x.Kind == "excise" {
				con.Traslados = append(con.Traslados, tax)
			} else {
				con.Retenciones = append(con.Retenciones, tax)
			}
		}
		d.Conceptos = append(d.Conceptos, con)
	}
	return d, nil
}
