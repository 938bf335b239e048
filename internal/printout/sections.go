package printout

import (
	"cmp"
	"fmt"

	"github.com/signintech/gopdf"
	"rsc.io/qr"
)

// The printout's sections, top to bottom: heading, parties, the lines' table, totals, the
// fiscal proof and the notes. Each starts where the one above left p.y.

// heading writes the issuer on the left, the document's title and header on the right,
// and a rule under them.
func (p *page) heading(v View) {
	half := width / 2
	p.font("bold", 14)
	p.cell(margin+half, half, v.Title, gopdf.Right)
	p.wrapped(v.Issuer.Name, width*0.6, 17)
	p.y += 3
	y0 := p.y
	p.font("regular", 8)
	for _, d := range v.Issuer.Details {
		p.wrapped(d, width*0.42-10, 11)
	}
	p.pairsBeside(y0, margin+width*0.42, width*0.58, v.Header)
	p.pdf.SetLineWidth(0.5)
	p.pdf.Line(margin, p.y, pageW-margin, p.y)
	p.y += 6
}

// parties writes the customer on the left (and the receiver's name when the document
// gives another), the payment on the right.
func (p *page) parties(v View) {
	half := width / 2
	y0 := p.y
	p.font("bold", 9)
	p.cell(margin, half, "Cliente", gopdf.Left)
	p.y += 12
	p.font("bold", 10)
	p.wrapped(v.Customer.Name, half-10, 13)
	p.font("regular", 8)
	if v.ReceiverName != "" {
		p.wrapped("Receptor: "+v.ReceiverName, half-10, 11)
	}
	for _, d := range v.Customer.Details {
		p.wrapped(d, half-10, 11)
	}
	p.pairsBeside(y0, margin+half, half, v.Payment)
}

// column is one column of the lines' table.
type column struct {
	title string
	w     float64
	align int
}

// Columns of the lines' table, in order.
const (
	colQty = iota
	colUnit
	colCode
	colDescription
	colUnitPrice
	colDiscount
	colAmount
)

// lineColumns are the lines' table columns, the code column titled as the profile names it.
func lineColumns(codeTitle string) []column {
	return []column{{"Cant.", 40, gopdf.Right}, {"Unidad", 70, gopdf.Left}, {cmp.Or(codeTitle, "Clave"), 48, gopdf.Left}, {"Descripción", 165, gopdf.Left},
		{"P. unitario", 66, gopdf.Right}, {"Descuento", 58, gopdf.Right}, {"Importe", width - 40 - 70 - 48 - 165 - 66 - 58, gopdf.Right}}
}

// table writes the lines under the columns' titles, and a rule under the last.
func (p *page) table(cols []column, lines []Line) {
	p.need(40)
	p.tableHeader(cols)
	for _, l := range lines {
		p.row(cols, l)
	}
	p.pdf.Line(margin, p.y, pageW-margin, p.y)
	p.y += 6
}

// tableHeader writes the columns' titles and a rule under them.
func (p *page) tableHeader(cols []column) {
	p.font("bold", 8)
	x := margin
	for _, c := range cols {
		p.cell(x+2, c.w-4, c.title, c.align)
		x += c.w
	}
	p.y += 12
	p.pdf.Line(margin, p.y, pageW-margin, p.y)
	p.y += 3
}

// row writes one line: unit and description wrap in their columns, the rest on the first
// row. A line is never split across pages: one that does not fit starts the next page,
// under the titles again.
func (p *page) row(cols []column, l Line) {
	p.font("regular", 8)
	units := p.wrap(l.Unit, cols[colUnit].w-4)
	desc := p.wrap(l.Description, cols[colDescription].w-4)
	rows := max(len(desc), len(units))
	if p.y+float64(rows)*11 > bottom {
		p.need(bottom)
		p.tableHeader(cols)
		p.font("regular", 8)
	}
	x := margin
	for i, s := range []string{l.Qty, "", l.Code, "", l.UnitPrice, l.Discount, l.Amount} {
		if i != colUnit && i != colDescription {
			p.cell(x+2, cols[i].w-4, s, cols[i].align)
		}
		x += cols[i].w
	}
	y := p.y
	for _, u := range units {
		p.cell(margin+cols[colQty].w+2, cols[colUnit].w-4, u, gopdf.Left)
		p.y += 11
	}
	p.y = y
	for _, d := range desc {
		p.cell(margin+cols[colQty].w+cols[colUnit].w+cols[colCode].w+2, cols[colDescription].w-4, d, gopdf.Left)
		p.y += 11
	}
	p.y = y + float64(rows)*11 + 2
}

// totals writes the totals right-aligned, the last (the total itself) in bold.
func (p *page) totals(totals [][2]string) {
	half := width / 2
	p.need(float64(len(totals))*13 + 10)
	for i, t := range totals {
		font, size := "regular", 9.0
		if i == len(totals)-1 {
			font, size = "bold", 10
		}
		p.font(font, size)
		p.cell(margin+half, half*0.6, t[0], gopdf.Right)
		p.cell(margin+half+half*0.6, half*0.4, t[1], gopdf.Right)
		p.y += 13
	}
	p.y += 10
}

// qrSize is the side of the QR code, quiet zone included.
const qrSize = 110.0

// proof writes the fiscal proof: the QR code beside the certificate numbers, signatures
// and cadena. It starts on a page it fits on, unless it would not fit on any.
func (p *page) proof(v View) error {
	p.font("regular", 6.5)
	proofW := width
	if v.QR != "" {
		proofW = width - qrSize - 10
	}
	p.need(min(max(p.proofHeight(v.Proof, proofW), qrSize)+10, bottom-margin))
	if v.QR != "" {
		if err := drawQR(p.pdf, v.QR, margin, p.y, qrSize); err != nil {
			return err
		}
	}
	y0 := p.y
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
	return nil
}

// proofHeight is how tall the proof's label: value pairs print at width w.
func (p *page) proofHeight(proof [][2]string, w float64) float64 {
	h := 0.0
	for _, e := range proof {
		h += 10 + float64(len(p.wrap(e[1], w)))*8.5
	}
	return h
}

// notes writes the closing notes, and one more when a character printed as "?": the
// reader learns the XML holds the exact text.
func (p *page) notes(notes []string) {
	if p.replaced {
		notes = append(notes, "Algunos caracteres no pueden mostrarse con la fuente de este PDF y aparecen como \"?\"; el XML contiene el texto exacto.")
	}
	for _, n := range notes {
		p.text("regular", 7, n)
	}
}

// drawQR draws text as a QR code (error correction M), each row's runs of dark modules as
// one filled rectangle (a third of the rectangles one per module would take).
func drawQR(pdf *gopdf.GoPdf, text string, x, y, size float64) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	n := code.Size + 8 // a quiet zone of 4 modules around it
	m := size / float64(n)
	pdf.SetFillColor(0, 0, 0)
	for j := 0; j < code.Size; j++ {
		for i := 0; i < code.Size; i++ {
			if !code.Black(i, j) {
				continue
			}
			run := 1
			for i+run < code.Size && code.Black(i+run, j) {
				run++
			}
			pdf.RectFromUpperLeftWithStyle(x+float64(i+4)*m, y+float64(j+4)*m, float64(run)*m+0.05, m+0.05, "F")
			i += run - 1
		}
	}
	return nil
}
