// Package printout renders an invoice's printed representation (PDF) from a View that a
// fiscal profile fills: issuer, customer, lines, taxes, totals, series-folio, certificate
// and signature, in a UTF-8 font (Go's own, embedded) so accents and ñ print as written.
package printout

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// View is what the printout shows.
type View struct {
	Title         string // "Factura A-12"
	Fecha         string
	IssuerName    string
	IssuerRFC     string
	IssuerRegime  string
	Place         string
	CustomerName  string // as the customer is known, accents included
	ReceptorName  string // as the CFDI names it
	ReceptorRFC   string
	ReceptorCP    string
	ReceptorUse   string
	Currency      string
	Rate          string
	PaymentMethod string
	PaymentForm   string
	Lines         []Line
	SubTotal      string
	Discount      string
	Taxes         [][2]string // label, amount
	Total         string
	NoCertificado string
	Sello         string
}

// Line is one concept.
type Line struct{ Qty, Unit, Description, UnitPrice, Amount string }

const (
	pageW, margin = 595.28, 36.0
	width         = pageW - 2*margin
)

// Render draws the view on A4 pages and returns the PDF.
func Render(v View) ([]byte, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	if err := pdf.AddTTFFontData("regular", goregular.TTF); err != nil {
		return nil, err
	}
	if err := pdf.AddTTFFontData("bold", gobold.TTF); err != nil {
		return nil, err
	}
	pdf.AddPage()
	y := margin
	text := func(font string, size float64, x float64, s string) {
		_ = pdf.SetFont(font, "", size)
		pdf.SetXY(x, y)
		_ = pdf.Text(s)
	}
	line := func(font string, size float64, s string) {
		text(font, size, margin, s)
		y += size + 4
	}
	wrap := func(font string, size float64, s string) {
		_ = pdf.SetFont(font, "", size)
		lines, _ := pdf.SplitTextWithWordWrap(s, width)
		if len(lines) == 0 || (len(lines) == 1 && len(lines[0]) > 0 && len(s) > 120) {
			lines = chunk(s, 110)
		}
		for _, l := range lines {
			line(font, size, l)
		}
	}

	line("bold", 16, v.IssuerName)
	line("regular", 9, fmt.Sprintf("RFC %s · Régimen fiscal %s · Lugar de expedición %s", v.IssuerRFC, v.IssuerRegime, v.Place))
	y += 6
	line("bold", 14, v.Title)
	line("regular", 9, "Fecha "+v.Fecha)
	y += 6
	line("bold", 10, "Cliente")
	line("regular", 10, v.CustomerName)
	if v.ReceptorName != "" && !strings.EqualFold(v.ReceptorName, v.CustomerName) {
		line("regular", 9, "Receptor: "+v.ReceptorName)
	}
	line("regular", 9, fmt.Sprintf("RFC %s · C.P. %s · Uso CFDI %s", v.ReceptorRFC, v.ReceptorCP, v.ReceptorUse))
	pay := fmt.Sprintf("Moneda %s · Método de pago %s · Forma de pago %s", v.Currency, v.PaymentMethod, v.PaymentForm)
	if v.Rate != "" {
		pay += " · Tipo de cambio " + v.Rate
	}
	line("regular", 9, pay)
	y += 8

	cols := []float64{margin, margin + 50, margin + 90, margin + 360, margin + 440}
	header := []string{"Cant.", "Unidad", "Descripción", "P. unitario", "Importe"}
	_ = pdf.SetFont("bold", "", 9)
	for i, h := range header {
		pdf.SetXY(cols[i], y)
		_ = pdf.Text(h)
	}
	y += 4
	pdf.Line(margin, y, pageW-margin, y)
	y += 10
	for _, l := range v.Lines {
		if y > 760 {
			pdf.AddPage()
			y = margin
		}
		_ = pdf.SetFont("regular", "", 9)
		desc, _ := pdf.SplitTextWithWordWrap(l.Description, cols[3]-cols[2]-8)
		for i, s := range []string{l.Qty, l.Unit, "", l.UnitPrice, l.Amount} {
			if i == 2 {
				continue
			}
			pdf.SetXY(cols[i], y)
			_ = pdf.Text(s)
		}
		for _, d := range desc {
			pdf.SetXY(cols[2], y)
			_ = pdf.Text(d)
			y += 12
		}
		if len(desc) == 0 {
			y += 12
		}
	}
	pdf.Line(margin, y-6, pageW-margin, y-6)
	y += 6
	totals := [][2]string{{"Subtotal", v.SubTotal}}
	if v.Discount != "" {
		totals = append(totals, [2]string{"Descuento", "-" + v.Discount})
	}
	totals = append(totals, v.Taxes...)
	totals = append(totals, [2]string{"Total " + v.Currency, v.Total})
	for i, t := range totals {
		font := "regular"
		if i == len(totals)-1 {
			font = "bold"
		}
		text(font, 10, cols[3]-40, t[0])
		text(font, 10, cols[4], t[1])
		y += 14
	}
	y += 10
	line("bold", 8, "No. de certificado del emisor: "+v.NoCertificado)
	line("bold", 8, "Sello digital del CFDI:")
	wrap("regular", 7, v.Sello)
	y += 6
	line("regular", 7, "Este documento es una representación impresa de un CFDI 4.0.")

	var buf bytes.Buffer
	if _, err := pdf.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// chunk cuts a long unbroken string (a base64 seal) into printable lines.
func chunk(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}
