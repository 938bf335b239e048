package cfe

import (
	"fmt"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// Where a CFE number stands in its day's report.
const (
	DayIssued   = "issued"   // DGI accepted it (AE), or it is stamped
	DayAnnulled = "annulled" // DGI rejected it (BE) or the envelope it went in (BS): used, not issued
	DayAwaiting = "awaiting" // DGI has not answered it yet (or it was never sent)
)

// DayState is where CFE tipo serie nro stands for its day's report, from whether it is
// stamped and DGI's latest answer to it as stored (an ACKCFE — of its envelope, which may
// answer many CFE: its own ACKCFE_Det is read —, or the ACKSobre of its envelope). A
// stamped CFE is issued whatever that answer says: DGI's E03 to a CFE it held already
// (S08) stamps it.
func DayState(ack string, stamped bool, tipo int, serie string, nro int64) string {
	state := AnswerState(ack, tipo, serie, nro)
	switch {
	case stamped || state == AckReceived:
		return DayIssued
	case state == EnvelopeRejected && IsHeldAlready(ack):
		return DayAwaiting // DGI holds it (S08): its answer comes through a new envelope
	case state == AckRejected || state == EnvelopeRejected || state == FileRejected:
		return DayAnnulled
	}
	return DayAwaiting
}

// AnswerState is the state a stored answer of DGI's gives CFE tipo serie nro: an ACKCFE's
// (its own ACKCFE_Det), an ACKSobre's; "" when there is none or it cannot be read.
func AnswerState(ack string, tipo int, serie string, nro int64) string {
	doc := etree.NewDocument()
	if ack == "" || doc.ReadFromString(ack) != nil || doc.Root() == nil {
		return ""
	}
	switch doc.Root().Tag {
	case "ACKCFE":
		if d := answerFor(doc.Root(), tipo, serie, nro); d != nil {
			return text(d, "Estado")
		}
	case "ACKSobre":
		if d := doc.Root().SelectElement("Detalle"); d != nil {
			return text(d, "Estado")
		}
	}
	return ""
}

// Pesos is an amount of a CFE in pesos: at its exchange rate (1 for pesos), to the cent.
func Pesos(amount, rate decimal.Decimal) decimal.Decimal {
	if rate.IsZero() {
		rate = decimal.NewFromInt(1)
	}
	return amount.Mul(rate).Round(2)
}

// AddRate adds a CFE's net amount and VAT at one VAT rate (in the CFE's currency, at its
// exchange rate) to its reported amounts in pesos, by DGI's rates: exempt (0), minimum (10),
// basic (22). Another rate is refused, as a CFE refuses it.
func (c *ReportedCFE) AddRate(rate, net, vat, exchange decimal.Decimal) error {
	n, v := Pesos(net, exchange), Pesos(vat, exchange)
	switch {
	case rate.IsZero():
		c.Exempt = c.Exempt.Add(n)
	case rate.Equal(TasaMinima):
		c.NetMinimum, c.VATMinimum = c.NetMinimum.Add(n), c.VATMinimum.Add(v)
	case rate.Equal(TasaBasica):
		c.NetBasic, c.VATBasic = c.NetBasic.Add(n), c.VATBasic.Add(v)
	default:
		return fmt.Errorf("CFE %d %s %d has lines at VAT rate %s%%, not one of DGI's (0, 10, 22)", c.Type, c.Series, c.Number, rate)
	}
	return nil
}

// ReportedAnnulled says whether a daily report, as sent, lists CFE tipo serie nro among its
// annulled numbers (RngDocsAnulados): DGI then refuses that CFE if it is sent (E01).
func ReportedAnnulled(report string, tipo int, serie string, nro int64) bool {
	doc := etree.NewDocument()
	if report == "" || doc.ReadFromString(report) != nil {
		return false
	}
	for _, zone := range doc.FindElements("//RsmnData/..") {
		if text(zone, "TipoComp") != fmt.Sprint(tipo) {
			continue
		}
		for _, it := range zone.FindElements(".//RngDocsAnulados/RDA_Item") {
			var from, to int64
			fmt.Sscan(text(it, "NroDesde"), &from)
			fmt.Sscan(text(it, "NroHasta"), &to)
			if text(it, "Serie") == serie && from <= nro && nro <= to {
				return true
			}
		}
	}
	return false
}
