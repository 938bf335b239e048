// Package printout renders an invoice's printed representation (PDF) from a View that a
// fiscal profile fills: issuer, customer, payment terms, lines, taxes, totals, and the
// fiscal proof (certificate, signatures, the certifier's stamp and its QR code). It prints
// in Go's own fonts, embedded; a character they cannot draw prints as "?" with a note that
// the XML holds the exact text, never as a silent blank.
package printout

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"rsc.io/qr"
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

const (
	pageW, pageH = 595.28, 841.89
	margin       = 36.0
	width        = pageW - 2*margin
	bottom       = pageH - margin
)

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

type page struct {
	pdf      *gopdf.GoPdf
	y        float64
	replaced bool
}

func (p *page) font(name string, size float64) { _ = p.pdf.SetFont(name, "", size) }

// cell writes s in a box at (x, y) of width w, aligned (gopdf.Left or gopdf.Right).
func (p *page) cell(x, w float64, s string, align int) {
	s, r := Printable(s)
	p.replaced = p.replaced || r
	p.pdf.SetXY(x, p.y)
	_ = p.pdf.CellWithOption(&gopdf.Rect{W: w, H: 12}, s, gopdf.CellOption{Align: align | gopdf.Top})
}

// wrap splits s to fit width w in the current font; long unbroken strings (base64) are cut.
func (p *page) wrap(s string, w float64) []string {
	s, r := Printable(s)
	p.replaced = p.replaced || r
	lines, err := p.pdf.SplitTextWithWordWrap(s, w)
	if err != nil || len(lines) == 0 {
		lines = []string{s}
	}
	var out []string
	for _, l := range lines {
		for {
			tw, _ := p.pdf.MeasureTextWidth(l)
			if tw <= w || len([]rune(l)) < 2 {
				break
			}
			rs := []rune(l)
			n := int(float64(len(rs)) * w / tw)
			if n < 1 {
				n = 1
			}
			out = append(out, string(rs[:n]))
			l = string(rs[n:])
		}
		out = append(out, l)
	}
	return out
}

// need starts a new page unless h points fit on this one.
func (p *page) need(h float64) {
	if p.y+h > bottom {
		p.pdf.AddPage()
		p.y = margin
	}
}

func (p *page) text(name string, size float64, s string) {
	p.font(name, size)
	for _, l := range p.wrap(s, width) {
		p.need(size + 3)
		p.cell(margin, width, l, gopdf.Left)
		p.y += size + 3
	}
}

// pairs writes label: value pairs in two columns.
func (p *page) pairs(x, w float64, kv [][2]string, size float64) float64 {
	y0 := p.y
	for _, e := range kv {
		p.font("bold", size)
		p.cell(x, w*0.36, e[0], gopdf.Left)
		p.font("regular", size)
		lines := p.wrap(e[1], w*0.64)
		for _, l := range lines {
			p.cell(x+w*0.36, w*0.64, l, gopdf.Left)
			p.y += size + 3
		}
	}
	h := p.y - y0
	p.y = y0
	return h
}

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
	p := &page{pdf: pdf, y: margin}

	// Issuer on the left, the document's title and header on the right.
	half := width / 2
	p.font("bold", 14)
	p.cell(margin+half, half, v.Title, gopdf.Right)
	for _, l := range p.wrap(v.Issuer.Name, width*0.6) {
		p.cell(margin, width*0.6, l, gopdf.Left)
		p.y += 17
	}
	p.y += 3
	y0 := p.y
	p.font("regular", 8)
	for _, d := range v.Issuer.Details {
		for _, l := range p.wrap(d, width*0.42-10) {
			p.cell(margin, width*0.42-10, l, gopdf.Left)
			p.y += 11
		}
	}
	yl := p.y
	p.y = y0
	h := p.pairs(margin+width*0.42, width*0.58, v.Header, 8)
	p.y = max(yl, y0+h) + 8
	pdf.SetLineWidth(0.5)
	pdf.Line(margin, p.y, pageW-margin, p.y)
	p.y += 6

	// Customer on the left, payment on the right.
	y0 = p.y
	p.font("bold", 9)
	p.cell(margin, half, "Cliente", gopdf.Left)
	p.y += 12
	p.font("bold", 10)
	for _, l := range p.wrap(v.Customer.Name, half-10) {
		p.cell(margin, half-10, l, gopdf.Left)
		p.y += 13
	}
	p.font("regular", 8)
	if v.ReceiverName != "" {
		for _, l := range p.wrap("Receptor: "+v.ReceiverName, half-10) {
			p.cell(margin, half-10, l, gopdf.Left)
			p.y += 11
		}
	}
	for _, d := range v.Customer.Details {
		for _, l := range p.wrap(d, half-10) {
			p.cell(margin, half-10, l, gopdf.Left)
			p.y += 11
		}
	}
	yl = p.y
	p.y = y0
	h = p.pairs(margin+half, half, v.Payment, 8)
	p.y = max(yl, y0+h) + 8

	// Lines.
	type col struct {
		title string
		w     float64
		align int
	}
	cols := []col{{"Cant.", 40, gopdf.Right}, {"Unidad", 70, gopdf.Left}, {cmp.Or(v.CodeTitle, "Clave"), 48, gopdf.Left}, {"Descripción", 165, gopdf.Left},
		{"P. unitario", 66, gopdf.Right}, {"Descuento", 58, gopdf.Right}, {"Importe", width - 40 - 70 - 48 - 165 - 66 - 58, gopdf.Right}}
	header := func() {
		p.font("bold", 8)
		x := margin
		for _, c := range cols {
			p.cell(x+2, c.w-4, c.title, c.align)
			x += c.w
		}
		p.y += 12
		pdf.Line(margin, p.y, pageW-margin, p.y)
		p.y += 3
	}
	p.need(40)
	header()
	for _, l := range v.Lines {
		p.font("regular", 8)
		units := p.wrap(l.Unit, cols[1].w-4)
		desc := p.wrap(l.Description, cols[3].w-4)
		rows := max(len(desc), len(units))
		if p.y+float64(rows)*11 > bottom {
			p.need(bottom)
			header()
			p.font("regular", 8)
		}
		x := margin
		for i, s := range []string{l.Qty, "", l.Code, "", l.UnitPrice, l.Discount, l.Amount} {
			if i != 1 && i != 3 {
				p.cell(x+2, cols[i].w-4, s, cols[i].align)
			}
			x += cols[i].w
		}
		y := p.y
		for _, u := range units {
			p.cell(margin+cols[0].w+2, cols[1].w-4, u, gopdf.Left)
			p.y += 11
		}
		p.y = y
		for _, d := range desc {
			p.cell(margin+cols[0].w+cols[1].w+cols[2].w+2, cols[3].w-4, d, gopdf.Left)
			p.y += 11
		}
		p.y = y + float64(rows)*11 + 2
	}
	pdf.Line(margin, p.y, pageW-margin, p.y)
	p.y += 6

	// Totals, right-aligned.
	p.need(float64(len(v.Totals))*13 + 10)
	for i, t := range v.Totals {
		font, size := "regular", 9.0
		if i == len(v.Totals)-1 {
			font, size = "bold", 10
		}
		p.font(font, size)
		p.cell(margin+half, half*0.6, t[0], gopdf.Right)
		p.cell(margin+half+half*0.6, half*0.4, t[1], gopdf.Right)
		p.y += 13
	}
	p.y += 10

	// The fiscal proof: the QR code beside the certificate numbers, signatures and cadena.
	const qrSize = 110.0
	p.font("regular", 6.5)
	proofW := width
	if v.QR != "" {
		proofW = width - qrSize - 10
	}
	need := 0.0
	for _, e := range v.Proof {
		need += 10 + float64(len(p.wrap(e[1], proofW)))*8.5
	}
	p.need(min(max(need, qrSize)+10, bottom-margin))
	if v.QR != "" {
		if err := drawQR(pdf, v.QR, margin, p.y, qrSize); err != nil {
			return nil, err
		}
	}
	y0 = p.y
	x := margin
	if v.QR != "" {
		x = margin + qrSize + 10
	}
	for _, e := range v.Proof {
		p.need(20)
		p.font("bold", 7)
		p.cell(x, proofW, e[0], gopdf.Left)
		p.y += 10
		p.font("regular", 6.5)
		for _, l := range p.wrap(e[1], proofW) {
			p.need(9)
			p.cell(x, proofW, l, gopdf.Left)
			p.y += 8.5
		}
	}
	if v.QR != "" && p.y < y0+qrSize {
		p.y = y0 + qrSize
	}
	p.y += 8
	notes := v.Notes
	if p.replaced {
		notes = append(notes, "Algunos caracteres no pueden mostrarse con la fuente de este PDF y aparecen como \"?\"; el XML contiene el texto exacto.")
	}
	for _, n := range notes {
		p.text("regular", 7, n)
	}

	var buf bytes.Buffer
	if _, err := pdf.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// drawQR draws text as a QR code (error correction M), its modules as filled squares.
func drawQR(pdf *gopdf.GoPdf, text string, x, y, size float64) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	n := code.Size + 8 // a quiet zone of 4 modules around it
	m := size / float64(n)
	pdf.SetFillColor(0, 0, 0)
	for i := 0; i < code.Size; i++ {
		for j := 0; j < code.Size; j++ {
			if code.Black(i, j) {
				pdf.RectFromUpperLeftWithStyle(x+float64(i+4)*m, y+float64(j+4)*m, m+0.05, m+0.05, "F")
			}
		}
	}
	return nil
}
