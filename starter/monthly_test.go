package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// Issue 25: an issuer with monthly payment receipts gets no receipt per payment; `payment
// receipts --month` makes one CFDI P per receiver stating each of the month's payments
// (a Pago each; a payment of two invoices one Pago relating both; an invoice paid three
// times chaining its parcialidades) that SAT's tools accept; asked again it makes none;
// a payment recorded later gets the month's second receipt; the Schedule made by
// `payment receipts --schedule` does the same for the month before its run.
func TestMonthlyPaymentReceipts(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	importEKU(h, "monthly", true)
	a, noA := h.billed("1001") // FORSETI, NET30: PPD
	_, noB := h.billed("1301") // FORSETI again
	out := h.mustRun("payment", "record", noA, "100.00", "--date", "2026-11-24", "--key", "m1", "--wait")
	if !strings.Contains(out, "monthly: billrun payment receipts --month 2026-11") {
		t.Errorf("a monthly issuer's payment: %s", out)
	}
	h.mustRun("payment", "record", noA, "50.00", "--date", "2026-11-25", "--key", "m2")
	h.mustRun("payment", "record", "--invoices", noB+"=30.00,"+noA+"=20.00", "50.00", "--date", "2026-11-26", "--key", "m3")
	if n := h.int(`select count(*) from invoices where document_kind = 'payment_receipt'`); n != 0 {
		t.Fatalf("%d receipts before the month's run", n)
	}
	if msg := h.mustFail("payment", "receipts", "--month", "2026-11", "--issuer", "UYE"); !strings.Contains(msg, "not a Mexican issuer") {
		t.Errorf("a Uruguayan issuer: %s", msg)
	}
	if out := h.mustRun("payment", "receipts", "--month", "2026-11", "--wait"); !strings.Contains(out, "1 issued") {
		t.Fatalf("the month's receipts: %s", out)
	}
	rid := h.int(`select id from invoices where document_kind = 'payment_receipt'`)
	if got := h.str(`select status || ' ' || fiscal_status || ' ' || delivery_status || ' ' || series || '-' || number from invoices where id = $1`, rid); got != "completed pdf sent P-1" {
		t.Errorf("the monthly receipt: %s", got)
	}
	xml := h.str(`select xml from fiscal_documents where invoice_id = $1`, rid)
	checkStampedReceipt(t, xml)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	pagos := doc.FindElements("//Pago")
	if len(pagos) != 3 {
		t.Fatalf("%d Pago, want one per payment (3)", len(pagos))
	}
	for i, want := range []string{"100.00", "50.00", "50.00"} {
		if got := pagos[i].SelectAttrValue("Monto", ""); got != want {
			t.Errorf("Pago %d: Monto %s, want %s", i+1, got, want)
		}
	}
	if n := len(pagos[2].SelectElements("pago20:DoctoRelacionado")); n != 2 {
		t.Errorf("the payment of two invoices relates %d, want 2", n)
	}
	uuidA := h.str(`select uuid from fiscal_documents where invoice_id = $1`, a)
	saldo := h.str(`select total::numeric(18,2)::text from invoices where id = $1`, a)
	n := 0
	for _, d := range doc.FindElements("//DoctoRelacionado") {
		if d.SelectAttrValue("IdDocumento", "") != uuidA {
			continue
		}
		n++
		if d.SelectAttrValue("NumParcialidad", "") != fmt.Sprint(n) || d.SelectAttrValue("ImpSaldoAnt", "") != saldo {
			t.Errorf("%s's parcialidad %d: %v (saldo before %s)", noA, n, d.Attr, saldo)
		}
		saldo = d.SelectAttrValue("ImpSaldoInsoluto", "")
	}
	if n != 3 {
		t.Errorf("%s is related %d times, want 3", noA, n)
	}

	if out := h.mustRun("payment", "receipts", "--month", "2026-11", "--wait"); !strings.Contains(out, "0 issued") {
		t.Errorf("the month's receipts again: %s", out)
	}
	h.mustRun("payment", "record", noB, "10.00", "--date", "2026-11-27", "--key", "m4")
	if out := h.mustRun("payment", "receipts", "--month", "2026-11", "--wait"); !strings.Contains(out, "1 issued") {
		t.Errorf("the month's receipts after a late payment: %s", out)
	}
	if n := h.int(`select count(*) from invoices where document_kind = 'payment_receipt'`); n != 2 {
		t.Errorf("%d receipts, want 2", n)
	}

	// The Schedule: a run of 1 December 06:00 in Mexico City states November's payments.
	h.mustRun("payment", "record", noB, "5.00", "--date", "2026-11-28", "--key", "m5")
	h.mustRun("payment", "receipts", "--schedule", "mr-test")
	defer h.run("schedule", "delete", "mr-test")
	h.mustRun("schedule", "backfill", "mr-test", "2026-12-01T11:59:00Z", "2026-12-01T12:01:00Z")
	h.waitFor("the scheduled run's receipt", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where document_kind = 'payment_receipt' and fiscal_status = 'pdf'`) == 3
	})
	if got := h.str(`select string_agg(distinct coalesce(g.request_key, p.request_key), ',' order by coalesce(g.request_key, p.request_key))
		from payment_receipt_documents d join receivable_payments p on p.id = d.payment_id left join payment_groups g on g.id = p.group_id
		where not d.cancelled`); got != "m1,m2,m3,m4,m5" {
		t.Errorf("payments stated by live receipts: %s, want m1 to m5, each once", got)
	}
}

// importEKU imports (again) the demo's issuer EKU issuing its payment receipts as mode says
// (monthly, per_payment), and with order 1301 for FORSETI.
func importEKU(h *harness, mode string, order bool) {
	h.t.Helper()
	cer, _ := filepath.Abs("../testdata/sat/csd/EKU9003173C9.cer")
	key, _ := filepath.Abs("../testdata/sat/csd/EKU9003173C9.key")
	orders := ""
	if order {
		orders = `, "orders": [{"number": 1301, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN",
			"date": "2026-11-02", "lines": [{"item": "B", "ordered": 20, "price": 10.00}]}]`
	}
	h.importJSON(fmt.Sprintf(`{"issuers": [{"code": "EKU", "rfc": "EKU9003173C9", "name": "ESCUELA KEMPER URGATE", "fiscal_regime": "601",
		"postal_code": "42501", "currency": "MXN", "email": "facturacion@kemper.example", "csd_certificate": %q, "csd_key": %q,
		"csd_password_env": "BILLRUN_CSD_PASSWORD", "payment_receipts": %q}]%s}`, cer, key, mode, orders))
}
