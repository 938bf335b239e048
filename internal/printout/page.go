package printout

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/signintech/gopdf"
)

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
	face     string
	size     float64
}

func (p *page) font(name string, size float64) {
	_ = p.pdf.SetFont(name, "", size)
	p.face, p.size = name, size
}

// cell writes s in a box at (x, y) of width w, aligned (gopdf.Left or gopdf.Right).
func (p *page) cell(x, w float64, s string, align int) {
	s, r := Printable(s)
	p.replaced = p.replaced || r
	p.pdf.SetXY(x, p.y)
	_ = p.pdf.CellWithOption(&gopdf.Rect{W: w, H: 12}, s, gopdf.CellOption{Align: align | gopdf.Top})
}

// wrap splits s into lines that fit width w in the current font: at spaces, and inside a
// word only when the word alone is wider (base64 is cut). Glyph widths simply add up (no
// kerning), so each character is measured once per font and size, not each line again.
func (p *page) wrap(s string, w float64) []string {
	s, r := Printable(s)
	p.replaced = p.replaced || r
	var out []string
	line, lineW, started := "", 0.0, false
	for _, word := range strings.Split(s, " ") {
		ww := p.width(word)
		if started && lineW+p.width(" ")+ww <= w {
			line, lineW = line+" "+word, lineW+p.width(" ")+ww
			continue
		}
		if started {
			out = append(out, line)
		}
		for ww > w && utf8.RuneCountInString(word) > 1 {
			n := p.fit(word, w)
			out = append(out, word[:n])
			word = word[n:]
			ww = p.width(word) // measured again, not subtracted: no rounding builds up
		}
		line, lineW, started = word, ww, true
	}
	return append(out, line)
}

// fit answers how many bytes of s fit width w (at least one character).
func (p *page) fit(s string, w float64) int {
	total := 0.0
	for i, r := range s {
		rw := p.runeWidth(r)
		if i > 0 && total+rw > w {
			return i
		}
		total += rw
	}
	return len(s)
}

// width is s's width in the current font.
func (p *page) width(s string) float64 {
	total := 0.0
	for _, r := range s {
		total += p.runeWidth(r)
	}
	return total
}

// glyph is a character in a font and size; widths caches each one's width for every
// document the process prints (the fonts never change).
type glyph struct {
	face string
	size float64
	r    rune
}

var widths sync.Map

func (p *page) runeWidth(r rune) float64 {
	k := glyph{p.face, p.size, r}
	if v, ok := widths.Load(k); ok {
		return v.(float64)
	}
	v, _ := p.pdf.MeasureTextWidth(string(r))
	widths.Store(k, v)
	return v
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
