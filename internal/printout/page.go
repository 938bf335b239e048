package printout

import "github.com/signintech/gopdf"

// A4 in points, and the margin every side keeps.
const (
	pageW, pageH = 595.28, 841.89
	margin       = 36.0
	width        = pageW - 2*margin
	bottom       = pageH - margin
)

// page is the PDF being drawn and where on the current page the next row goes; replaced
// tells whether any character printed as "?".
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

// wrapped writes s wrapped to width w at the left margin, lineH points a line.
func (p *page) wrapped(s string, w, lineH float64) {
	for _, l := range p.wrap(s, w) {
		p.cell(margin, w, l, gopdf.Left)
		p.y += lineH
	}
}

// pairsBeside writes kv in a right-hand column from y0, beside what the left-hand column
// wrote down to here, and moves below whichever is longer.
func (p *page) pairsBeside(y0, x, w float64, kv [][2]string) {
	yl := p.y
	p.y = y0
	h := p.pairs(x, w, kv, 8)
	p.y = max(yl, y0+h) + 8
}
