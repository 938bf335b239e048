package printout

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

func sample() View {
	v := View{Title: "Factura A-7", Fecha: "2026-11-23T10:00:00", IssuerName: "ESCUELA KEMPER URGATE", IssuerRFC: "EKU9003173C9",
		IssuerRegime: "601", Place: "42501", CustomerName: "Peña & Hijos, S.A. — Ñandú", ReceptorRFC: "URE180429TM6", ReceptorCP: "65000",
		ReceptorUse: "G03", Currency: "MXN", PaymentMethod: "PPD", PaymentForm: "99", SubTotal: "3150.00", Total: "3654.00",
		Taxes: [][2]string{{"IVA 0.160000", "504.00"}}, NoCertificado: "30001000000500003416", Sello: strings.Repeat("QUJD", 86)}
	for i := 0; i < 40; i++ {
		v.Lines = append(v.Lines, Line{Qty: "100", Unit: "H87", Description: "Producto con descripción larga que ocupa más de una línea en la columna", UnitPrice: "11.50", Amount: "1150.00"})
	}
	return v
}

func TestRenderKeepsTheTextSearchable(t *testing.T) {
	pdf, err := Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext (make test installs poppler-utils): %v", err)
	}
	for _, want := range []string{"Factura A-7", "Peña & Hijos, S.A. — Ñandú", "3654.00", "30001000000500003416"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if strings.Count(string(out), "Producto con descripción") != 40 {
		t.Errorf("not every line printed (a second page?)")
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
