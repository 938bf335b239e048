package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"billrun/activities"
)

// keyed is the SQL of the payment parts recorded with a key (one payment, or the parts of
// one paying several invoices).
const keyed = `select p.id from receivable_payments p left join payment_groups g on g.id = p.group_id
	where coalesce(g.request_key, p.request_key) = $1`

// Issue 25, what a review found in monthly receipts: cancelling one payment of a monthly
// receipt reverses that payment alone, the others stated again in a new receipt; a payment's
// parcialidad and balance before it count only the payments that stand; a receipt made but
// never published goes out with the next run; payments left when an issuer stops issuing
// monthly get their receipt from a sweep of every month waiting (said late after the 5th);
// a receipt whose cancellation was asked before it was sealed is never sealed.
func TestMonthlyReceiptAfterCancellationsAndChanges(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	importEKU(h, "monthly", true)
	a, noA := h.billed("1001") // FORSETI, NET30: PPD
	_, noB := h.billed("1301")
	total := h.str(`select total::numeric(18,2)::text from invoices where id = $1`, a)
	owed := func(paid string) string { return subtract(t, total, paid) }
	h.mustRun("payment", "record", noA, "100.00", "--date", "2026-11-24", "--key", "c1")
	h.mustRun("payment", "record", noA, "50.00", "--date", "2026-11-25", "--key", "c2")
	h.mustRun("payment", "record", "--invoices", noB+"=30.00,"+noA+"=20.00", "50.00", "--date", "2026-11-26", "--key", "c3")
	if out := h.mustRun("payment", "receipts", "--month", "2026-11", "--wait"); !strings.Contains(out, "1 issued") {
		t.Fatalf("the month's receipts: %s", out)
	}
	p1 := h.int(`select id from invoices where document_kind = 'payment_receipt'`)

	// One payment of the three cancelled: it alone is reversed; the receipt is cancelled at
	// SAT and the other two are stated again in a new receipt, parcialidades 1 and 2.
	h.mustRun("payment", "cancel", "c2", "--wait")
	if got := h.str(`select string_agg(coalesce(g.request_key, p.request_key) || '=' || (p.reversed_at is not null)::text, ',' order by p.id)
		from receivable_payments p left join payment_groups g on g.id = p.group_id`); got != "c1=false,c2=true,c3=false,c3=false" {
		t.Errorf("payments after c2's cancellation: %s", got)
	}
	if got := h.str(`select status from invoices where id = $1`, p1); got != "cancelled" {
		t.Errorf("the monthly receipt is %s, want cancelled", got)
	}
	if out := h.mustRun("payment", "cancel", "c2"); !strings.Contains(out, "reversed before") { // asked again
		t.Errorf("payment cancel c2 again: %s", out)
	}
	p2 := h.waitRestated(p1)
	checkParts(t, h, p2, a, []part{{1, total, "100.00"}, {2, owed("100.00"), "20.00"}})
	if n := h.int(`select count(*) from payment_receipt_documents where receipt_id = $1`, p2); n != 3 {
		t.Errorf("the new receipt states %d parts, want 3 (c1, and c3's two)", n)
	}
	if got := h.str(`select balance::numeric(18,2)::text from receivables where invoice_id = $1 and status = 'open'`, a); got != owed("120.00") {
		t.Errorf("%s owes %s, want %s", noA, got, owed("120.00"))
	}

	// c5 is recorded before c4 is reversed: its balance before it counts c4 back.
	h.mustRun("payment", "record", noA, "10.00", "--date", "2026-11-27", "--key", "c4")
	h.mustRun("payment", "record", noA, "5.00", "--date", "2026-11-28", "--key", "c5")
	h.mustRun("payment", "receipts", "--month", "2026-11", "--wait")
	p3 := h.int(`select d.receipt_id from payment_receipt_documents d where d.payment_id = (`+keyed+`) and not d.cancelled`, "c4")
	checkParts(t, h, p3, a, []part{{3, owed("120.00"), "10.00"}, {4, owed("130.00"), "5.00"}})
	h.mustRun("payment", "cancel", "c4", "--wait")
	p4 := h.waitRestated(p3)
	checkParts(t, h, p4, a, []part{{3, owed("120.00"), "5.00"}})

	// A receipt made but never published (its run stopped) goes out with the next run.
	acts, err := h.cfg.Activities(h.st, h.inst)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h.mustRun("payment", "record", noB, "1.00", "--date", "2026-11-29", "--key", "c6")
	stopped, err := acts.Receipts.IssueMonthlyReceipt(ctx, activities.MonthlyReceiptRequest{Issuer: "EKU", Customer: "FORSETI", Month: "2026-11"})
	if err != nil || stopped.ID == 0 {
		t.Fatalf("a receipt made by hand: %+v %v", stopped, err)
	}
	unpublished := `select count(*) from invoices where document_kind = 'payment_receipt' and status = 'completed' and (fiscal_status <> 'pdf' or delivery_status <> 'sent')`
	if out := h.mustRun("payment", "receipts", "--month", "2026-11", "--wait"); h.int(unpublished) != 0 {
		t.Errorf("the run after a stopped one, with no payment waiting, leaves %d receipts unpublished: %s", h.int(unpublished), out)
	}
	h.mustRun("payment", "record", noB, "2.00", "--date", "2026-11-29", "--key", "c7")
	if out := h.mustRun("payment", "receipts", "--month", "2026-11", "--wait"); !strings.Contains(out, "1 issued") || !strings.Contains(out, "warning: FORSETI: late") {
		t.Errorf("the run for a late payment: %s", out)
	}

	// The chain of parcialidades holds: a payment whose invoice has a later payment stated
	// by another live receipt is not cancelled (nor its receipt) before that one.
	p4no := h.str(`select series || '-' || number from invoices where id = $1`, p4)
	if msg := h.mustFail("payment", "cancel", "c1"); !strings.Contains(msg, p4no) || !strings.Contains(msg, "cancel those payments first") {
		t.Errorf("cancelling c1 before c5: %s", msg)
	}
	p2no := h.str(`select series || '-' || number from invoices where id = $1`, p2)
	if msg := h.mustFail("invoice", "cancel", p2no, "--reason", "02"); !strings.Contains(msg, p4no) {
		t.Errorf("cancelling %s before %s: %s", p2no, p4no, msg)
	}

	// A receipt whose cancellation is asked before it is sealed is never sealed, and its
	// payment is reversed with it.
	h.mustRun("payment", "record", noB, "3.00", "--date", "2026-11-30", "--key", "c8")
	early, err := acts.Receipts.IssueMonthlyReceipt(ctx, activities.MonthlyReceiptRequest{Issuer: "EKU", Customer: "FORSETI", Month: "2026-11"})
	if err != nil || early.ID == 0 {
		t.Fatalf("a receipt made by hand: %+v %v", early, err)
	}
	doc := activities.Document{InvoiceID: early.ID}
	if err := acts.Cancelling.RequestCancellation(ctx, activities.CancelRequest{InvoiceID: early.ID, Motive: "02", Key: "early"}); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.Publication.SealInvoice(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if got := h.str(`select fiscal_status from invoices where id = $1`, early.ID); got != "unsealed" {
		t.Errorf("a receipt being cancelled was %s", got)
	}
	if answer, err := acts.Cancelling.CancelDocument(ctx, doc); err != nil || answer.Status != activities.CancelDone {
		t.Fatalf("cancelling it: %+v %v", answer, err)
	}
	if err := acts.Cancelling.CompleteCancellation(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if got := h.str(`select v.status || ' ' || v.fiscal_status || ' ' || c.detail || ' ' || (select count(*) from fiscal_documents where invoice_id = v.id)
		from invoices v join cancellations c on c.invoice_id = v.id where v.id = $1`, early.ID); got != "cancelled cancelled not stamped: nothing to cancel at SAT 0" {
		t.Errorf("the receipt cancelled before sealing: %s", got)
	}
	if n := h.int(`select count(*) from receivable_payments where reversed_at is not null and id in (`+keyed+`)`, "c8"); n != 1 {
		t.Errorf("c8 not reversed with its receipt")
	}

	// The issuer goes back to a receipt per payment with c9 waiting: a sweep states it.
	h.mustRun("payment", "record", noB, "4.00", "--date", "2026-11-30", "--key", "c9")
	importEKU(h, "per_payment", false)
	out := h.mustRun("payment", "receipts", "--pending", "--issuer", "EKU", "--wait")
	if !strings.Contains(out, "months with payments waiting: 2026-11") || !strings.Contains(out, "1 issued") {
		t.Errorf("the sweep: %s", out)
	}
	if n := h.int(`select count(*) from payment_receipt_documents d join invoices v on v.id = d.receipt_id
		where not d.cancelled and v.fiscal_status = 'pdf' and d.payment_id in (`+keyed+`)`, "c9"); n != 1 {
		t.Errorf("c9 stated by %d published receipts, want 1", n)
	}
	if n := h.int(`select count(*) from receivable_payments p where p.reversed_at is null and not exists (
		select 1 from payment_receipt_documents d where d.payment_id = p.id and not d.cancelled)`); n != 0 {
		t.Errorf("%d payments standing with no live receipt", n)
	}
}

// part is what a receipt says of one parcialidad of an invoice.
type part struct {
	n            int
	before, paid string
}

// checkParts checks a stamped receipt as SAT's tools do, and the parcialidades it states
// of invoice id, in order: number, balance before, amount paid, balance after.
func checkParts(t *testing.T, h *harness, receipt int, invoice int64, want []part) {
	t.Helper()
	xml := h.str(`select xml from fiscal_documents where invoice_id = $1`, receipt)
	checkStampedReceipt(t, xml)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	uuid := h.str(`select uuid from fiscal_documents where invoice_id = $1`, invoice)
	var got []part
	for _, d := range doc.FindElements("//DoctoRelacionado") {
		if d.SelectAttrValue("IdDocumento", "") != uuid {
			continue
		}
		var n int
		fmt.Sscan(d.SelectAttrValue("NumParcialidad", ""), &n)
		p := part{n, d.SelectAttrValue("ImpSaldoAnt", ""), d.SelectAttrValue("ImpPagado", "")}
		if after := d.SelectAttrValue("ImpSaldoInsoluto", ""); after != subtract(t, p.before, p.paid) {
			t.Errorf("receipt %d, parcialidad %d: %s before, %s paid, %s after", receipt, n, p.before, p.paid, after)
		}
		got = append(got, p)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("receipt %d states %v, want %v", receipt, got, want)
	}
}

// waitRestated waits for the receipt stating again the payments a cancelled receipt stated
// that stand, published, and answers it.
func (h *harness) waitRestated(cancelled int) int {
	h.t.Helper()
	q := `select coalesce(max(d.receipt_id), 0) from payment_receipt_documents d join invoices v on v.id = d.receipt_id
		where not d.cancelled and v.fiscal_status = 'pdf' and v.delivery_status = 'sent'
		  and d.payment_id in (select payment_id from payment_receipt_documents where receipt_id = $1)`
	h.waitFor("the payments stated again", 2*time.Minute, func() bool { return h.int(q, cancelled) != 0 })
	return h.int(q, cancelled)
}
