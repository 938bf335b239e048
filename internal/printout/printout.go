// Package printout renders an invoice's printed representation (PDF) from a View that a
// fiscal profile fills: issuer, customer, payment terms, lines, taxes, totals, and the
// fiscal proof (certificate, signatures, the certifier's stamp and its QR code). It prints
// in Go's own fonts, embedded; a character they cannot draw prints as "?" with a note that
// the XML holds the exact text, never as a silent blank.
package printout

import (
	"bytes"
	"compress/zlib"
	"strings"
	"sync"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// View is what the printout shows, every value already worded for a reader.
type View struct {
	Title  string      // "Factura A-12", "Ticket T-3"
	Header [][2]string // label, value: folio fiscal, dates, place, type
	Issuer Party
	// Customer is the billed party: Name as the customer is known (accents included), and
	// the fiscal receiver's data as the document states it.
	Customer     Party
	ReceiverName string      // the name the document gives the receiver, when it differs
	Payment      [][2]string // currency, rate, method, form, terms, due date
	Lines        []Line
	Totals       [][2]string // subtotal, discount, each tax, total
	// Proof is the fiscal proof: certificate numbers, signatures, the stamp's cadena.
	Proof [][2]string
	QR    string // the text of the QR code (SAT's verification URL); none when empty
	Notes []string
	// CodeTitle names the lines' code column: Mexico's product key (Clave, the default),
	// Uruguay's VAT indicator (IVA).
	CodeTitle string
}

// Party is an issuer or a customer.
type Party struct {
	Name    string
	Details []string // "RFC …", "Régimen fiscal …", "C.P. …"
}

// Line is one concept, every value formatted.
type Line struct {
	Qty, Unit, Code, Description, UnitPrice, Discount, Amount string
}

// regular tells which characters the fonts draw (Go Bold covers the same as Go Regular).
var regular *sfnt.Font

func init() {
	var err error
	if regular, err = sfnt.Parse(goregular.TTF); err != nil {
		panic(err)
	}
}

// Printable answers s with every character the fonts cannot draw replaced by "?", and
// whether any was.
func Printable(s string) (string, bool) {
	var buf sfnt.Buffer
	var b strings.Builder
	replaced := false
	for _, r := range s {
		if r == '\n' || r == '\t' {
			b.WriteRune(' ')
			continue
		}
		g, err := regular.GlyphIndex(&buf, r)
		if err != nil || g == 0 {
			b.WriteRune('?')
			replaced = true
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), replaced
}

// Render draws the view on A4 pages and returns the PDF.
func Render(v View) ([]byte, error) {
	p, err := startPDF()
	if err != nil {
		return nil, err
	}
	p.heading(v)
	p.parties(v)
	p.table(lineColumns(v.CodeTitle), v.Lines)
	p.totals(v.Totals)
	if err := p.proof(v); err != nil {
		return nil, err
	}
	p.notes(v.Notes)

	var buf bytes.Buffer
	if _, err := p.pdf.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fonts are Go's fonts, parsed once for every document a process prints (each document
// still embeds only the characters it draws).
var fonts = sync.OnceValues(func() (*gopdf.FontContainer, error) {
	var c gopdf.FontContainer
	if err := c.AddTTFFontData("regular", goregular.TTF); err != nil {
		return nil, err
	}
	return &c, c.AddTTFFontData("bold", gobold.TTF)
})

// startPDF starts an A4 document in Go's fonts, at the top of its first page.
func startPDF() (*page, error) {
	c, err := fonts()
	if err != nil {
		return nil, err
	}
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	pdf.SetCompressLevel(zlib.BestSpeed) // a few per cent larger, several times faster to write
	for _, family := range []string{"regular", "bold"} {
		if err := pdf.AddTTFFontFromFontContainer(family, c); err != nil {
			return nil, err
		}
	}
	pdf.AddPage()
	return &page{pdf: pdf, y: margin}, nil
}
