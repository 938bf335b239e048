package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"billrun/internal/model"
)

// cashSale imports the seed's cash box and cash terms and an order shaped like the seed's
// example (100 pz of A at 11.50, 200 kg of B at 10.00: 3,654.00 with VAT) on them.
func cashSale(h *harness, order string) {
	h.importJSON(`{"cash_boxes": [{"code": "CAJA1", "name": "Caja general", "currency": "MXN", "account": "1101"}],
		"payment_terms": [{"code": "CONTADO", "kind": "cash", "forma_pago": "01", "metodo_pago": "PUE", "cash_box": "CAJA1"}],
		"orders": [{"number": ` + order + `, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "payment_terms": "CONTADO",
		 "date": "2026-11-02", "lines": [{"item": "A", "ordered": 100, "price": 11.50}, {"item": "B", "ordered": 200, "price": 10.00}]}]}`)
}

// Issue 27, seed 004 ("Sobre el pago de contado"; "Devolver y Rebajar Factura"): a sale on
// cash terms that name a cash box is collected into it as it completes — paid in full,
// one cash movement in, the box's account debited, PUE and no payment receipt; the return
// of 100 kg of B (1,160.00) is paid back out of the box instead of a refund due; cancelling
// the credit note brings the money back in, and cancelling the invoice gives the sale's
// money back and reverses its collection — each once, the journal balanced throughout.
func TestCashSaleCollectsRefundsAndGivesBack(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	cashSale(h, "1801")
	id, no := h.billed("1801")
	if got := h.str(`select total::numeric(18,2)::text from invoices where id = $1`, id); got != "3654.00" {
		t.Fatalf("the seed's sale totals %s, want 3654.00", got)
	}
	if got := h.str(`select status || ' ' || balance::numeric(18,2)::text from receivables where invoice_id = $1`, id); got != "paid 0.00" {
		t.Errorf("the cash sale's receivable: %s, want paid in full", got)
	}
	if got := h.str(`select p.amount::numeric(18,2)::text || ' ' || p.forma_pago || ' ' || p.paid_on::text from receivable_payments p
		join receivables r on r.id = p.receivable_id where r.invoice_id = $1`, id); got != "3654.00 01 2026-11-23" {
		t.Errorf("its collection: %s", got)
	}
	if n := h.int(`select count(*) from payment_receipt_documents d join receivable_payments p on p.id = d.payment_id
		join receivables r on r.id = p.receivable_id where r.invoice_id = $1`, id); n != 0 {
		t.Errorf("a sale collected on the spot (PUE) got %d payment receipts", n)
	}
	if xml := h.str(`select xml from fiscal_documents where invoice_id = $1`, id); !strings.Contains(xml, `MetodoPago="PUE"`) || !strings.Contains(xml, `FormaPago="01"`) {
		t.Errorf("the cash sale's CFDI is not PUE, form 01")
	}
	var ms []model.CashMovement
	h.runJSON(&ms, "cash", "movements", "--box", "CAJA1", "--from", "2026-11-01", "--to", "2026-11-30")
	if len(ms) != 1 || ms[0].Direction != "in" || ms[0].Reason != "sale" || ms[0].Amount.StringFixed(2) != "3654.00" || ms[0].Document != no {
		t.Fatalf("the box's movements after the sale: %+v", ms)
	}
	if out := h.mustRun("invoice", "show", no); !strings.Contains(out, "cash in  3654.00 MXN, cash box CAJA1, sale") {
		t.Errorf("invoice show says nothing of the cash:\n%s", out)
	}
	h.checkCashBooks(id, "3654.00")
	if msg := h.mustFail("payment", "cancel", fmt.Sprintf("cash-sale-%d", id)); !strings.Contains(msg, "collection on the spot into cash box CAJA1") {
		t.Errorf("cancelling the collection alone: %s", msg)
	}

	// The seed's return: 100 kg of B, 1,000.00 + 160.00, paid back out of the box.
	var cn model.InvoiceView
	h.runJSON(&cn, "invoice", "return", no, "--line", "2", "--qty", "100", "--date", "2026-11-24", "--key", "cash-return", "--wait")
	if cn.Number == nil || cn.Total.StringFixed(2) != "1160.00" {
		t.Fatalf("the return's credit note totals %s, want 1160.00", cn.Total)
	}
	h.mustRun("invoice", "return", no, "--line", "2", "--qty", "100", "--date", "2026-11-24", "--key", "cash-return", "--wait") // again: once
	if got := h.str(`select applied::numeric(18,2)::text || ' ' || refund_due::numeric(18,2)::text from credit_applications where credit_note_id = $1`, cn.ID); got != "0.00 0.00" {
		t.Errorf("the cash sale's return left %s (applied, refund due), want nothing owed: it was paid back", got)
	}
	if got := h.str(`select string_agg(direction || ' ' || reason || ' ' || amount::numeric(18,2)::text, ', ' order by id) from cash_movements where sale_id = $1`, id); got != "in sale 3654.00, out refund 1160.00" {
		t.Errorf("the box after the return: %s", got)
	}
	cnNo := fmt.Sprintf("%s-%d", cn.Series, *cn.Number)
	if out := h.mustRun("invoice", "show", cnNo); !strings.Contains(out, "cash out 1160.00 MXN, cash box CAJA1, refund") {
		t.Errorf("the credit note's show says nothing of the refund:\n%s", out)
	}
	h.checkCashBooks(id, "2494.00")

	// Cancelling the credit note (an egreso: at once) brings the refund back into the box.
	h.mustRun("invoice", "cancel", cnNo, "--reason", "02", "--wait")
	h.checkCashBooks(id, "3654.00")

	// Cancelling the invoice gives the sale's money back and reverses its collection.
	h.mustRun("invoice", "cancel", no, "--reason", "02", "--poll-every", "1s") // over 1,000 pesos: the receiver must accept
	h.waitFor(no+"'s cancellation asked of SAT", time.Minute, func() bool {
		return h.int(`select count(*) from cancellations where invoice_id = $1 and status = 'pending'`, id) == 1
	})
	h.sandboxAnswer(h.str(`select uuid from fiscal_documents where invoice_id = $1`, id), true)
	h.waitFor(no+" cancelled", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and status = 'cancelled'`, id) == 1
	})
	if got := h.str(`select string_agg(direction || ' ' || reason || ' ' || amount::numeric(18,2)::text, ', ' order by id) from cash_movements where sale_id = $1`, id); got != "in sale 3654.00, out refund 1160.00, in cancel 1160.00, out cancel 3654.00" {
		t.Errorf("the box after both cancellations: %s", got)
	}
	if got := h.str(`select r.status || ' ' || (p.reversed_at is not null)::text from receivables r join receivable_payments p on p.receivable_id = r.id where r.invoice_id = $1`, id); got != "cancelled true" {
		t.Errorf("the cancelled cash sale's receivable and collection: %s", got)
	}
	h.checkCashBooks(id, "0.00")
	h.checkBooks()

	// What the database refuses whatever the code does.
	for _, sql := range []string{
		`insert into cash_movements (box, currency, invoice_id, sale_id, direction, reason, amount, invoice_amount, moved_on)
		 select 'CAJA1', 'MXN', id, id, 'out', 'refund', 0, 0, current_date from invoices where credit_of is not null limit 1`,
		`insert into cash_movements (box, currency, invoice_id, sale_id, direction, reason, amount, invoice_amount, moved_on)
		 select 'CAJA1', 'USD', id, credit_of, 'out', 'refund', 1, 1, current_date from invoices where credit_of is not null limit 1`,
		`insert into cash_movements (box, currency, invoice_id, sale_id, reverses, direction, reason, amount, invoice_amount, moved_on)
		 select box, currency, invoice_id, sale_id, id, 'out', 'cancel', 1, 1, current_date from cash_movements where reason = 'sale'`,
		`update payment_terms set metodo_pago = 'PPD' where code = 'CONTADO'`,
		`update cash_boxes set currency = 'USD' where code = 'CAJA1'`,
	} {
		if _, err := h.db.Exec(t.Context(), sql); err == nil {
			t.Errorf("the database took: %s", sql)
		}
	}
}

// checkCashBooks checks that every journal entry balances and that the box's account
// (1101) and its movements both hold what the sale left in it.
// The receivable account keeps receivableLeft of the sale: nothing in its own currency; a
// foreign sale's lines converted one by one may book a cent more or less than its total
// converted, which the collection pays (an exchange difference billrun does not book).
func (h *harness) checkCashBooks(saleID int64, want string, receivableLeft ...string) {
	h.t.Helper()
	if n := h.int(`select count(*) from journal_entries e where e.debit <> (select sum(debit) from journal_lines l where l.entry_id = e.id)
		or e.credit <> (select sum(credit) from journal_lines l where l.entry_id = e.id)`); n != 0 {
		h.t.Errorf("%d journal entries do not balance", n)
	}
	if got := h.str(`select coalesce(sum(case direction when 'in' then amount else -amount end), 0)::numeric(18,2)::text from cash_movements where sale_id = $1`, saleID); got != want {
		h.t.Errorf("the box holds %s of the sale, want %s", got, want)
	}
	if got := h.str(`select coalesce(sum(debit - credit), 0)::numeric(18,2)::text from journal_lines where account = '1101'`); got != want {
		h.t.Errorf("the box's account 1101 stands at %s, want %s", got, want)
	}
	if got := h.str(`select coalesce(sum(l.debit - l.credit), 0)::numeric(18,2)::text from journal_lines l join journal_entries e on e.id = l.entry_id
		where l.account = '1105' and e.invoice_id in (select id from invoices where id = $1 or credit_of = $1)`, saleID); got != append(receivableLeft, "0.00")[0] {
		h.t.Errorf("the cash sale left %s on the receivable account 1105", got)
	}
}

// Seed 004's deposit rules: a dollar sale is collected into a peso box at the invoice's
// rate (the payment says it was paid in pesos), and its return paid back out of it at that
// rate; a peso sale is not collected into a dollar box — the invoice fails at completion
// naming the box, with nothing collected, numbered or moved, and once its terms name a box
// that takes pesos, its retry collects it; the seed's rebate (1.00 a kilogram) on it is
// paid back out of the box.
func TestCashSaleCurrenciesFollowTheBox(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	cashSale(h, "1811")
	h.importJSON(`{"cash_boxes": [{"code": "BANCOUSD", "name": "Banco en dólares", "currency": "USD", "account": "1102"}],
		"payment_terms": [{"code": "DOLARES", "kind": "cash", "forma_pago": "03", "metodo_pago": "PUE", "cash_box": "BANCOUSD"}],
		"orders": [{"number": 1812, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "USD", "payment_terms": "CONTADO",
		 "date": "2026-11-02", "lines": [{"item": "B", "ordered": 10, "price": 1.00}]},
		 {"number": 1813, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "payment_terms": "DOLARES",
		 "date": "2026-11-02", "lines": [{"item": "B", "ordered": 10, "price": 10.00}]}]}`)
	usd, _ := h.billed("1812") // 10.00 + 1.60 = 11.60 USD at 18.3115
	if got := h.str(`select amount::numeric(18,2)::text || ' ' || currency || ' ' || invoice_amount::numeric(18,2)::text from cash_movements where sale_id = $1`, usd); got != "212.41 MXN 11.60" {
		t.Errorf("the dollar sale in the peso box: %s, want 212.41 MXN for 11.60 USD", got)
	}
	if got := h.str(`select p.paid_currency || ' ' || p.paid_amount::numeric(18,2)::text || ' ' || p.amount::numeric(18,2)::text from receivable_payments p
		join receivables r on r.id = p.receivable_id where r.invoice_id = $1`, usd); got != "MXN 212.41 11.60" {
		t.Errorf("the dollar sale's collection: %s", got)
	}
	h.checkCashBooks(usd, "212.41", "0.01") // 183.12 + 29.30 booked, 11.60 × 18.3115 = 212.41 collected
	usdNo := h.str(`select series || '-' || number from invoices where id = $1`, usd)
	h.mustRun("invoice", "return", usdNo, "--line", "1", "--qty", "5", "--date", "2026-11-24", "--wait") // 5.80 USD at 18.3115 out of the peso box
	if got := h.str(`select amount::numeric(18,2)::text || ' ' || invoice_amount::numeric(18,2)::text from cash_movements where sale_id = $1 and reason = 'refund'`, usd); got != "106.21 5.80" {
		t.Errorf("the dollar return out of the peso box: %s, want 106.21 MXN for 5.80 USD", got)
	}
	h.checkCashBooks(usd, "106.20", "0.01")

	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1813-1813", "--series", "A", "--date", "2026-11-23", "--wait")
	id := int64(h.int(`select id from invoices where batch_id = $1`, sum.BatchID))
	if sum.Failed != 1 {
		t.Fatalf("a peso sale into a dollar box: %+v", sum)
	}
	if got := h.str(`select error_step || ': ' || error_reason from invoices where id = $1`, id); !strings.Contains(got, "cash box BANCOUSD") || !strings.Contains(got, "MXN") {
		t.Errorf("the failure does not name the box: %s", got)
	}
	if n := h.int(`select count(*) from cash_movements where sale_id = $1`, id) + h.int(`select count(*) from invoices where id = $1 and number is not null`, id); n != 0 {
		t.Errorf("the failed cash sale moved cash or took a number")
	}
	h.importJSON(`{"payment_terms": [{"code": "DOLARES", "kind": "cash", "forma_pago": "03", "metodo_pago": "PUE", "cash_box": "CAJA1"}]}`)
	h.runJSON(&sum, "invoice", "retry", fmt.Sprint(id), "--wait")
	if got := h.str(`select direction || ' ' || reason || ' ' || box || ' ' || amount::numeric(18,2)::text from cash_movements where sale_id = $1`, id); got != "in sale CAJA1 116.00" {
		t.Errorf("the retried sale's collection: %s", got)
	}
	// The seed's rebate, 1.00 a kilogram: 10.00 + 1.60 paid back out of the box.
	no := h.str(`select series || '-' || number from invoices where id = $1`, id)
	h.mustRun("invoice", "rebate", no, "--line", "1", "--amount", "1.00", "--date", "2026-11-24", "--wait")
	if got := h.str(`select string_agg(direction || ' ' || reason || ' ' || amount::numeric(18,2)::text, ', ' order by id) from cash_movements where sale_id = $1`, id); got != "in sale 116.00, out refund 11.60" {
		t.Errorf("the rebate on the cash sale: %s", got)
	}
	if got := h.str(`select refund_due::numeric(18,2)::text from credit_applications a join invoices n on n.id = a.credit_note_id where n.credit_of = $1`, id); got != "0.00" {
		t.Errorf("the rebate left a refund due of %s", got)
	}
	h.checkBooks()
}
