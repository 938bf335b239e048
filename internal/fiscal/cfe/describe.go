package cfe

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"billrun/internal/catalogs"
	"billrun/internal/fiscal"
	"billrun/internal/printout"
)

// Describe names a CFE as DGI prints it — "e-Factura A 0000001" — with its CAE, security
// code and DGI's verification link.
func (Profile) Describe(d fiscal.Document, _ string) fiscal.Description {
	out := fiscal.Description{Name: "CFE", Money: printout.MoneyUY,
		Attachments: "Adjuntamos el comprobante fiscal electrónico (CFE, XML firmado) y su representación impresa (PDF)."}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(d.XML); err != nil {
		return out
	}
	t := func(path string) string {
		if e := doc.FindElement(path); e != nil {
			return strings.TrimSpace(e.Text())
		}
		return ""
	}
	if n := catalogs.CFETypeNames[t("//IdDoc/TipoCFE")]; n != "" {
		out.Name = n
	}
	if nro, err := strconv.ParseInt(t("//IdDoc/Nro"), 10, 64); err == nil {
		out.Number = catalogs.CFENumber(t("//IdDoc/Serie"), nro)
	}
	out.Facts = [][2]string{{"CAE", t("//CAEData/CAE_ID")}, {"Código de seguridad", SecurityCode(d.XML)},
		{"Verificación en DGI", VerificationURL(d.XML)}}
	return out
}
