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
)

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
	var kind string
	switch d.Tipo {
	case ETicket, ETicketNotaCred:
		kind = "ns0:eTck"
	case EFactura, EFacturaNotaCred:
		kind = "ns0:eFact"
	default:
		return nil, fmt.Errorf("CFE type %d is not an e-Ticket (101, 102) or an e-Factura (111, 112)", d.Tipo)
	}
	if d.Tipo == EFactura || d.Tipo == EFacturaNotaCred {
		if d.Receptor.TipoDoc != DocRUT {
			return nil, fmt.Errorf("an e-Factura's receiver has a RUT (document type 2), not type %d", d.Receptor.TipoDoc)
		}
	}
	if len(d.Items) == 0 {
		return nil, fmt.Errorf("a CFE has at least one line")
	}
	money := func(v decimal.Decimal) string { return v.StringFixed(2) }
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	doc.CreateText("\n")
	root := doc.CreateElement("ns0:CFE")
	root.CreateAttr("xmlns:ns0", NS)
	root.CreateAttr("version", "1.0")
	c := root.CreateElement(kind)
	text := func(parent *etree.Element, tag, v string) { parent.CreateElement("ns0:" + tag).SetText(v) }
	text(c, "TmstFirma", d.TmstFirma.Format(time.RFC3339))
	enc := c.CreateElement("ns0:Encabezado")
	id := enc.CreateElement("ns0:IdDoc")
	text(id, "TipoCFE", fmt.Sprint(d.Tipo))
	text(id, "Serie", d.Serie)
	text(id, "Nro", fmt.Sprint(d.Nro))
	text(id, "FchEmis", d.FchEmis.Format(time.DateOnly))
	text(id, "FmaPago", fmt.Sprint(d.FmaPago))
	em := enc.CreateElement("ns0:Emisor")
	text(em, "RUCEmisor", d.Emisor.RUC)
	text(em, "RznSoc", d.Emisor.RznSoc)
	text(em, "CdgDGISucur", d.Emisor.CdgDGISucur)
	text(em, "DomFiscal", d.Emisor.DomFiscal)
	text(em, "Ciudad", d.Emisor.Ciudad)
	text(em, "Departamento", d.Emisor.Departamento)
	if d.Receptor.TipoDoc != 0 {
		re := enc.CreateElement("ns0:Receptor")
		text(re, "TipoDocRecep", fmt.Sprint(d.Receptor.TipoDoc))
		text(re, "CodPaisRecep", d.Receptor.CodPais)
		if d.Receptor.TipoDoc == DocOtros {
			text(re, "DocRecepExt", d.Receptor.Doc)
		} else {
			text(re, "DocRecep", d.Receptor.Doc)
		}
		text(re, "RznSocRecep", d.Receptor.RznSoc)
		if d.Receptor.Dir != "" {
			text(re, "DirRecep", d.Receptor.Dir)
		}
		if d.Receptor.Ciudad != "" {
			text(re, "CiudadRecep", d.Receptor.Ciudad)
		}
	}
	t := Totalize(d.Items)
	tot := enc.CreateElement("ns0:Totales")
	text(tot, "TpoMoneda", d.Moneda)
	if d.Moneda != "UYU" {
		text(tot, "TpoCambio", d.TpoCambio.StringFixed(3))
	}
	if t.NoGravado.IsPositive() {
		text(tot, "MntNoGrv", money(t.NoGravado))
	}
	if t.NetoMinima.IsPositive() {
		text(tot, "MntNetoIvaTasaMin", money(t.NetoMinima))
	}
	if t.NetoBasica.IsPositive() {
		text(tot, "MntNetoIVATasaBasica", money(t.NetoBasica))
	}
	text(tot, "IVATasaMin", TasaMinima.StringFixed(3))
	text(tot, "IVATasaBasica", TasaBasica.StringFixed(3))
	if t.NetoMinima.IsPositive() {
		text(tot, "MntIVATasaMin", money(t.IVAMinima))
	}
	if t.NetoBasica.IsPositive() {
		text(tot, "MntIVATasaBasica", money(t.IVABasica))
	}
	text(tot, "MntTotal", money(t.Total))
	text(tot, "CantLinDet", fmt.Sprint(len(d.Items)))
	text(tot, "MntPagar", money(t.Total))
	det := c.CreateElement("ns0:Detalle")
	for i, it := range d.Items {
		x := det.CreateElement("ns0:Item")
		text(x, "NroLinDet", fmt.Sprint(i+1))
		text(x, "IndFact", fmt.Sprint(it.IndFact))
		text(x, "NomItem", it.NomItem)
		text(x, "Cantidad", it.Cantidad.String())
		text(x, "UniMed", it.UniMed)
		text(x, "PrecioUnitario", it.PrecioUnitario.String())
		if it.DescuentoMonto.IsPositive() {
			text(x, "DescuentoMonto", money(it.DescuentoMonto))
		}
		text(x, "MontoItem", money(it.MontoItem))
	}
	if r := d.Referencia; r != nil {
		ref := c.CreateElement("ns0:Referencia").CreateElement("ns0:Referencia")
		text(ref, "NroLinRef", "1")
		text(ref, "TpoDocRef", fmt.Sprint(r.Tipo))
		text(ref, "Serie", r.Serie)
		text(ref, "NroCFERef", fmt.Sprint(r.Nro))
		if r.Razon != "" {
			text(ref, "RazonRef", r.Razon)
		}
		text(ref, "FechaCFEref", r.Fecha.Format(time.DateOnly))
	}
	cae := c.CreateElement("ns0:CAEData")
	text(cae, "CAE_ID", d.CAE.ID)
	text(cae, "DNro", fmt.Sprint(d.CAE.Desde))
	text(cae, "HNro", fmt.Sprint(d.CAE.Hasta))
	text(cae, "FecVenc", d.CAE.Vence.Format(time.DateOnly))
	return doc, nil
}
