package testdb

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// PDFText is a PDF's text as pdftotext reads it.
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	cmd := exec.Command(Tool(t, "pdftotext"), "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// QRText is the QR code on a PDF's first page, as a phone would read it (rendered by
// pdftoppm, read by zbarimg).
func QRText(t testing.TB, pdf []byte) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(Tool(t, "pdftoppm"), "-r", "150", "-png", "-f", "1", "-l", "1", p, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pngs) != 1 {
		t.Fatalf("pages %v", pngs)
	}
	out, err := exec.Command(Tool(t, "zbarimg"), "--quiet", "--raw", pngs[0]).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code: %v", err)
	}
	return strings.TrimSpace(string(out))
}
