// Package cfe writes Uruguay's CFE (Comprobante Fiscal Electrónico) as DGI's schema 1.40.0
// lays it out — e-Ticket (101) for a receiver with a cédula, e-Factura (111) for one with a
// RUT, and their credit notes (102, 112) — and signs it with an enveloped XMLDSig.
// Profile is Uruguay's fiscal profile: it makes the CFE of a completed invoice numbered
// inside a CAE, signs it with the issuer's certificate, sends it to DGI in an EnvioCFE
// envelope and records DGI's acknowledgement, and prints it.
package cfe

import (
	"fmt"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// NS is DGI's CFE namespace.
const NS = "http://cfe.dgi.gub.uy"

// CFE types (DGI's TipoCFE).
const (
	ETicket          = 101
	ETicketNotaCred  = 102
	EFactura         = 111
	EFacturaNotaCred = 112
	// Contingency (CFC): the types of DGI's pre-printed series, written on paper while
	// billrun could not issue electronically, recorded and sent later.
	ETicketCont          = 201
	ETicketContNotaCred  = 202
	ETicketContNotaDeb   = 203
	EFacturaCont         = 211
	EFacturaContNotaCred = 212
	EFacturaContNotaDeb  = 213
)

// IsTicket tells an e-Ticket or one of its notes (electronic or contingency) from an
// e-Factura's: the e-Ticket family is 101-103 and 201-203.
func IsTicket(tipo int) bool { return tipo%100 < 10 }

// IsContingency tells a contingency type (CFC, 2xx).
func IsContingency(tipo int) bool { return tipo >= 200 && tipo < 300 }

// IsFactura tells an e-Factura or one of its notes (electronic or contingency).
func IsFactura(tipo int) bool {
	switch tipo {
	case EFactura, EFacturaNotaCred, EFacturaCont, EFacturaContNotaCred, EFacturaContNotaDeb:
		return true
	}
	return false
}

// Receiver document types (DGI's TipoDocRecep).
const (
	DocRUT   = 2
	DocCI    = 3
	DocOtros = 4
)

// Billing indicators (DGI's IndFact) of the VAT a line bears.
const (
	IndExento = 1 // exempt
	IndMinima = 2 // minimum rate (10 %)
	IndBasica = 3 // basic rate (22 %)
)

// VAT rates in force, in percent.
var (
	TasaMinima = decimal.NewFromInt(10)
	TasaBasica = decimal.NewFromInt(22)
)

// Document is one CFE as it is written.
type Document struct {
	Tipo      int
	Serie     string
	Nro       int64
	FchEmis   time.Time
	FmaPago   int       // 1 cash, 2 credit
	TmstFirma time.Time // when it is signed, with its zone
	Emisor    Emisor
	Receptor  Receptor
	Moneda    string          // UYU, USD
	TpoCambio decimal.Decimal // written when Moneda is not UYU
	Items     []Item
	// Referencia is the CFE a credit note corrects.
	Referencia *Referencia
	CAE        CAE
}

// Referencia is the CFE a credit note corrects.
type Referencia struct {
	Tipo  int
	Serie string
	Nro   int64
	Razon string
	Fecha time.Time
}

// Emisor is the issuer.
type Emisor struct {
	RUC, RznSoc, CdgDGISucur, DomFiscal, Ciudad, Departamento string
}

// Receptor is the receiver, by its document type; TipoDoc 0: none (an e-Ticket to a
// consumer who gives no document).
type Receptor struct {
	TipoDoc              int
	CodPais, Doc, RznSoc string
	Dir, Ciudad          string // optional
}

// Item is one line: its amount (MontoItem) is quantity × price less its discount, already
// rounded; IVA is the VAT billed on it.
type Item struct {
	IndFact        int
	NomItem        string
	Cantidad       decimal.Decimal
	UniMed         string
	PrecioUnitario decimal.Decimal
	DescuentoMonto decimal.Decimal
	MontoItem      decimal.Decimal
	IVA            decimal.Decimal
}

// CAE is DGI's authorization the number falls in: its id, range and expiry.
type CAE struct {
	ID           string
	Desde, Hasta int64
	Vence        time.Time
}

// Totals are a CFE's sums by VAT rate, as DGI's Totales holds them. Each rate's VAT is the
// sum of the VAT billed on its lines (what the receivable holds; billrun rounds VAT per
// line), which is the rate on the net total give or take half a cent per line.
type Totals struct {
	NoGravado, NetoMinima, NetoBasica, IVAMinima, IVABasica, Total decimal.Decimal
}

// Totalize sums the items by rate.
func Totalize(items []Item) Totals {
	var t Totals
	for _, it := range items {
		switch it.IndFact {
		case IndExento:
			t.NoGravado = t.NoGravado.Add(it.MontoItem)
		case IndMinima:
			t.NetoMinima = t.NetoMinima.Add(it.MontoItem)
		case IndBasica:
			t.NetoBasica = t.NetoBasica.Add(it.MontoItem)
		}
	}
	for _, it := range items {
		switch it.IndFact {
		case IndMinima:
			t.IVAMinima = t.IVAMinima.Add(it.IVA)
		case IndBasica:
			t.IVABasica = t.IVABasica.Add(it.IVA)
		}
	}
	t.Total = t.NoGravado.Add(t.NetoMinima).Add(t.NetoBasica).Add(t.IVAMinima).Add(t.IVABasica)
	return t
}

// Build writes the unsigned CFE.
func Build(d Document) (*etree.Document, error) {
	kind, err := kindElement(d)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	doc.CreateText("\n")
	root := doc.CreateElement("ns0:CFE")
	root.CreateAttr("xmlns:ns0", NS)
	root.CreateAttr("version", "1.0")
	c := root.CreateElement(kind)
	field(c, "TmstFirma", d.TmstFirma.Format(time.RFC3339))
	enc := c.CreateElement("ns0:Encabezado")
	idDoc(enc, d)
	emisor(enc, d.Emisor)
	if d.Receptor.TipoDoc != 0 {
		receptor(enc, d.Receptor)
	}
	totales(enc, d)
	detalle(c, d.Items)
	if r := d.Referencia; r != nil {
		referencia(c, r)
	}
	caeData(c, d.CAE)
	return doc, nil
}

// kindElement is the element a CFE of d's type is written in: eTck for an e-Ticket and its
// credit note, eFact for an e-Factura and its. It refuses what DGI would: another type, an
// e-Factura to a receiver without a RUT, a CFE without lines.
func kindElement(d Document) (string, error) {
	var kind string
	switch d.Tipo {
	case ETicket, ETicketNotaCred, ETicketCont, ETicketContNotaCred, ETicketContNotaDeb:
		kind = "ns0:eTck"
	case EFactura, EFacturaNotaCred, EFacturaCont, EFacturaContNotaCred, EFacturaContNotaDeb:
		kind = "ns0:eFact"
	default:
		return "", fmt.Errorf("CFE type %d is not an e-Ticket (101, 102, contingency 201-203) or an e-Factura (111, 112, contingency 211-213)", d.Tipo)
	}
	if IsFactura(d.Tipo) {
		if d.Receptor.TipoDoc != DocRUT {
			return "", fmt.Errorf("an e-Factura's receiver has a RUT (document type 2), not type %d", d.Receptor.TipoDoc)
		}
	}
	if len(d.Items) == 0 {
		return "", fmt.Errorf("a CFE has at least one line")
	}
	return kind, nil
}

// field writes one of DGI's fields: an ns0: element holding v.
func field(parent *etree.Element, tag, v string) { parent.CreateElement("ns0:" + tag).SetText(v) }

// money writes an amount as DGI's fields hold it, to the cent.
func money(v decimal.Decimal) string { return v.StringFixed(2) }

// idDoc identifies the CFE: type, series and number, date of issue, and cash or credit.
func idDoc(enc *etree.Element, d Document) {
	id := enc.CreateElement("ns0:IdDoc")
	field(id, "TipoCFE", fmt.Sprint(d.Tipo))
	field(id, "Serie", d.Serie)
	field(id, "Nro", fmt.Sprint(d.Nro))
	field(id, "FchEmis", d.FchEmis.Format(time.DateOnly))
	field(id, "FmaPago", fmt.Sprint(d.FmaPago))
}

func emisor(enc *etree.Element, e Emisor) {
	em := enc.CreateElement("ns0:Emisor")
	field(em, "RUCEmisor", e.RUC)
	field(em, "RznSoc", e.RznSoc)
	field(em, "CdgDGISucur", e.CdgDGISucur)
	field(em, "DomFiscal", e.DomFiscal)
	field(em, "Ciudad", e.Ciudad)
	field(em, "Departamento", e.Departamento)
}

// receptor writes the receiver: a foreign document (type 4) as DocRecepExt, a RUT or
// cédula as DocRecep; the address only when given.
func receptor(enc *etree.Element, r Receptor) {
	re := enc.CreateElement("ns0:Receptor")
	field(re, "TipoDocRecep", fmt.Sprint(r.TipoDoc))
	field(re, "CodPaisRecep", r.CodPais)
	if r.TipoDoc == DocOtros {
		field(re, "DocRecepExt", r.Doc)
	} else {
		field(re, "DocRecep", r.Doc)
	}
	field(re, "RznSocRecep", r.RznSoc)
	if r.Dir != "" {
		field(re, "DirRecep", r.Dir)
	}
	if r.Ciudad != "" {
		field(re, "CiudadRecep", r.Ciudad)
	}
}

// totales writes the sums by VAT rate: each net amount and its VAT only when lines bear
// that rate, the rates in force always.
func totales(enc *etree.Element, d Document) {
	t := Totalize(d.Items)
	tot := enc.CreateElement("ns0:Totales")
	field(tot, "TpoMoneda", d.Moneda)
	if d.Moneda != "UYU" {
		field(tot, "TpoCambio", d.TpoCambio.StringFixed(3))
	}
	if t.NoGravado.IsPositive() {
		field(tot, "MntNoGrv", money(t.NoGravado))
	}
	if t.NetoMinima.IsPositive() {
		field(tot, "MntNetoIvaTasaMin", money(t.NetoMinima))
	}
	if t.NetoBasica.IsPositive() {
		field(tot, "MntNetoIVATasaBasica", money(t.NetoBasica))
	}
	field(tot, "IVATasaMin", TasaMinima.StringFixed(3))
	field(tot, "IVATasaBasica", TasaBasica.StringFixed(3))
	if t.NetoMinima.IsPositive() {
		field(tot, "MntIVATasaMin", money(t.IVAMinima))
	}
	if t.NetoBasica.IsPositive() {
		field(tot, "MntIVATasaBasica", money(t.IVABasica))
	}
	field(tot, "MntTotal", money(t.Total))
	field(tot, "CantLinDet", fmt.Sprint(len(d.Items)))
	field(tot, "MntPagar", money(t.Total))
}

// detalle writes the lines, numbered from 1.
func detalle(c *etree.Element, items []Item) {
	det := c.CreateElement("ns0:Detalle")
	for i, it := range items {
		x := det.CreateElement("ns0:Item")
		field(x, "NroLinDet", fmt.Sprint(i+1))
		field(x, "IndFact", fmt.Sprint(it.IndFact))
		field(x, "NomItem", it.NomItem)
		field(x, "Cantidad", it.Cantidad.String())
		field(x, "UniMed", it.UniMed)
		field(x, "PrecioUnitario", it.PrecioUnitario.String())
		if it.DescuentoMonto.IsPositive() {
			field(x, "DescuentoMonto", money(it.DescuentoMonto))
		}
		field(x, "MontoItem", money(it.MontoItem))
	}
}

// referencia writes the one CFE a credit note corrects.
func referencia(c *etree.Element, r *Referencia) {
	ref := c.CreateElement("ns0:Referencia").CreateElement("ns0:Referencia")
	field(ref, "NroLinRef", "1")
	field(ref, "TpoDocRef", fmt.Sprint(r.Tipo))
	field(ref, "Serie", r.Serie)
	field(ref, "NroCFERef", fmt.Sprint(r.Nro))
	if r.Razon != "" {
		field(ref, "RazonRef", r.Razon)
	}
	field(ref, "FechaCFEref", r.Fecha.Format(time.DateOnly))
}

// caeData writes the CAE the number falls in: its id, range and expiry.
func caeData(c *etree.Element, cae CAE) {
	e := c.CreateElement("ns0:CAEData")
	field(e, "CAE_ID", cae.ID)
	field(e, "DNro", fmt.Sprint(cae.Desde))
	field(e, "HNro", fmt.Sprint(cae.Hasta))
	field(e, "FecVenc", cae.Vence.Format(time.DateOnly))
}
