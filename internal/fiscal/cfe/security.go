package cfe

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// SecurityCode is the CFE's código de seguridad: the first 6 characters of its signature's
// DigestValue, as DGI's printing rules say.
func SecurityCode(xml string) string {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return ""
	}
	d := doc.FindElement("//Signature/SignedInfo/Reference/DigestValue")
	if d == nil {
		return ""
	}
	v := strings.TrimSpace(d.Text())
	if len(v) > 6 {
		v = v[:6]
	}
	return v
}

// VerificationURL is DGI's page that verifies a CFE, as its QR code carries it: the
// issuer's RUT, CFE type, series, number, total, date of issue (dd/mm/yyyy) and the
// signature's digest.
func VerificationURL(xml string) string {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return ""
	}
	text := func(path string) string {
		if e := doc.FindElement(path); e != nil {
			return strings.TrimSpace(e.Text())
		}
		return ""
	}
	date := text("//IdDoc/FchEmis")
	if len(date) == 10 {
		date = date[8:10] + "/" + date[5:7] + "/" + date[0:4]
	}
	total, err := decimal.NewFromString(text("//Totales/MntTotal"))
	if err != nil {
		return ""
	}
	return fmt.Sprintf("https://www.efactura.dgi.gub.uy/consultaQR/cfe?%s,%s,%s,%s,%s,%s,%s",
		text("//Emisor/RUCEmisor"), text("//IdDoc/TipoCFE"), text("//IdDoc/Serie"), text("//IdDoc/Nro"),
		total.StringFixed(2), date, text("//Signature/SignedInfo/Reference/DigestValue"))
}
