package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"billrun/internal/fiscal"
	"billrun/internal/model"
	"billrun/internal/store"
)

// A payment's receipt (LockPaymentForReceipt, InsertPaymentReceipt) is made once per
// payment, numbered among the invoice's payments in their order with the balance before
// each, and relates every invoice a split payment paid; ReceiptPayment is the payment it
// answers and LiveReceipts the receipts an invoice's cancellation must wait for. A split
// payment (RecordSplitPayment) records every part or none, once per key.

// receiptParts reads the payment for its receipt, as the receipt activity does.
func receiptParts(w *world, paymentID int64) []store.ReceivedPayment {
	w.t.Helper()
	var ps []store.ReceivedPayment
	w.mustTx(func(tx *store.Tx) (err error) {
		ps, err = tx.LockPaymentForReceipt(paymentID)
		return err
	})
	return ps
}

// issueReceipt records the receipt of the payment dated November 25th (not numbered).
func issueReceipt(w *world, paymentID int64) (id int64, err error) {
	err = w.tx(func(tx *store.Tx) error {
		ps, err := tx.LockPaymentForReceipt(paymentID)
		if err != nil {
			return err
		}
		id, err = tx.InsertPaymentReceipt(ps, day(25))
		return err
	})
	return id, err
}

// paymentKeyed is the payment recorded with key.
func paymentKeyed(w *world, key string) int64 {
	w.t.Helper()
	return w.id(`select id from receivable_payments where request_key = $1`, key)
}

// received is a part of a payment as a test expects LockPaymentForReceipt to read it.
type received struct {
	payment, invoice int64
	amount, saldoAnt string
	parcialidad      int
	receipt          int64
}

func checkReceived(t *testing.T, what string, got []store.ReceivedPayment, want ...received) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d parts, want %d: %+v", what, len(got), len(want), got)
	}
	for i, p := range got {
		x := want[i]
		if p.ID != x.payment || p.InvoiceID != x.invoice || !p.Amount.Equal(dec(x.amount)) || p.Parcialidad != x.parcialidad ||
			!p.SaldoAnt.Equal(dec(x.saldoAnt)) || p.ReceiptID != x.receipt {
			t.Errorf("%s, part %d: payment %d of invoice %d, %s of %s, parcialidad %d, receipt %d; want payment %d of invoice %d, %s of %s, parcialidad %d, receipt %d",
				what, i+1, p.ID, p.InvoiceID, p.Amount, p.SaldoAnt, p.Parcialidad, p.ReceiptID,
				x.payment, x.invoice, x.amount, x.saldoAnt, x.parcialidad, x.receipt)
		}
	}
}

func TestReceiptFollowsTheInvoicesPayments(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("RCP", 1001) // 3654.00 on credit (NET30: PPD)
	if !h.Total.Equal(dec("3654")) {
		t.Fatalf("order 1001 totals %s, want 3654", h.Total)
	}
	for _, p := range []struct{ amount, key string }{{"1000", "r-1"}, {"500", "r-2"}, {"200", "r-3"}} {
		if _, _, err := w.pay(h.ID, p.amount, p.key); err != nil {
			t.Fatal(err)
		}
	}
	p1, p2, p3 := paymentKeyed(w, "r-1"), paymentKeyed(w, "r-2"), paymentKeyed(w, "r-3")

	// Read after every payment was recorded: each one's place and the balance before it
	// are where it stands among them, whatever came later.
	checkReceived(t, "the second payment", receiptParts(w, p2), received{payment: p2, invoice: h.ID, amount: "500", saldoAnt: "2654", parcialidad: 2})
	checkReceived(t, "the first payment", receiptParts(w, p1), received{payment: p1, invoice: h.ID, amount: "1000", saldoAnt: "3654", parcialidad: 1})
	checkReceived(t, "the third payment", receiptParts(w, p3), received{payment: p3, invoice: h.ID, amount: "200", saldoAnt: "2154", parcialidad: 3})

	// What the receipt's document needs of the invoice: its issuer, customer, terms and
	// folio fiscal, and the series its payments' receipts are numbered in.
	w.stamped(h.ID, uuid1)
	p := receiptParts(w, p1)[0]
	want := store.ReceivedPayment{ID: p1, InvoiceID: h.ID, Amount: p.Amount, PaidOn: day(24), Issuer: "EKU", Country: "MX", Customer: "FORSETI",
		Currency: "MXN", Method: "PPD", Invoice: fmt.Sprintf("A-%d", *h.Number), UUID: uuid1, Series: "P", Parcialidad: 1, SaldoAnt: p.SaldoAnt}
	if !p.PaidOn.Equal(day(24)) {
		t.Errorf("paid on %s, want 2026-11-24", p.PaidOn)
	}
	p.PaidOn = want.PaidOn
	if p != want {
		t.Errorf("read for its receipt:\n%+v\nwant\n%+v", p, want)
	}

	if _, err := issueReceipt(w, 999999); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("the receipt of an unknown payment: %v, want not found", err)
	}
}

func TestReceiptOncePerPayment(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("RCP", 1001) // 3654.00
	for _, p := range []struct{ amount, key string }{{"1000", "r-1"}, {"500", "r-2"}} {
		if _, _, err := w.pay(h.ID, p.amount, p.key); err != nil {
			t.Fatal(err)
		}
	}
	p1, p2 := paymentKeyed(w, "r-1"), paymentKeyed(w, "r-2")

	r1, err := issueReceipt(w, p1)
	if err != nil {
		t.Fatal(err)
	}
	// The receipt is a document of the customer in the invoice's receipt series, processing
	// until numbered, of no batch; it pays what the payment paid.
	got := w.row(`select concat_ws(' ', document_kind, series, status, coalesce(batch_id, '<no batch>'), coalesce(number::text, '<no number>'),
		customer, currency, payment_terms, invoice_date::text, total::text) from invoices where id = $1`, r1)
	if want := "payment_receipt P processing <no batch> <no number> FORSETI MXN NET30 2026-11-25 0.0000"; got != want {
		t.Errorf("receipt %d: %q, want %q", r1, got, want)
	}
	got = w.row(`select string_agg(concat_ws(' ', payment_id, invoice_id, parcialidad, saldo_ant, paid), '; ') from payment_receipt_documents where receipt_id = $1`, r1)
	if want := fmt.Sprintf("%d %d 1 3654.0000 1000.0000", p1, h.ID); got != want {
		t.Errorf("receipt %d relates %q, want %q", r1, got, want)
	}
	checkReceived(t, "the payment with its receipt", receiptParts(w, p1), received{payment: p1, invoice: h.ID, amount: "1000", saldoAnt: "3654", parcialidad: 1, receipt: r1})

	// A second receipt of the payment is refused by the database, and nothing of it stays.
	if _, err := issueReceipt(w, p1); !refusedBy(err, "payment_receipt_documents_live_payment") {
		t.Errorf("a second receipt of payment %d: %v, want refused by payment_receipt_documents_live_payment", p1, err)
	}
	// A receipt claiming another payment's place among the invoice's, or paying more than
	// the balance before it, is refused.
	doctored := func(change func(*store.ReceivedPayment)) error {
		return w.tx(func(tx *store.Tx) error {
			ps, err := tx.LockPaymentForReceipt(p2)
			if err != nil {
				return err
			}
			change(&ps[0])
			_, err = tx.InsertPaymentReceipt(ps, day(25))
			return err
		})
	}
	for _, c := range []struct {
		name       string
		change     func(*store.ReceivedPayment)
		constraint string
	}{
		{"parcialidad 1 again", func(p *store.ReceivedPayment) { p.Parcialidad = 1 }, "payment_receipt_documents_live_parcialidad"},
		{"paid past the balance before", func(p *store.ReceivedPayment) { p.Amount = p.SaldoAnt.Add(dec("0.01")) }, "payment_receipt_documents_check"},
		{"nothing paid", func(p *store.ReceivedPayment) { p.Amount = dec("0") }, "payment_receipt_documents_check"},
		{"parcialidad 0", func(p *store.ReceivedPayment) { p.Parcialidad = 0 }, "payment_receipt_documents_parcialidad_check"},
	} {
		if err := doctored(c.change); !refusedBy(err, c.constraint) {
			t.Errorf("a receipt of payment %d with %s: %v, want refused by %s", p2, c.name, err, c.constraint)
		}
	}
	if n := w.count(`select count(*) from invoices where document_kind = 'payment_receipt'`); n != 1 {
		t.Errorf("%d receipts after the refused ones, want 1", n)
	}

	r2, err := issueReceipt(w, p2)
	if err != nil {
		t.Fatal(err)
	}
	got = w.row(`select string_agg(concat_ws(' ', receipt_id, payment_id, parcialidad, saldo_ant, paid), '; ' order by parcialidad) from payment_receipt_documents where invoice_id = $1`, h.ID)
	if want := fmt.Sprintf("%d %d 1 3654.0000 1000.0000; %d %d 2 2654.0000 500.0000", r1, p1, r2, p2); got != want {
		t.Errorf("the invoice's receipts relate %q, want %q", got, want)
	}
}

// A split payment's receipt relates every invoice it paid, each at its own place among its
// invoice's payments; the payment it answers is the sum of its parts.
func TestReceiptOfASplitPayment(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.completed("SPL-1", 1002) // TANGO, cash
	b := w.completed("SPL-2", 1003) // TANGO, cash
	if a.ID > b.ID {
		t.Fatalf("invoices %d and %d: want the first one first", a.ID, b.ID)
	}
	if _, _, err := w.pay(b.ID, "10", "before"); err != nil { // b's first payment
		t.Fatal(err)
	}
	// Given b first: the receipt relates them in invoice order all the same.
	sp := store.SplitPayment{Key: "split-1", PaidOn: day(24), Form: "02",
		Parts: []store.PaymentPart{{InvoiceID: b.ID, Amount: dec("20")}, {InvoiceID: a.ID, Amount: dec("50")}}}
	if again, err := w.st.RecordSplitPayment(w.ctx, sp); err != nil || again {
		t.Fatalf("split payment: again=%v %v", again, err)
	}
	pa, pb := paymentKeyed(w, fmt.Sprintf("split-1/%d", a.ID)), paymentKeyed(w, fmt.Sprintf("split-1/%d", b.ID))
	want := []received{
		{payment: pa, invoice: a.ID, amount: "50", saldoAnt: a.Total.String(), parcialidad: 1},
		{payment: pb, invoice: b.ID, amount: "20", saldoAnt: b.Total.Sub(dec("10")).String(), parcialidad: 2},
	}
	checkReceived(t, "a's part", receiptParts(w, pa), want...)
	checkReceived(t, "b's part", receiptParts(w, pb), want...)
	if got := receiptParts(w, paymentKeyed(w, "before")); len(got) != 1 || got[0].Parcialidad != 1 || !got[0].SaldoAnt.Equal(b.Total) {
		t.Errorf("b's own first payment reads %+v, want it alone, parcialidad 1 of %s", got, b.Total)
	}

	// While the receipt is being made, every invoice it relates is locked.
	err := w.tx(func(tx *store.Tx) error {
		if _, err := tx.LockPaymentForReceipt(pb); err != nil {
			return err
		}
		for _, id := range []int64{a.ID, b.ID} {
			_, err := w.db.Exec(w.ctx, `select 1 from invoices where id = $1 for update nowait`, id)
			var pg *pgconn.PgError
			if !errors.As(err, &pg) || pg.Code != "55P03" {
				t.Errorf("invoice %d while its payment's receipt is made: %v, want it locked", id, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	w.stamped(a.ID, uuid1)
	r, err := issueReceipt(w, pb)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].receipt = r
	}
	checkReceived(t, "a's part with its receipt", receiptParts(w, pa), want...)
	if _, err := issueReceipt(w, pa); !refusedBy(err, "payment_receipt_documents_live_payment") {
		t.Errorf("a second receipt of the split payment: %v", err)
	}

	var pays []fiscal.Payment
	w.mustTx(func(tx *store.Tx) (err error) {
		pays, err = tx.ReceiptPayments(r)
		return err
	})
	if len(pays) != 1 {
		t.Fatalf("receipt %d answers %d payments, want the one split", r, len(pays))
	}
	pay := pays[0]
	if !pay.Amount.Equal(dec("70")) || !pay.PaidOn.Equal(day(24)) || pay.Form != "02" || pay.Currency != "MXN" || pay.Decimals != 2 || !pay.Rate.Equal(dec("1")) {
		t.Errorf("receipt %d answers a payment of %s on %s by %s in %s (%d decimals, rate %s); want 70 on 2026-11-24 by 02 in MXN (2, rate 1)",
			r, pay.Amount, pay.PaidOn, pay.Form, pay.Currency, pay.Decimals, pay.Rate)
	}
	if len(pay.Paid) != 2 {
		t.Fatalf("receipt %d pays %d invoices, want 2", r, len(pay.Paid))
	}
	xmlA := w.row(`select xml from fiscal_documents where invoice_id = $1`, a.ID)
	for i, x := range pay.Paid {
		wantXML := map[int]string{0: xmlA, 1: ""}[i]
		if x.Parcialidad != want[i].parcialidad || !x.SaldoAnt.Equal(dec(want[i].saldoAnt)) || !x.Paid.Equal(dec(want[i].amount)) ||
			!x.Rate.Equal(dec("1")) || x.XML != wantXML {
			t.Errorf("receipt %d, invoice %d: parcialidad %d, %s of %s, rate %s, document %q; want parcialidad %d, %s of %s, rate 1, document %q",
				r, i+1, x.Parcialidad, x.Paid, x.SaldoAnt, x.Rate, x.XML, want[i].parcialidad, want[i].amount, want[i].saldoAnt, wantXML)
		}
	}
	// Both invoices wait for the one receipt before they may be cancelled.
	for _, id := range []int64{a.ID, b.ID} {
		if got := liveReceipts(w, id); !slices.Equal(got, []string{"P-(processing)"}) {
			t.Errorf("invoice %d's live receipts: %q, want the split payment's", id, got)
		}
	}
}

func liveReceipts(w *world, invoiceID int64) []string {
	w.t.Helper()
	var got []string
	w.mustTx(func(tx *store.Tx) (err error) {
		got, err = tx.LiveReceipts(invoiceID)
		return err
	})
	return got
}

// LiveReceipts names an invoice's receipts not cancelled: processing, then numbered.
func TestLiveReceipts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("RCP", 1001)
	other := w.completed("RCP-OTHER", 1004)
	if got := liveReceipts(w, h.ID); len(got) != 0 {
		t.Errorf("an invoice not paid: live receipts %q", got)
	}
	for _, p := range []struct{ amount, key string }{{"1000", "r-1"}, {"500", "r-2"}} {
		if _, _, err := w.pay(h.ID, p.amount, p.key); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := w.pay(other.ID, "1", "other-1"); err != nil {
		t.Fatal(err)
	}
	r1, err := issueReceipt(w, paymentKeyed(w, "r-1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := liveReceipts(w, h.ID); !slices.Equal(got, []string{"P-(processing)"}) {
		t.Errorf("a receipt processing: %q", got)
	}
	w.mustTx(func(tx *store.Tx) error {
		next, _, _, _, err := tx.LockSeries("P")
		if err != nil {
			return err
		}
		return tx.Number(store.InvoiceHead{ID: r1, Series: "P", InvoiceDate: day(25)}, next)
	})
	r2, err := issueReceipt(w, paymentKeyed(w, "r-2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := issueReceipt(w, paymentKeyed(w, "other-1")); err != nil {
		t.Fatal(err)
	}
	if got := liveReceipts(w, h.ID); !slices.Equal(got, []string{"P-1", "P-(processing)"}) {
		t.Errorf("a receipt numbered and one processing: %q", got)
	}
	w.exec(`update invoices set status = 'cancelled' where id = $1`, r1)
	if got := liveReceipts(w, h.ID); !slices.Equal(got, []string{"P-(processing)"}) {
		t.Errorf("the first receipt cancelled: %q, want receipt %d's alone", got, r2)
	}
}

// A split payment is every part or none: a part past its invoice's balance refuses it
// whole, naming the invoice.
func TestSplitPaymentAllOrNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.completed("SPL-1", 1002) // TANGO
	b := w.completed("SPL-2", 1003) // TANGO
	written := func() string {
		return w.row(`select concat_ws(' ', (select count(*) from receivable_payments), (select count(*) from payment_groups),
			(select count(*) from audit_events where step = 'payment'),
			(select string_agg(balance::text, ' ' order by invoice_id) from receivables where invoice_id in ($1, $2)))`, a.ID, b.ID)
	}
	before := written()
	if want := fmt.Sprintf("0 0 0 %s %s", a.Total.StringFixed(4), b.Total.StringFixed(4)); before != want {
		t.Fatalf("before: %q, want %q", before, want)
	}
	past := b.Total.Add(dec("0.01"))
	sp := store.SplitPayment{Key: "split", PaidOn: day(24),
		Parts: []store.PaymentPart{{InvoiceID: a.ID, Amount: dec("10")}, {InvoiceID: b.ID, Amount: past}}}
	_, err := w.st.RecordSplitPayment(w.ctx, sp)
	if !isInput(err) || !strings.Contains(err.Error(), fmt.Sprintf("invoice %d:", b.ID)) || strings.Contains(err.Error(), fmt.Sprintf("invoice %d:", a.ID)) {
		t.Errorf("a part past invoice %d's balance: %v, want refused naming it", b.ID, err)
	}
	if got := written(); got != before {
		t.Errorf("after the refused payment: %q, want nothing written (%q)", got, before)
	}

	sp.Parts[1].Amount = b.Total // the whole of b
	if again, err := w.st.RecordSplitPayment(w.ctx, sp); err != nil || again {
		t.Fatalf("split payment: again=%v %v", again, err)
	}
	after := written()
	if want := fmt.Sprintf("2 1 2 %s 0.0000", a.Total.Sub(dec("10")).StringFixed(4)); after != want {
		t.Errorf("after the split payment: %q, want %q", after, want)
	}
	got := w.row(`select concat_ws(' ', g.request_key, g.customer, g.amount, g.paid_on, g.forma_pago,
		(select string_agg(p.request_key || '=' || p.amount || ' ' || p.forma_pago, ', ' order by p.id) from receivable_payments p where p.group_id = g.id))
		from payment_groups g`)
	want := fmt.Sprintf("split TANGO %s 2026-11-24 03 split/%d=10.0000 03, split/%d=%s 03", b.Total.Add(dec("10")).StringFixed(4), a.ID, b.ID, b.Total.StringFixed(4))
	if got != want {
		t.Errorf("recorded %q, want %q", got, want)
	}
	if s := w.row(`select status from receivables where invoice_id = $1`, b.ID); s != "paid" {
		t.Errorf("invoice %d paid whole: receivable %s", b.ID, s)
	}
}

// The same split payment's key again writes nothing; with other content it is refused.
func TestSplitPaymentKeyRecordsOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.completed("SPL-1", 1002)
	b := w.completed("SPL-2", 1003)
	split := func(key, amountA, amountB string) (bool, error) {
		return w.st.RecordSplitPayment(w.ctx, store.SplitPayment{Key: key, PaidOn: day(24),
			Parts: []store.PaymentPart{{InvoiceID: a.ID, Amount: dec(amountA)}, {InvoiceID: b.ID, Amount: dec(amountB)}}})
	}
	if first, err := w.st.GroupPaymentByKey(w.ctx, "split"); first != 0 || err != nil {
		t.Errorf("the first payment of a key never given: %d %v, want 0", first, err)
	}
	if again, err := split("split", "10", "20"); err != nil || again {
		t.Fatalf("split payment: again=%v %v", again, err)
	}
	written := func() string {
		return w.row(`select concat_ws(' ', (select count(*) from receivable_payments), (select count(*) from payment_groups),
			(select string_agg(balance::text, ' ' order by invoice_id) from receivables where invoice_id in ($1, $2)))`, a.ID, b.ID)
	}
	before := written()
	if again, err := split("split", "10", "20"); err != nil || !again {
		t.Errorf("the same split payment again: again=%v %v", again, err)
	}
	if _, err := split("split", "10", "21"); !isInput(err) || !strings.Contains(err.Error(), "given to another payment") {
		t.Errorf("the key with another amount: %v, want refused", err)
	}
	c := w.completed("SPL-3", 1001) // FORSETI's, not TANGO's: refused either way
	if _, err := w.st.RecordSplitPayment(w.ctx, store.SplitPayment{Key: "split", PaidOn: day(24),
		Parts: []store.PaymentPart{{InvoiceID: a.ID, Amount: dec("10")}, {InvoiceID: c.ID, Amount: dec("20")}}}); !isInput(err) {
		t.Errorf("the key on other invoices: %v, want refused", err)
	}
	if got := written(); got != before {
		t.Errorf("after the key again: %q, want nothing more written (%q)", got, before)
	}
	first, err := w.st.GroupPaymentByKey(w.ctx, "split")
	if want := paymentKeyed(w, fmt.Sprintf("split/%d", a.ID)); first != want || err != nil {
		t.Errorf("the split payment's first payment: %d %v, want %d", first, err, want)
	}
}

// A split payment pays invoices of one customer, each once, with parts above 0.
func TestSplitPaymentRefusedBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	forseti := w.completed("SPL-1", 1001)
	kemper := w.completed("SPL-2", 1004)
	tango := w.completed("SPL-3", 1002)
	draft := w.invoice("SPL-4", 1003) // TANGO's, not completed
	part := func(id int64, amount string) store.PaymentPart {
		return store.PaymentPart{InvoiceID: id, Amount: dec(amount)}
	}
	for _, c := range []struct {
		name  string
		parts []store.PaymentPart
		key   string
		needs string // what the refusal says
	}{
		{"invoices of two customers", []store.PaymentPart{part(forseti.ID, "10"), part(kemper.ID, "10")}, "two-customers", "one customer"},
		{"an invoice named twice", []store.PaymentPart{part(forseti.ID, "10"), part(forseti.ID, "20")}, "twice", "named twice"},
		{"one invoice", []store.PaymentPart{part(forseti.ID, "10")}, "one", "two invoices or more"},
		{"a part of 0", []store.PaymentPart{part(forseti.ID, "10"), part(kemper.ID, "0")}, "zero", "above 0"},
		{"a negative part", []store.PaymentPart{part(forseti.ID, "10"), part(kemper.ID, "-5")}, "negative", "above 0"},
		{"more than 4 decimals", []store.PaymentPart{part(forseti.ID, "10"), part(kemper.ID, "0.00001")}, "decimals", "4 decimals"},
		{"no key", []store.PaymentPart{part(forseti.ID, "10"), part(kemper.ID, "10")}, "", "idempotency key"},
		{"an invoice not completed", []store.PaymentPart{part(tango.ID, "10"), part(draft, "10")}, "draft", fmt.Sprintf("invoice %d: it is draft", draft)},
	} {
		_, err := w.st.RecordSplitPayment(w.ctx, store.SplitPayment{Key: c.key, PaidOn: day(24), Parts: c.parts})
		if !isInput(err) || !strings.Contains(err.Error(), c.needs) {
			t.Errorf("%s: %v, want refused saying %q", c.name, err, c.needs)
		}
	}
	_, err := w.st.RecordSplitPayment(w.ctx, store.SplitPayment{Key: "nowhere", PaidOn: day(24), Parts: []store.PaymentPart{part(tango.ID, "10"), part(999999, "10")}})
	if !errors.Is(err, model.ErrNotFound) {
		t.Errorf("an unknown invoice: %v, want not found", err)
	}
	if n := w.count(`select (select count(*) from receivable_payments) + (select count(*) from payment_groups)`); n != 0 {
		t.Errorf("%d payments and groups recorded, want none", n)
	}
}

// Split payments of the same invoices at once queue on the invoices' locks: the same key
// is recorded once, and two payments never take more than a balance (nor deadlock).
func TestSplitPaymentsAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.completed("SPL-1", 1002)
	b := w.completed("SPL-2", 1003)
	atOnce := func(sps ...store.SplitPayment) ([]bool, []error) {
		agains, errs := make([]bool, len(sps)), make([]error, len(sps))
		var wg sync.WaitGroup
		// The store's pool opens its connections first (4: its least), so the payments
		// start together rather than one per new connection.
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = w.tx(func(*store.Tx) error { time.Sleep(50 * time.Millisecond); return nil })
			}()
		}
		wg.Wait()
		for i, sp := range sps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				agains[i], errs[i] = w.st.RecordSplitPayment(w.ctx, sp)
			}()
		}
		wg.Wait()
		return agains, errs
	}
	same := store.SplitPayment{Key: "same", PaidOn: day(24), Parts: []store.PaymentPart{{InvoiceID: a.ID, Amount: dec("1")}, {InvoiceID: b.ID, Amount: dec("2")}}}
	agains, errs := atOnce(same, same, same, same, same, same, same, same)
	recorded := 0
	for _, again := range agains {
		if !again {
			recorded++
		}
	}
	if err := errors.Join(errs...); err != nil || recorded != 1 {
		t.Errorf("the same split payment 8 times at once: again %v, %v; want recorded once", agains, err)
	}
	if got := w.row(`select (select count(*) from payment_groups) || ' ' || (select count(*) from receivable_payments)`); got != "1 2" {
		t.Errorf("the same split payment 8 times at once: %q groups and payments, want 1 2", got)
	}
	// Each takes more than half of a's balance left; given in opposite orders.
	half := a.Total.Sub(dec("1")).Div(dec("2")).Add(dec("1")).Round(2)
	one := store.SplitPayment{Key: "one", PaidOn: day(24), Parts: []store.PaymentPart{{InvoiceID: a.ID, Amount: half}, {InvoiceID: b.ID, Amount: dec("1")}}}
	two := store.SplitPayment{Key: "two", PaidOn: day(24), Parts: []store.PaymentPart{{InvoiceID: b.ID, Amount: dec("1")}, {InvoiceID: a.ID, Amount: half}}}
	_, errs = atOnce(one, two)
	if (errs[0] == nil) == (errs[1] == nil) || !isInput(errors.Join(errs...)) || !strings.Contains(errors.Join(errs...).Error(), fmt.Sprintf("invoice %d:", a.ID)) {
		t.Errorf("two split payments of %s each on invoice %d's %s at once: %v, %v; want exactly one refused", half, a.ID, a.Total.Sub(dec("1")), errs[0], errs[1])
	}
	if n := w.count(`select count(*) from payment_groups`); n != 2 {
		t.Errorf("%d split payments recorded, want 2 (the same one and one of the two)", n)
	}
	if got, want := w.row(`select balance::text from receivables where invoice_id = $1`, a.ID), a.Total.Sub(dec("1")).Sub(half).StringFixed(4); got != want {
		t.Errorf("invoice %d's balance %s, want %s", a.ID, got, want)
	}
}

// A part on an invoice whose cancellation SAT may yet accept refuses the whole payment.
func TestSplitPaymentWaitsForTheCancellation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.completed("SPL-1", 1002)
	b := w.completed("SPL-2", 1003)
	w.stamped(b.ID, uuid1)
	w.mustTx(func(tx *store.Tx) error { return tx.RequestCancellation(b.ID, "02", "", "c1", "cancel 02") })
	_, err := w.st.RecordSplitPayment(w.ctx, store.SplitPayment{Key: "split", PaidOn: day(24),
		Parts: []store.PaymentPart{{InvoiceID: a.ID, Amount: dec("10")}, {InvoiceID: b.ID, Amount: dec("10")}}})
	if !isInput(err) || !strings.Contains(err.Error(), fmt.Sprintf("invoice %d: its cancellation is requested", b.ID)) {
		t.Errorf("a part on invoice %d, its cancellation requested: %v, want refused naming it", b.ID, err)
	}
	if n := w.count(`select (select count(*) from receivable_payments) + (select count(*) from payment_groups)`); n != 0 {
		t.Errorf("%d payments and groups recorded, want none", n)
	}
	if got, want := w.row(`select balance::text from receivables where invoice_id = $1`, a.ID), a.Total.StringFixed(4); got != want {
		t.Errorf("invoice %d's balance %s, want %s untouched", a.ID, got, want)
	}
}

// The balance before a payment is the one it was applied to, however many credit notes came
// after it: a receipt issued after such a credit (its invoice stamped late, or its workflow
// retried past a PAC outage) declares parcialidad 1's ImpSaldoAnt as owed when it was paid,
// 3654.00 (read as "the balance now plus the later payments", it was 3520.60).
func TestReceiptSaldoAntBeforeALaterCredit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("RCP", 1001) // 3654.00
	if _, _, err := w.pay(h.ID, "1000", "r-1"); err != nil {
		t.Fatal(err)
	}
	if _, applied, _ := w.returned(h.ID, 1, "10"); !applied.Equal(dec("133.40")) { // after the payment
		t.Fatalf("the return applied %s, want 133.40", applied)
	}
	if _, _, err := w.pay(h.ID, "500", "r-2"); err != nil {
		t.Fatal(err)
	}
	p1, p2 := paymentKeyed(w, "r-1"), paymentKeyed(w, "r-2")
	checkReceived(t, "the second payment, after the credit", receiptParts(w, p2),
		received{payment: p2, invoice: h.ID, amount: "500", saldoAnt: "2520.60", parcialidad: 2})
	checkReceived(t, "the first payment, read after the credit", receiptParts(w, p1),
		received{payment: p1, invoice: h.ID, amount: "1000", saldoAnt: "3654", parcialidad: 1})
}
