package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"billrun/internal/model"
	"billrun/schema/testdb"
)

// The README's screenshots, taken by scripts/screenshots.sh as an operator and accountants
// see a bill run: the Mexican batch while the PAC is down (the batch with its failed
// invoice, the failed invoice, the batch's workflows, the publication retrying the PAC),
// then published (its mail, its PDF, a payment's receipt's PDF), and the Uruguayan batch (its e-Factura's mail and
// PDF). BILLRUN_SCREENSHOTS_DIR=docs/screenshots keeps them (the README shows those).
func TestScreenshots(t *testing.T) {
	h, sink, pac := publishingHarness(t)
	h.mustRun("import", "../examples/demo.json")
	out := os.Getenv("BILLRUN_SCREENSHOTS_DIR")
	if out == "" {
		out = t.TempDir()
	} else if !filepath.IsAbs(out) {
		out = filepath.Join("..", out)
	}
	shoot := func(batch, prefix string) {
		t.Helper()
		cmd := exec.Command("../scripts/screenshots.sh", batch, out, prefix)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+h.cfg.DatabaseURL, "MAIL_UI="+sink.API)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("screenshots.sh %s: %v\n%s", batch, err, b)
		}
	}

	pac.set(true)
	mx := h.batchID("MX")
	h.mustRun("batch", "create", "--id", mx, "--orders", "1001-1099", "--series", "A", "--date", "2026-11-23")
	var s model.Summary
	h.waitFor("publication waiting on the PAC", 2*time.Minute, func() bool {
		h.runJSON(&s, "batch", "status", mx)
		return s.Status == "publishing" && strings.Contains(strings.Join(s.Waiting, " "), "StampInvoices")
	})
	shoot(mx, "mx-outage")
	pac.set(false)
	h.waitFor("the Mexican invoices e-mailed", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, mx) >= 4
	})
	shoot(mx, "mx")
	// A payment of FORSETI's invoice (paid in installments): its receipt's PDF.
	no := h.str(`select series || '-' || number from invoices where batch_id = $1 and customer = 'FORSETI' and fiscal_status = 'pdf' order by id limit 1`, mx)
	h.mustRun("payment", "record", no, "1000.00", "--date", "2026-11-24", "--wait")
	receipt := h.int(`select id from invoices where document_kind = 'payment_receipt' and fiscal_status = 'pdf' order by id limit 1`)
	pdf := filepath.Join(t.TempDir(), "receipt.pdf")
	if err := os.WriteFile(pdf, h.bytes(`select pdf from fiscal_documents where invoice_id = $1`, receipt), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(testdb.Tool(t, "pdftoppm"), "-png", "-r", "70", "-singlefile", "-f", "1", "-l", "1", pdf, filepath.Join(out, "mx-receipt-pdf")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, b)
	}

	uy := h.batchID("UY")
	h.mustRun("batch", "create", "--id", uy, "--installments", "--series", "EF", "--due-until", "2026-11-23", "--date", "2026-11-23")
	h.waitFor("the Uruguayan invoices e-mailed", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, uy) == 2
	})
	shoot(uy, "uy")

	for _, name := range []string{"mx-outage-batch", "mx-outage-failed-invoice", "mx-outage-batch-list", "mx-outage-publication",
		"mx-mail", "mx-pdf", "mx-receipt-pdf", "uy-mail", "uy-pdf"} {
		fi, err := os.Stat(filepath.Join(out, name+".png"))
		if err != nil || fi.Size() < 5000 {
			t.Errorf("%s.png: %v (%d bytes)", name, err, sizeOf(fi))
		}
	}
}

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}
