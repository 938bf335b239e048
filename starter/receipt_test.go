package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"

	"billrun/internal/fiscal/cfdi"
	"billrun/schema/testdb"
)

// Issue 25: a payment of an invoice paid in installments (PPD) gets its CFDI de Recepción
// de Pagos — recorded, numbered in the receipt series, sealed, stamped by the PAC, printed
// and e-mailed — that SAT's schemas (with Pagos 2.0 and the TFD) and SAT's stylesheet with
// openssl accept; the receipts of one invoice chain (the balance after one is the balance
// before the next, the last 0.00); a payment recorded again makes no second receipt; a PUE
// invoice's payment makes none.
func TestPaymentReceiptsOfAnInvoicePaidInInstallments(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	id, no := h.billed("1001") // FORSETI, NET30: PPD
	total := h.str(`select total::numeric(18,2)::text from invoices where id = $1`, id)
	uuid := h.str(`select uuid from fiscal_documents where invoice_id = $1`, id)
	var first struct {
		Receipt string `json:"receipt"`
	}
	h.runJSON(&first, "payment", "record", no, "1000.00", "--date", "2026-11-24", "--key", "transfer-1", "--wait")
	if !strings.HasPrefix(first.Receipt, "P-1,") {
		t.Fatalf("first payment's receipt: %q", first.Receipt)
	}
	rest := h.str(`select balance::numeric(18,2)::text from receivables where invoice_id = $1 and status = 'open'`, id)
	h.mustRun("payment", "record", no, rest, "--date", "2026-11-28", "--key", "transfer-2", "--form", "02", "--wait")
	if out := h.mustRun("payment", "record", no, "1000.00", "--date", "2026-11-24", "--key", "transfer-1", "--wait"); !strings.Contains(out, "recorded already") {
		t.Errorf("the first payment again: %s", out)
	}
	if out := h.mustRun("payment", "receipt", "transfer-1", "--wait"); !strings.Contains(out, "P-1,") {
		t.Errorf("the first payment's receipt asked again: %s", out)
	}
	for _, bad := range [][]string{
		{"1.00", "--form", "99", "--date", "2026-11-24"}, // "to be defined" is no form of payment
		{"1.00", "--form", "77", "--date", "2026-11-24"}, // not in c_FormaPago
		{"1.005", "--date", "2026-11-24"},                // more decimals than pesos have
		{"1.00", "--date", "2026-11-20"},                 // before the invoice's date
		{"1.00", "--date", "2099-01-01"},                 // after the issuer's today
	} {
		if _, err := h.run(append([]string{"payment", "record", no}, bad...)...); err == nil {
			t.Errorf("payment record %v was taken", bad)
		}
	}
	if n := h.int(`select count(*) from payment_receipt_documents where invoice_id = $1`, id); n != 2 {
		t.Fatalf("%d receipts, want 2", n)
	}
	saldo := total
	for n, want := range []struct{ paid, form string }{{"1000.00", "03"}, {rest, "02"}} {
		rid := h.int(`select receipt_id from payment_receipt_documents where invoice_id = $1 and parcialidad = $2`, id, n+1)
		if got := h.str(`select status || ' ' || fiscal_status || ' ' || delivery_status || ' ' || series || '-' || number from invoices where id = $1`, rid); got != "completed pdf sent P-"+string(rune('1'+n)) {
			t.Errorf("receipt %d: %s", n+1, got)
		}
		xml := h.str(`select xml from fiscal_documents where invoice_id = $1`, rid)
		checkStampedReceipt(t, xml)
		doc := etree.NewDocument()
		if err := doc.ReadFromString(xml); err != nil {
			t.Fatal(err)
		}
		pago := doc.FindElement("//Pago")
		d := doc.FindElement("//DoctoRelacionado")
		after := subtract(t, saldo, want.paid)
		for attr, v := range map[string]string{"IdDocumento": uuid, "NumParcialidad": string(rune('1' + n)), "ImpSaldoAnt": saldo,
			"ImpPagado": want.paid, "ImpSaldoInsoluto": after} {
			if got := d.SelectAttrValue(attr, ""); got != v {
				t.Errorf("receipt %d: %s = %q, want %q", n+1, attr, got, v)
			}
		}
		if got := pago.SelectAttrValue("FormaDePagoP", ""); got != want.form {
			t.Errorf("receipt %d: FormaDePagoP %s, want %s", n+1, got, want.form)
		}
		saldo = after
	}
	if saldo != "0.00" {
		t.Errorf("the last receipt leaves %s owed, want 0.00", saldo)
	}
	if out := h.mustRun("invoice", "show", no); !strings.Contains(out, "P-1 (parcialidad 1, pdf); P-2 (parcialidad 2, pdf)") {
		t.Errorf("invoice show names no receipts:\n%s", out)
	}
	// Cancelling a receipt (motive 02) cancels its payment: the amount is owed again.
	h.mustRun("invoice", "cancel", "P-2", "--reason", "02", "--wait")
	if got := h.str(`select status || ' ' || balance::numeric(18,2)::text from receivables where invoice_id = $1 and status in ('open', 'paid')`, id); got != "open "+rest {
		t.Errorf("after its receipt's cancellation, the receivable is %s, want open %s", got, rest)
	}
	var sat struct {
		SAT cfdi.SATStatus `json:"sat"`
	}
	h.runJSON(&sat, "invoice", "status", "P-2")
	if sat.SAT.State != "Cancelado" {
		t.Errorf("P-2 at SAT: %+v", sat.SAT)
	}
	if out := h.mustRun("payment", "receipt", "transfer-2", "--wait"); !strings.Contains(out, "was cancelled, and the payment reversed") {
		t.Errorf("the cancelled receipt's payment asked again: %s", out)
	}
	if msg := h.mustFail("invoice", "cancel", no, "--reason", "02"); !strings.Contains(msg, "payments are applied") {
		t.Errorf("the invoice, with P-1's payment standing: %s", msg)
	}
	// A payment of an invoice paid in one exhibition (PUE: TANGO pays CASH) takes no receipt.
	_, cash := h.billed("1002")
	h.mustRun("payment", "record", cash, "10.00", "--date", "2026-11-24", "--key", "cash-10", "--wait")
	if n := h.int(`select count(*) from invoices where document_kind = 'payment_receipt'`); n != 2 {
		t.Errorf("%d receipts after a PUE invoice's payment, want 2", n)
	}

	// payment cancel: a payment with no receipt is reversed at once, once; one stated by a
	// live receipt is cancelled through its receipt (SAT first), then reversed with it.
	cashID := h.int(`select id from invoices where series || '-' || number = $1`, cash)
	before := h.str(`select balance::text from receivables where invoice_id = $1`, cashID)
	if msg := h.mustFail("payment", "cancel", "cash-10", "--reason", "02"); !strings.Contains(msg, "has no receipt") {
		t.Errorf("a motive for a payment with no receipt: %s", msg)
	}
	if out := h.mustRun("payment", "cancel", "cash-10"); !strings.Contains(out, "cancelled: "+cash+" owed again") {
		t.Errorf("payment cancel cash-10: %s", out)
	}
	if out := h.mustRun("payment", "cancel", "cash-10"); !strings.Contains(out, "reversed before") {
		t.Errorf("payment cancel cash-10 again: %s", out)
	}
	if after := h.str(`select balance::text from receivables where invoice_id = $1`, cashID); after != subtract(t, before, "-10.00")+"00" {
		t.Errorf("the cash invoice's balance went %s → %s after its 10.00 payment was cancelled", before, after)
	}
	h.mustRun("payment", "cancel", "transfer-1", "--wait")
	if got := h.str(`select r.status || ' ' || (p.reversed_at is not null)::text from receivable_payments p
		join payment_receipt_documents d on d.payment_id = p.id join invoices r on r.id = d.receipt_id where p.request_key = 'transfer-1'`); got != "cancelled true" {
		t.Errorf("transfer-1 after payment cancel: receipt and reversal %s", got)
	}
	if n := h.int(`select count(*) from receivable_payments where reversed_at is null and receivable_id in (select id from receivables where invoice_id = $1)`, id); n != 0 {
		t.Errorf("%d payments of %s still stand", n, no)
	}
}

// checkStampedReceipt checks a stored receipt as billrun does, and with SAT's own tools.
func checkStampedReceipt(t *testing.T, xml string) {
	t.Helper()
	if err := cfdi.VerifyStored(xml); err != nil {
		t.Fatalf("stored receipt: %v", err)
	}
	if !strings.Contains(xml, "TimbreFiscalDigital") || !strings.Contains(xml, `TipoDeComprobante="P"`) {
		t.Fatalf("not a stamped CFDI P:\n%s", xml)
	}
	p := filepath.Join(t.TempDir(), "p.xml")
	if err := os.WriteFile(p, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(testdb.Tool(t, "xmllint"), "--noout", "--nonet", "--schema", testdb.SAT(t, "cfdi40/cfdi40-with-tfd.xsd"), p).CombinedOutput(); err != nil {
		t.Fatalf("SAT's XSD: %v\n%s", err, out)
	}
	if out, err := exec.Command(testdb.SAT(t, "tools/verify-cfdi40-sello.sh"), p).CombinedOutput(); err != nil {
		t.Fatalf("SAT's stylesheet and openssl refuse the Sello: %v\n%s", err, out)
	}
}

func subtract(t *testing.T, a, b string) string {
	t.Helper()
	x, err1 := decimal.NewFromString(a)
	y, err2 := decimal.NewFromString(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("amounts %q, %q", a, b)
	}
	return x.Sub(y).StringFixed(2)
}

// One payment of two invoices of one customer is one receipt relating both (each with its
// parcialidad and balances); a payment of invoices of two customers is refused, nothing
// written; the same payment again pays nothing more.
func TestOnePaymentOfTwoInvoicesIsOneReceipt(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"orders": [{"number": 1201, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN",
		"date": "2026-11-02", "lines": [{"item": "B", "ordered": 20, "price": 10.00}]}]}`)
	_, a1 := h.billed("1001")
	_, a2 := h.billed("1201")
	_, tango := h.billed("1002")
	if msg := h.mustFail("payment", "record", "--invoices", a1+"=100,"+tango+"=10", "--date", "2026-11-24"); !strings.Contains(msg, "one customer") {
		t.Errorf("two customers' invoices: %s", msg)
	}
	if n := h.int(`select count(*) from receivable_payments`); n != 0 {
		t.Fatalf("%d payments written by a refused payment", n)
	}
	split := a1 + "=1000.00," + a2 + "=100.00"
	var out struct {
		Receipt string `json:"receipt"`
	}
	h.runJSON(&out, "payment", "record", "--invoices", split, "1100.00", "--date", "2026-11-24", "--key", "wire-9", "--wait")
	if !strings.HasPrefix(out.Receipt, "P-1,") {
		t.Fatalf("receipt %q", out.Receipt)
	}
	if again := h.mustRun("payment", "record", "--invoices", split, "--date", "2026-11-24", "--key", "wire-9", "--wait"); !strings.Contains(again, "recorded already") {
		t.Errorf("the same payment again: %s", again)
	}
	rid := h.int(`select id from invoices where document_kind = 'payment_receipt'`)
	xml := h.str(`select xml from fiscal_documents where invoice_id = $1`, rid)
	checkStampedReceipt(t, xml)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	docs := doc.FindElements("//DoctoRelacionado")
	if len(docs) != 2 || doc.FindElement("//Pago").SelectAttrValue("Monto", "") != "1100.00" {
		t.Fatalf("one receipt of two invoices: %d documents, Monto %s", len(docs), doc.FindElement("//Pago").SelectAttrValue("Monto", ""))
	}
	for i, want := range []string{"1000.00", "100.00"} {
		if got := docs[i].SelectAttrValue("ImpPagado", ""); got != want || docs[i].SelectAttrValue("NumParcialidad", "") != "1" {
			t.Errorf("document %d: ImpPagado %s, want %s, parcialidad 1", i+1, got, want)
		}
	}
	if n := h.int(`select count(*) from receivable_payments`); n != 2 {
		t.Errorf("%d payments, want 2 (one per invoice)", n)
	}
}

// A dollar invoice paid in pesos, and a peso invoice paid in dollars: the receivable is paid
// the converted amount (rounded down), the receipt states the payment in its currency with
// TipoCambioP, and each invoice with the EquivalenciaDR SAT asks (units of the invoice's
// currency per unit of the payment's).
func TestPaymentsInAnotherCurrencyThanTheInvoice(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	usd, usdNo := h.billed("1008") // FORSETI, USD, PPD
	mxn, mxnNo := h.billed("1001") // FORSETI, MXN, PPD
	if msg := h.mustFail("payment", "record", usdNo, "1000", "--currency", "MXN"); !strings.Contains(msg, "--rate") {
		t.Errorf("no rate: %s", msg)
	}
	h.mustRun("payment", "record", usdNo, "172.00", "--currency", "MXN", "--rate", "17.20", "--date", "2026-11-24", "--wait")
	h.mustRun("payment", "record", mxnNo, "100.00", "--currency", "USD", "--rate", "18.3115", "--date", "2026-11-24", "--wait")
	for _, c := range []struct {
		invoice                             int64
		paidOff, monedaP, monto, tc, eq, dr string
	}{
		{usd, "10.0000", "MXN", "172.00", "1", "0.0581395349", "10.00"},
		{mxn, "1831.1500", "USD", "100.00", "18.3115", "18.3115", "1831.15"},
	} {
		if got := h.str(`select (amount - balance)::text from receivables where invoice_id = $1 and status in ('open', 'paid')`, c.invoice); got != c.paidOff {
			t.Errorf("invoice %d: receivable paid %s, want %s", c.invoice, got, c.paidOff)
		}
		xml := h.str(`select fd.xml from payment_receipt_documents d join fiscal_documents fd on fd.invoice_id = d.receipt_id where d.invoice_id = $1`, c.invoice)
		checkStampedReceipt(t, xml)
		doc := etree.NewDocument()
		if err := doc.ReadFromString(xml); err != nil {
			t.Fatal(err)
		}
		p, d := doc.FindElement("//Pago"), doc.FindElement("//DoctoRelacionado")
		got := []string{p.SelectAttrValue("MonedaP", ""), p.SelectAttrValue("Monto", ""), p.SelectAttrValue("TipoCambioP", ""),
			d.SelectAttrValue("EquivalenciaDR", ""), d.SelectAttrValue("ImpPagado", "")}
		if want := []string{c.monedaP, c.monto, c.tc, c.eq, c.dr}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("invoice %d: MonedaP Monto TipoCambioP EquivalenciaDR ImpPagado = %v, want %v", c.invoice, got, want)
		}
	}
}

// SAT's status service, as the sandbox answers it for what it stamped: an invoice of more
// than 1,000 pesos is Vigente and cancellable with its receiver's acceptance; one of less,
// without; once cancelled, Cancelado.
func TestInvoiceStatusAsksSAT(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	_, big := h.billed("1001")   // 3,654.00
	_, small := h.billed("1002") // TANGO, under 1,000
	type answer struct {
		SAT cfdi.SATStatus `json:"sat"`
	}
	var a answer
	h.runJSON(&a, "invoice", "status", big)
	if a.SAT.State != "Vigente" || a.SAT.Cancellable != "Cancelable con aceptación" || !a.SAT.Found() || a.SAT.EFOS != "200" {
		t.Errorf("%s: %+v", big, a.SAT)
	}
	a = answer{}
	h.runJSON(&a, "invoice", "status", small)
	if a.SAT.State != "Vigente" || a.SAT.Cancellable != "Cancelable sin aceptación" {
		t.Errorf("%s: %+v", small, a.SAT)
	}
	h.mustRun("invoice", "cancel", small, "--reason", "02", "--wait")
	a = answer{}
	h.runJSON(&a, "invoice", "status", small)
	if a.SAT.State != "Cancelado" || !strings.Contains(a.SAT.CancellationStatus, "Cancelado") {
		t.Errorf("%s after its cancellation: %+v", small, a.SAT)
	}
	if out := h.mustRun("invoice", "status", big); !strings.Contains(out, "Estado              Vigente") {
		t.Errorf("the text answer:\n%s", out)
	}
}

// Seed 002: an order's observations are printed on the invoice that bills it.
func TestOrderObservationsArePrinted(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"orders": [{"number": 1301, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN",
		"date": "2026-11-02", "observations": "Entregar en el andén 3, de 8 a 14 h", "lines": [{"item": "B", "ordered": 2, "price": 10.00}]}]}`)
	_, no := h.billed("1301")
	pdf := filepath.Join(t.TempDir(), "a.pdf")
	h.mustRun("invoice", "pdf", no, "-o", pdf)
	text, err := exec.Command(testdb.Tool(t, "pdftotext"), pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(text)), " "), "Observaciones: Entregar en el andén 3, de 8 a 14 h") {
		t.Errorf("the PDF does not carry the order's observations:\n%s", text)
	}
}
