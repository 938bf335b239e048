package printout

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"billrun/schema/testdb"
)

const qrText = "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx?id=6F35D3B5-3651-5370-BC2C-14CDBE384CD7&re=EKU9003173C9&rr=URE180429TM6&tt=3654.0&fe=Qg4=QUJD"

func sample() View {
	v := View{Title: "Factura A-7", Header: [][2]string{{"Folio fiscal (UUID)", "6F35D3B5-3651-5370-BC2C-14CDBE384CD7"}, {"Fecha de emisión", "2026-11-23 10:00:00"}},
		Issuer:   Party{Name: "ESCUELA KEMPER URGATE", Details: []string{"RFC EKU9003173C9", "Régimen fiscal 601 General de Ley Personas Morales"}},
		Customer: Party{Name: "Peña & Hijos, S.A. — Ñandú", Details: []string{"RFC URE180429TM6", "Uso del CFDI G03 Gastos en general"}},
		Payment:  [][2]string{{"Moneda", "MXN"}, {"Método de pago", "PPD Pago en parcialidades o diferido"}, {"Fecha de vencimiento", "2026-12-23"}},
		Totals:   [][2]string{{"Subtotal", "3,150.00"}, {"IVA 16 %", "504.00"}, {"Total MXN", "3,654.00"}},
		Proof:    [][2]string{{"No. de serie del certificado del emisor (CSD)", "30001000000500003416"}, {"Sello digital del CFDI", strings.Repeat("QUJD", 86)}},
		QR:       qrText, Notes: []string{"Este documento es una representación impresa de un CFDI 4.0."}}
	for i := 0; i < 40; i++ {
		v.Lines = append(v.Lines, Line{Qty: "100", Unit: "H87 Pieza", Code: "50202203", Description: "Producto con descripción larga que ocupa más de una línea en la columna",
			UnitPrice: "11.50", Discount: "-5.00", Amount: "1,150.00"})
	}
	return v
}

func render(t *testing.T, v View) (string, []byte) {
	t.Helper()
	pdf, err := Render(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	return testdb.PDFText(t, pdf), pdf
}

func TestRenderKeepsTheTextSearchable(t *testing.T) {
	out, _ := render(t, sample())
	for _, want := range []string{"Factura A-7", "Peña & Hijos, S.A. — Ñandú", "3,654.00", "30001000000500003416", "6F35D3B5-3651-5370-BC2C-14CDBE384CD7",
		"PPD Pago en parcialidades o diferido", "2026-12-23", "IVA 16 %"} {
		if !strings.Contains(out, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if n := strings.Count(out, "Producto con descripción"); n != 40 {
		t.Errorf("%d of 40 lines printed", n)
	}
}

// The QR code, rendered as a person's phone would see it, reads back as SAT's URL.
func TestQRCodeReadsBack(t *testing.T) {
	v := sample()
	v.Lines = v.Lines[:2]
	_, pdf := render(t, v)
	out := testdb.QRText(t, pdf)
	if got := out; got != qrText {
		t.Fatalf("QR reads %q, want %q", got, qrText)
	}
}

// A name the fonts cannot draw prints as "?" with a note, never as a blank.
func TestUndrawableCharactersAreMarked(t *testing.T) {
	v := sample()
	v.Customer.Name = "株式会社 Ñandú"
	out, _ := render(t, v)
	if !strings.Contains(out, "???? Ñandú") || !strings.Contains(out, "el XML contiene el texto exacto") {
		t.Fatalf("PDF text:\n%s", out)
	}
	if s, replaced := Printable("Peña Ελλάδα Москва"); replaced || s != "Peña Ελλάδα Москва" {
		t.Fatalf("Latin, Greek and Cyrillic are drawn: %q %v", s, replaced)
	}
}

// Documents printed at once share the parsed fonts, each embedding only its own characters:
// a name in one never leaks into another.
func TestRenderConcurrently(t *testing.T) {
	names := []string{"Ástrid Ñúñez", "Øyvind Ærø", "Željko Čolić", "Ελένη Παπαδοπούλου"}
	pdfs, errs := make([][]byte, len(names)), make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			v := sample()
			v.Lines = v.Lines[:2]
			v.Customer.Name = name
			pdfs[i], errs[i] = Render(v)
		})
	}
	wg.Wait()
	for i, name := range names {
		if errs[i] != nil {
			t.Fatalf("document %d: %v", i, errs[i])
		}
		if text := testdb.PDFText(t, pdfs[i]); !strings.Contains(text, name) {
			t.Errorf("document %d lacks its customer %q", i, name)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	v := sample()
	v.Lines = v.Lines[:3]
	for b.Loop() {
		if _, err := Render(v); err != nil {
			b.Fatal(err)
		}
	}
}

// Lines wrap at spaces and cut words wider than the column; every line fits (but a single
// character), and no character is lost or added — over random texts, widths and fonts.
func TestWrapFits(t *testing.T) {
	p, err := startPDF()
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(7, 28))
	alphabet := []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=ÑñáéíóúÜ—&.,W")
	for i := 0; i < 500; i++ {
		var words []string
		for range rnd.IntN(12) {
			w := make([]rune, rnd.IntN(60))
			for j := range w {
				w[j] = alphabet[rnd.IntN(len(alphabet))]
			}
			words = append(words, string(w))
		}
		s := strings.Join(words, " ")
		face := []string{"regular", "bold"}[rnd.IntN(2)]
		p.font(face, 6+float64(rnd.IntN(8)))
		w := 5 + rnd.Float64()*300
		lines := p.wrap(s, w)
		for _, l := range lines {
			got, _ := p.pdf.MeasureTextWidth(l)
			if got > w+1e-6 && utf8.RuneCountInString(strings.TrimSpace(l)) > 1 {
				t.Fatalf("%q in %s at width %.1f: line %q is %.2f wide", s, face, w, l, got)
			}
		}
		if strip(strings.Join(lines, "")) != strip(s) {
			t.Fatalf("%q wrapped as %q: characters lost or added", s, lines)
		}
		if len(lines) > 1 && strings.Contains(s, " ") && len(lines) > len(s) {
			t.Fatalf("%q: %d lines", s, len(lines))
		}
	}
	// A word that fits is never cut; a base64 seal is cut into full lines.
	p.font("regular", 6.5)
	if got := p.wrap("Sello digital del CFDI", 500); len(got) != 1 {
		t.Fatalf("a short text wrapped as %q", got)
	}
	seal := strings.Repeat("QUJD", 86)
	lines := p.wrap(seal, 200)
	at := 0
	for _, l := range lines[:len(lines)-1] {
		at += len(l)
		if w, _ := p.pdf.MeasureTextWidth(l + seal[at:at+1]); w <= 200 {
			t.Fatalf("line %q would hold one more character", l)
		}
	}
}

func strip(s string) string { return strings.ReplaceAll(s, " ", "") }
