package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/schema/testdb"
)

// Seed 004's credit notes on its worked invoice (100 kg of A at 11.50, 200 kg of B at
// 10.00: 3150.00 + 504.00 = 3654.00): a return of 100 kg of B is 1000.00 + 160.00 =
// 1160.00 with 100 kg back in stock; a rebate of 1.00 per kg on B's 200 kg is 200.00 +
// 32.00 = 232.00 with no stock. Each is a CFDI egreso related to the invoice's UUID,
// XSD-valid, sealed, stamped, printed and e-mailed; bad requests write nothing.
func TestSeed004CreditNotes(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	// A second copy of the worked order, so the return and the rebate each start from the
	// whole invoice.
	h.importJSON(`{"orders": [{"number": 1101, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-02",
		"lines": [{"item": "A", "ordered": 100, "price": 11.50}, {"item": "B", "ordered": 200, "price": 10.00}]}]}`)
	invoiceOf := func(order string) (int64, string) {
		var sum model.Summary
		h.runJSON(&sum, "batch", "create", "--orders", order+"-"+order, "--series", "A", "--date", "2026-11-23", "--wait")
		if sum.Completed != 1 {
			t.Fatalf("order %s: %+v", order, sum)
		}
		id := int64(h.int(`select v.id from invoices v join invoice_lines l on l.invoice_id = v.id where v.batch_id = $1 limit 1`, sum.BatchID))
		h.waitFor("invoice stamped, printed and e-mailed", 2*time.Minute, func() bool {
			return h.int(`select count(*) from invoices where id = $1 and fiscal_status = 'pdf' and delivery_status = 'sent'`, id) == 1
		})
		return id, h.str(`select series || '-' || number from invoices where id = $1`, id)
	}
	first, firstNo := invoiceOf("1001")
	second, secondNo := invoiceOf("1101")
	for _, id := range []int64{first, second} {
		if got := h.str(`select total::text from invoices where id = $1`, id); got != "3654.0000" {
			t.Fatalf("invoice %d total %s, want seed 004's 3654.00", id, got)
		}
	}
	lineB := fmt.Sprint(h.int(`select line_no from invoice_lines where invoice_id = $1 and item = 'B'`, first))
	stockB := func() string {
		return h.str(`select on_hand::text from stock where warehouse = 'CENTRAL' and item = 'B'`)
	}
	balance := func(id int64) string {
		return h.str(`select balance::text from receivables where invoice_id = $1 and status in ('open', 'paid')`, id)
	}
	before := stockB()

	// The return: 1160.00, 100 kg back, the receivable down by as much.
	var cn model.InvoiceView
	h.runJSON(&cn, "invoice", "return", firstNo, "--line", lineB, "--qty", "100", "--date", "2026-11-24", "--wait")
	if cn.Status != "completed" || cn.DocumentKind != "credit_note" || cn.CreditKind != "return" || cn.CreditOf == nil || *cn.CreditOf != first ||
		cn.Number == nil || *cn.Number != 1 || cn.Series != "NC" || cn.FiscalStatus != "pdf" || cn.DeliveryStatus != "sent" || cn.UUID == "" {
		t.Fatalf("return credit note: %+v", cn)
	}
	if cn.Subtotal.StringFixed(2) != "1000.00" || cn.VAT.StringFixed(2) != "160.00" || cn.Total.StringFixed(2) != "1160.00" {
		t.Errorf("return: %s + %s = %s, want 1000.00 + 160.00 = 1160.00", cn.Subtotal, cn.VAT, cn.Total)
	}
	if got := stockB(); got != addQty(t, before, "100") {
		t.Errorf("stock of B after the return: %s, was %s", got, before)
	}
	if got := balance(first); got != "2494.0000" {
		t.Errorf("receivable of %s after the return: %s, want 3654.00 - 1160.00 = 2494.00", firstNo, got)
	}
	h.checkCreditNoteCFDI(cn.ID, first, "03", "17")

	// The rebate: 232.00, no stock.
	stock := stockB()
	var rb model.InvoiceView
	h.runJSON(&rb, "invoice", "rebate", secondNo, "--line", lineB, "--amount", "1.00", "--date", "2026-11-24", "--wait")
	if rb.Status != "completed" || rb.CreditKind != "rebate" || rb.Number == nil || *rb.Number != 2 || rb.FiscalStatus != "pdf" || rb.UUID == "" {
		t.Fatalf("rebate credit note: %+v", rb)
	}
	if rb.Subtotal.StringFixed(2) != "200.00" || rb.VAT.StringFixed(2) != "32.00" || rb.Total.StringFixed(2) != "232.00" {
		t.Errorf("rebate: %s + %s = %s, want 200.00 + 32.00 = 232.00", rb.Subtotal, rb.VAT, rb.Total)
	}
	if got := stockB(); got != stock {
		t.Errorf("a rebate moved stock of B: %s, was %s", got, stock)
	}
	if n := h.int(`select count(*) from stock_movements m join invoice_lines l on l.id = m.invoice_line_id where l.invoice_id = $1`, rb.ID); n != 0 {
		t.Errorf("the rebate has %d stock movements", n)
	}
	if got := balance(second); got != "3422.0000" {
		t.Errorf("receivable of %s after the rebate: %s, want 3654.00 - 232.00 = 3422.00", secondNo, got)
	}
	h.checkCreditNoteCFDI(rb.ID, second, "01", "17")

	// After the return, a rebate applies to the 100 kg kept.
	var rb2 model.InvoiceView
	h.runJSON(&rb2, "invoice", "rebate", firstNo, "--line", lineB, "--amount", "1.00", "--date", "2026-11-24", "--wait")
	if rb2.Total.StringFixed(2) != "116.00" || rb2.Lines[0].Quantity.String() != "100" {
		t.Errorf("rebate after the return: %s on %s, want 116.00 on 100", rb2.Total, rb2.Lines[0].Quantity)
	}

	// Bad requests are refused, naming the line and the reason, and write nothing.
	notes := h.int(`select count(*) from invoices where document_kind = 'credit_note'`)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"return", firstNo, "--line", lineB, "--qty", "100.5"}, "return of 100.5 is more than the 200 invoiced less 100 already returned"},
		{[]string{"return", firstNo, "--line", "9", "--qty", "1"}, "line 9: the invoice has no such line"},
		{[]string{"return", firstNo, "--line", lineB}, "--qty: give one per --line"},
		{[]string{"rebate", secondNo, "--line", lineB, "--amount", "9.01"}, "more than the price 10 less 1 already rebated"},
		{[]string{"rebate", secondNo, "--line", lineB, "--amount", "1", "--percent", "5"}, "give one of them"},
		{[]string{"return", fmt.Sprint(cn.ID), "--line", "1", "--qty", "1"}, "it is a credit note"},
		{[]string{"return", firstNo, "--line", lineB, "--qty", "1", "--date", "2026-10-31"}, "closing date"},
	} {
		if msg := h.mustFail(append([]string{"invoice"}, c.args...)...); !strings.Contains(msg, c.want) {
			t.Errorf("invoice %s: %q, want it to say %q", strings.Join(c.args, " "), msg, c.want)
		}
	}
	if n := h.int(`select count(*) from invoices where document_kind = 'credit_note'`); n != notes {
		t.Errorf("refused requests wrote %d credit notes", n-notes)
	}

	// The invoice lists its credit notes; the numbering of NC is gapless.
	var inv model.InvoiceView
	h.runJSON(&inv, "invoice", "show", firstNo)
	if len(inv.CreditNotes) != 2 || inv.CreditNotes[0] != cn.ID {
		t.Errorf("invoice %s lists credit notes %v", firstNo, inv.CreditNotes)
	}

	// The lists find them: credit notes newest first, money with the currency's decimals.
	var rows []model.InvoiceRow
	h.runJSON(&rows, "invoice", "list", "--kind", "credit_note")
	got := ""
	for _, r := range rows {
		got += r.Number + " " + r.Total + "; "
	}
	if got != "NC-3 116.00; NC-2 232.00; NC-1 1160.00; " {
		t.Errorf("invoice list --kind credit_note: %s", got)
	}
	h.runJSON(&rows, "invoice", "list", "--customer", "FORSETI", "--kind", "invoice", "--status", "completed", "--from", "2026-11-23", "--to", "2026-11-23")
	if len(rows) != 2 || rows[0].ID != second || rows[0].UUID == "" {
		t.Errorf("invoice list of FORSETI's invoices: %+v", rows)
	}
	if out := h.mustRun("invoice", "list", "--customer", "NOBODY", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("an empty list is %q, want []", out)
	}
	var batches []model.BatchRow
	h.runJSON(&batches, "batch", "list", "--status", "finished")
	if len(batches) != 2 || batches[0].Completed != 1 || batches[0].Invoices != 1 {
		t.Errorf("batch list: %+v", batches)
	}
	if msg := h.mustFail("invoice", "list", "--from", "yesterday"); !strings.Contains(msg, `--from: "yesterday" is not a date`) {
		t.Errorf("bad --from: %s", msg)
	}
	h.checkBooks()
}

// checkCreditNoteCFDI holds a stored credit note to SAT's schema, the Sello and stamp
// oracles, and its relation to the invoice it corrects.
func (h *harness) checkCreditNoteCFDI(id, invoice int64, relation, formaPago string) {
	t := h.t
	t.Helper()
	xml := h.str(`select xml from fiscal_documents where invoice_id = $1`, id)
	uuid := h.str(`select uuid from fiscal_documents where invoice_id = $1`, invoice)
	wants := []string{`TipoDeComprobante="E"`, `MetodoPago="PUE"`,
		`<cfdi:CfdiRelacionados TipoRelacion="` + relation + `">`, `<cfdi:CfdiRelacionado UUID="` + uuid + `"/>`}
	if formaPago != "" {
		wants = append(wants, `FormaPago="`+formaPago+`"`)
	}
	for _, want := range wants {
		if !strings.Contains(xml, want) {
			t.Errorf("credit note %d's CFDI lacks %s", id, want)
		}
	}
	x := filepath.Join(t.TempDir(), "nc.xml")
	if err := os.WriteFile(x, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", testdb.SAT(t, "cfdi40/cfdi40-with-tfd.xsd"), x).CombinedOutput(); err != nil {
		t.Errorf("credit note %d fails SAT's XSD: %v\n%s", id, err, out)
	}
	if out, err := exec.Command(testdb.SAT(t, "tools/verify-cfdi40-sello.sh"), x).CombinedOutput(); err != nil {
		t.Errorf("credit note %d fails the sello oracle: %v\n%s", id, err, out)
	}
	if out, err := exec.Command(testdb.SAT(t, "tools/verify-tfd11.sh"), x, h.cfg.PACCert).CombinedOutput(); err != nil {
		t.Errorf("credit note %d fails the stamp oracle: %v\n%s", id, err, out)
	}
}

func addQty(t *testing.T, a, b string) string {
	t.Helper()
	return decimal.RequireFromString(a).Add(decimal.RequireFromString(b)).StringFixed(4)
}

// Seed 001's netting: a batch made with --settle-credits settles the customer's open
// return credit notes (credit owed back because the invoice was paid) against its
// invoices first; the customer owes the remainder, and the report shows what was applied.
// A batch without it settles nothing.
func TestBatchSettlesOpenCreditNotes(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"orders": [
		{"number": 1101, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-02",
		 "lines": [{"item": "B", "ordered": 10, "price": 10.00}]},
		{"number": 1102, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-02",
		 "lines": [{"item": "A", "ordered": 100, "price": 11.50}, {"item": "B", "ordered": 200, "price": 10.00}]}]}`)
	bill := func(order string, flags ...string) (model.Summary, int64) {
		var sum model.Summary
		h.runJSON(&sum, append([]string{"batch", "create", "--orders", order + "-" + order, "--series", "A", "--date", "2026-11-23", "--wait"}, flags...)...)
		if sum.Completed != 1 {
			t.Fatalf("order %s: %+v", order, sum)
		}
		id := int64(h.int(`select id from invoices where batch_id = $1`, sum.BatchID))
		h.waitFor("invoice stamped", 2*time.Minute, func() bool {
			return h.int(`select count(*) from invoices where id = $1 and fiscal_status in ('stamped', 'pdf')`, id) == 1
		})
		return sum, id
	}
	_, seed := bill("1001")
	seedNo := h.str(`select series || '-' || number from invoices where id = $1`, seed)
	h.mustRun("payment", "record", seedNo, "3654.00", "--date", "2026-11-24")
	var cn model.InvoiceView
	h.runJSON(&cn, "invoice", "return", seedNo, "--line", "2", "--qty", "100", "--date", "2026-11-24", "--wait")
	if got := h.str(`select applied::text || ' ' || refund_due::text from credit_applications where credit_note_id = $1`, cn.ID); got != "0.0000 1160.0000" {
		t.Fatalf("return on a paid invoice: applied/refund due %s, want 0 and 1160.00 owed back", got)
	}

	// Without --settle-credits nothing is netted.
	_, plain := bill("1101")
	if got := h.str(`select balance::text from receivables where invoice_id = $1`, plain); got != "116.0000" {
		t.Errorf("a batch without --settle-credits: balance %s, want 116.00", got)
	}
	// With it, the credit note settles the next invoice first: 3654.00 - 1160.00 owed.
	sum, netted := bill("1102", "--settle-credits")
	if got := h.str(`select balance::text from receivables where invoice_id = $1 and status = 'open'`, netted); got != "2494.0000" {
		t.Errorf("netted invoice's balance %s, want 3654.00 - 1160.00 = 2494.00", got)
	}
	var rep model.Report
	h.runJSON(&rep, "batch", "report", sum.BatchID)
	if len(rep.CreditsSettled) != 1 || rep.CreditsSettled[0].CreditNote != "NC-1" || rep.CreditsSettled[0].Amount.StringFixed(2) != "1160.00" ||
		rep.CreditsSettled[0].InvoiceID != netted {
		t.Errorf("report's settled credits: %+v", rep.CreditsSettled)
	}
	// One settlement: the credit is used up.
	if n := h.int(`select count(*) from credit_settlements`); n != 1 {
		t.Errorf("%d settlements, want 1", n)
	}
	h.checkBooks()
}
