// Package cfdi is Mexico's fiscal profile (fiscal.Profile): it builds, seals and checks
// CFDI 4.0 invoices — the document with beevik/etree, the cadena original in Go by the
// rules of SAT's cadenaoriginal_4_0.xslt, the Sello with the issuer's CSD (RSA PKCS#1 v1.5
// over SHA-256) — and fills the printout's view. It does no I/O but reading key files.
package cfdi

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// NS is the CFDI 4.0 namespace.
const NS = "http://www.sat.gob.mx/cfd/4"

// field is one attribute of SAT's stylesheet: required ones always print a "|", optional
// ones only when present.
type field struct {
	name     string
	required bool
}

func req(n string) field { return field{n, true} }
func opt(n string) field { return field{n, false} }

// The attribute orders of cadenaoriginal_4_0.xslt, node by node.
var (
	comprobanteFields = []field{req("Version"), opt("Serie"), opt("Folio"), req("Fecha"), opt("FormaPago"), req("NoCertificado"),
		opt("CondicionesDePago"), req("SubTotal"), opt("Descuento"), req("Moneda"), opt("TipoCambio"), req("Total"),
		req("TipoDeComprobante"), req("Exportacion"), opt("MetodoPago"), req("LugarExpedicion"), opt("Confirmacion")}
	informacionGlobalFields = []field{req("Periodicidad"), req("Meses"), req("Año")}
	emisorFields            = []field{req("Rfc"), req("Nombre"), req("RegimenFiscal"), opt("FacAtrAdquirente")}
	receptorFields          = []field{req("Rfc"), req("Nombre"), req("DomicilioFiscalReceptor"), opt("ResidenciaFiscal"),
		opt("NumRegIdTrib"), req("RegimenFiscalReceptor"), req("UsoCFDI")}
	conceptoFields = []field{req("ClaveProdServ"), opt("NoIdentificacion"), req("Cantidad"), req("ClaveUnidad"), opt("Unidad"),
		req("Descripcion"), req("ValorUnitario"), req("Importe"), opt("Descuento"), req("ObjetoImp")}
	conceptoTrasladoFields  = []field{req("Base"), req("Impuesto"), req("TipoFactor"), opt("TasaOCuota"), opt("Importe")}
	conceptoRetencionFields = []field{req("Base"), req("Impuesto"), req("TipoFactor"), req("TasaOCuota"), req("Importe")}
	aCuentaTercerosFields   = []field{req("RfcACuentaTerceros"), req("NombreACuentaTerceros"), req("RegimenFiscalACuentaTerceros"),
		req("DomicilioFiscalACuentaTerceros")}
	informacionAduaneraFields = []field{req("NumeroPedimento")}
	cuentaPredialFields       = []field{req("Numero")}
	parteFields               = []field{req("ClaveProdServ"), opt("NoIdentificacion"), req("Cantidad"), opt("Unidad"),
		req("Descripcion"), opt("ValorUnitario"), opt("Importe")}
	retencionTotalFields = []field{req("Impuesto"), req("Importe")}
	trasladoTotalFields  = []field{req("Base"), req("Impuesto"), req("TipoFactor"), opt("TasaOCuota"), opt("Importe")}
)

// NormalizeSpace is XPath's normalize-space(): trims and collapses runs of space, tab,
// carriage return and line feed (and only those) to one space.
func NormalizeSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}), " ")
}

type cadena struct{ b strings.Builder }

func (c *cadena) fields(e *etree.Element, fs []field) {
	for _, f := range fs {
		a := e.SelectAttr(f.name)
		if a == nil && !f.required {
			continue
		}
		c.b.WriteByte('|')
		if a != nil {
			c.b.WriteString(NormalizeSpace(a.Value))
		}
	}
}

func children(e *etree.Element, path ...string) []*etree.Element {
	level := []*etree.Element{e}
	for _, name := range path {
		var next []*etree.Element
		for _, p := range level {
			for _, ch := range p.ChildElements() {
				if ch.Tag == name && (ch.NamespaceURI() == NS || ch.NamespaceURI() == "") {
					next = append(next, ch)
				}
			}
		}
		level = next
	}
	return level
}

// CadenaOriginal computes the cadena original of a CFDI 4.0 document as SAT's stylesheet
// does, for the nodes billrun writes and the common optional ones. In the Complemento, a
// PAC's TimbreFiscalDigital adds nothing (SAT's stylesheet has no template for it, and it
// holds no text), so a stamped document verifies; Pagos 2.0 adds its nodes as Pagos20.xslt
// does; any other complement, or a
// ComplementoConcepto with content, is refused: their stylesheets are not implemented here.
func CadenaOriginal(doc *etree.Document) (string, error) {
	root := doc.Root()
	if root == nil || root.Tag != "Comprobante" || root.NamespaceURI() != NS {
		return "", fmt.Errorf("cfdi: the root is not a CFDI 4.0 cfdi:Comprobante")
	}
	var c cadena
	c.b.WriteByte('|')
	c.fields(root, comprobanteFields)
	for _, ig := range children(root, "InformacionGlobal") {
		c.fields(ig, informacionGlobalFields)
	}
	for _, rel := range children(root, "CfdiRelacionados") {
		c.fields(rel, []field{req("TipoRelacion")})
		for _, r := range children(rel, "CfdiRelacionado") {
			c.fields(r, []field{req("UUID")})
		}
	}
	for _, e := range children(root, "Emisor") {
		c.fields(e, emisorFields)
	}
	for _, r := range children(root, "Receptor") {
		c.fields(r, receptorFields)
	}
	for _, con := range children(root, "Conceptos", "Concepto") {
		c.fields(con, conceptoFields)
		for _, t := range children(con, "Impuestos", "Traslados", "Traslado") {
			c.fields(t, conceptoTrasladoFields)
		}
		for _, r := range children(con, "Impuestos", "Retenciones", "Retencion") {
			c.fields(r, conceptoRetencionFields)
		}
		for _, a := range children(con, "ACuentaTerceros") {
			c.fields(a, aCuentaTercerosFields)
		}
		for _, a := range children(con, "InformacionAduanera") {
			c.fields(a, informacionAduaneraFields)
		}
		for _, p := range children(con, "CuentaPredial") {
			c.fields(p, cuentaPredialFields)
		}
		if cc := children(con, "ComplementoConcepto"); len(cc) > 0 && len(cc[0].ChildElements()) > 0 {
			return "", fmt.Errorf("cfdi: ComplementoConcepto is not supported")
		}
		for _, p := range con.FindElements(".//Parte") {
			c.fields(p, parteFields)
			for _, a := range children(p, "InformacionAduanera") {
				c.fields(a, informacionAduaneraFields)
			}
		}
	}
	for _, imp := range children(root, "Impuestos") {
		for _, r := range children(imp, "Retenciones", "Retencion") {
			c.fields(r, retencionTotalFields)
		}
		c.fields(imp, []field{opt("TotalImpuestosRetenidos")})
		for _, t := range children(imp, "Traslados", "Traslado") {
			c.fields(t, trasladoTotalFields)
		}
		c.fields(imp, []field{opt("TotalImpuestosTrasladados")})
	}
	for _, comp := range children(root, "Complemento") {
		for _, x := range comp.ChildElements() {
			switch {
			case x.NamespaceURI() == PagosNS && x.Tag == "Pagos":
				c.pagos(x)
			case x.NamespaceURI() != TFDNS || x.Tag != "TimbreFiscalDigital":
				return "", fmt.Errorf("cfdi: the complement %s is not supported", x.FullTag())
			}
		}
	}
	c.b.WriteString("||")
	return c.b.String(), nil
}
