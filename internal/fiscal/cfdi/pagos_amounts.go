package cfdi

import (
	"github.com/shopspring/decimal"
)

// PaidDocument is an invoice as the payment complement relates it (a pago20:DoctoRelacionado):
// the invoice as issued — its total and its document-level taxes — and what this payment
// pays of it.
type PaidDocument struct {
	UUID           string
	Serie          string
	Folio          int64
	MonedaDR       string
	Decimals       int32           // of MonedaDR
	EquivalenciaDR decimal.Decimal // units of MonedaDR per unit of the payment's currency (1: the same)
	NumParcialidad int             // this payment's number among the invoice's payments, from 1
	Total          decimal.Decimal // the invoice's Total
	SaldoAnt       decimal.Decimal // what was owed before this payment
	Pagado         decimal.Decimal // what this payment pays of it, in MonedaDR
	Traslados      []Tax           // the invoice's transferred taxes, summed by tax and rate
	Retenciones    []Tax           // its withheld taxes, likewise
}

// SaldoInsoluto is what stays owed after this payment.
func (d PaidDocument) SaldoInsoluto() decimal.Decimal { return d.SaldoAnt.Sub(d.Pagado) }

// PaidTaxes are the taxes of the part paid: each of the invoice's taxes (base and amount)
// in proportion to what the payments have paid so far, less what the earlier payments
// declared. Computed on the cumulative paid share, every payment's part is within a cent
// of its own proportion, and the parts of a fully paid invoice add up to its taxes
// exactly — with no state but the balance before the payment. An exempt tax's part is its
// base's (its Importe is 0); a quota's base is a quantity, taken in the same proportion.
func (d PaidDocument) PaidTaxes() (traslados, retenciones []Tax) {
	before := d.Total.Sub(d.SaldoAnt)
	after := before.Add(d.Pagado)
	part := func(amount decimal.Decimal) decimal.Decimal {
		if d.Total.IsZero() {
			return decimal.Zero
		}
		upTo := func(paid decimal.Decimal) decimal.Decimal {
			return amount.Mul(paid).Div(d.Total).Round(d.Decimals)
		}
		return upTo(after).Sub(upTo(before))
	}
	scale := func(taxes []Tax) []Tax {
		out := make([]Tax, 0, len(taxes))
		for _, t := range taxes {
			out = append(out, Tax{Impuesto: t.Impuesto, Factor: t.Factor, Rate: t.Rate, Base: part(t.Base), Importe: part(t.Importe)})
		}
		return out
	}
	return scale(d.Traslados), scale(d.Retenciones)
}

// inPaymentCurrency converts an amount of the document's currency to the payment's.
func (d PaidDocument) inPaymentCurrency(x decimal.Decimal) decimal.Decimal {
	if d.EquivalenciaDR.IsZero() {
		return x
	}
	return x.Div(d.EquivalenciaDR)
}

// Equivalencia is EquivalenciaDR for an invoice in currency dr paid in currency p, from each
// currency's rate in MXN (1 for MXN): units of dr per unit of p, to SAT's ten decimals,
// rounded up — so ImpPagado ÷ EquivalenciaDR never passes what was paid.
func Equivalencia(drRate, pRate decimal.Decimal) decimal.Decimal {
	if drRate.Equal(pRate) {
		return decimal.NewFromInt(1)
	}
	return pRate.DivRound(drRate, 20).RoundCeil(10)
}
