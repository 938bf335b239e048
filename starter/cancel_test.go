package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"billrun/internal/model"
)

// sandboxAnswer is the receiver answering a pending cancellation in SAT's mailbox, here
// the sandbox PAC's side door for it.
func (h *harness) sandboxAnswer(uuid string, accept bool) {
	t := h.t
	t.Helper()
	base := strings.TrimRight(h.cfg.PACURL, "/")
	req, _ := http.NewRequest(http.MethodPost, base+"/security/authenticate", nil)
	req.Header.Set("user", h.cfg.PACUser)
	req.Header.Set("password", h.cfg.PACPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var auth struct{ Data struct{ Token string } }
	err = json.NewDecoder(resp.Body).Decode(&auth)
	resp.Body.Close()
	if err != nil || auth.Data.Token == "" {
		t.Fatalf("sandbox PAC authentication: %v", err)
	}
	body, _ := json.Marshal(map[string]any{"uuid": uuid, "accept": accept})
	req, _ = http.NewRequest(http.MethodPost, base+"/cfdi/cancel/answer", bytes.NewReader(body))
	req.Header.Set("Authorization", "bearer "+auth.Data.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sandbox PAC answer for %s: %s", uuid, resp.Status)
	}
}

// Seed 004's cancellation rules end to end: refused once paid (saying which payment) and
// while a credit note relates to the invoice; an invoice above 1,000 pesos waits for the
// receiver, is cancelled on acceptance and only then undone (stock back, receivable
// cancelled, its order billable again, its number kept); a rejection leaves the invoice as
// it was; a small invoice is cancelled at once; motive 01 names its replacement.
func TestCancellation(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"orders": [
		{"number": 1101, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-02",
		 "lines": [{"item": "A", "ordered": 100, "price": 11.50}, {"item": "B", "ordered": 200, "price": 10.00}]},
		{"number": 1102, "customer": "TANGO", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-02",
		 "lines": [{"item": "B", "ordered": 2, "price": 10.00}]},
		{"number": 1103, "customer": "TANGO", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-02",
		 "lines": [{"item": "B", "ordered": 1, "price": 10.00}]},
		{"number": 1104, "customer": "TANGO", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-02",
		 "lines": [{"item": "B", "ordered": 1, "price": 10.00}]}]}`)
	bill := func(order string) (int64, string) {
		var sum model.Summary
		h.runJSON(&sum, "batch", "create", "--orders", order+"-"+order, "--series", "A", "--date", "2026-11-23", "--wait")
		if sum.Completed != 1 {
			t.Fatalf("order %s: %+v", order, sum)
		}
		id := int64(h.int(`select id from invoices where batch_id = $1`, sum.BatchID))
		h.waitFor("invoice stamped, printed and e-mailed", 2*time.Minute, func() bool {
			return h.int(`select count(*) from invoices where id = $1 and fiscal_status = 'pdf' and delivery_status = 'sent'`, id) == 1
		})
		return id, h.str(`select series || '-' || number from invoices where id = $1`, id)
	}
	stock := func(item string) string {
		return h.str(`select on_hand::text from stock where warehouse = 'CENTRAL' and item = $1`, item)
	}
	show := func(ref string) model.InvoiceView {
		var v model.InvoiceView
		h.runJSON(&v, "invoice", "show", ref)
		return v
	}

	seed, seedNo := bill("1001")
	_, smallNo := bill("1102")
	_, paidNo := bill("1103")
	_, tinyNo := bill("1104")

	// Refusals: nothing is written.
	h.runJSON(new(model.ReceivableView), "payment", "record", paidNo, "5.00", "--date", "2026-11-25")
	var cn model.InvoiceView
	h.runJSON(&cn, "invoice", "rebate", smallNo, "--line", "1", "--amount", "1", "--date", "2026-11-24", "--wait")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{paidNo, "--reason", "02"}, "payments are applied to its receivable (5.00 on 2026-11-25)"},
		{[]string{smallNo, "--reason", "02"}, "credit notes NC-1 relate to it"},
		{[]string{seedNo, "--reason", "05"}, `motive "05" is not one of SAT's`},
		{[]string{seedNo, "--reason", "01"}, "motive 01 needs the invoice that replaces it"},
		{[]string{seedNo, "--reason", "01", "--replaced-by", paidNo}, "is customer TANGO's, not FORSETI's"},
	} {
		if msg := h.mustFail(append([]string{"invoice", "cancel"}, c.args...)...); !strings.Contains(msg, c.want) {
			t.Errorf("cancel %s: %q, want it to say %q", strings.Join(c.args, " "), msg, c.want)
		}
	}
	if n := h.int(`select count(*) from cancellations`); n != 0 {
		t.Fatalf("refused cancellations wrote %d requests", n)
	}
	if msg := h.mustFail("payment", "record", paidNo, "100"); !strings.Contains(msg, "more than its balance") {
		t.Errorf("overpayment: %s", msg)
	}

	// Above 1,000 pesos: SAT waits for the receiver; nothing is undone until it accepts.
	a, b := stock("A"), stock("B")
	h.mustRun("invoice", "cancel", seedNo, "--reason", "02", "--poll-every", "1s")
	h.waitFor("cancellation pending the receiver", time.Minute, func() bool {
		return h.int(`select count(*) from cancellations where invoice_id = $1 and status = 'pending'`, seed) == 1
	})
	if v := show(seedNo); v.Status != "completed" || stock("A") != a || v.Receivable.Status != "open" {
		t.Fatalf("undone before SAT cancelled: status %s, stock of A %s (was %s), receivable %+v", v.Status, stock("A"), a, v.Receivable)
	}
	if msg := h.mustFail("invoice", "return", seedNo, "--line", "1", "--qty", "1"); !strings.Contains(msg, "its cancellation is pending") {
		t.Errorf("a credit note during a pending cancellation: %s", msg)
	}
	v := show(seedNo)
	h.sandboxAnswer(v.UUID, true)
	h.waitFor("invoice cancelled", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and status = 'cancelled'`, seed) == 1
	})
	v = show(seedNo)
	if v.FiscalStatus != "cancelled" || v.Number == nil || fmt.Sprintf("A-%d", *v.Number) != seedNo || v.Receivable.Status != "cancelled" ||
		v.Cancellation == nil || v.Cancellation.Detail != "Cancelado con aceptación" {
		t.Fatalf("cancelled invoice: %+v", v)
	}
	if stock("A") != addQty(t, a, "100") || stock("B") != addQty(t, b, "200") {
		t.Errorf("stock after the cancellation: A %s (was %s), B %s (was %s)", stock("A"), a, stock("B"), b)
	}
	if got := h.str(`select string_agg(qty_to_invoice::text || '/' || qty_invoiced::text, ' ' order by line_no) || ' ' || min(o.status)
		from sales_order_lines l join sales_orders o on o.id = l.order_id where o.number = 1001`); got != "100.0000/0.0000 200.0000/0.0000 approved" {
		t.Errorf("order 1001 after the cancellation (to invoice/invoiced): %s", got)
	}
	var sum model.Summary
	h.runJSON(&sum, "batch", "status", v.BatchID)
	if sum.Cancelled != 1 || sum.Completed != 0 {
		t.Errorf("the batch's summary after the cancellation: %+v", sum)
	}
	// The same command again (its key) answers the request it made; another request is refused.
	if out := h.mustRun("invoice", "cancel", seedNo, "--reason", "02"); !strings.Contains(out, "asked before") || !strings.Contains(out, "cancelled") {
		t.Errorf("the same cancel again: %s", out)
	}
	if msg := h.mustFail("invoice", "cancel", seedNo, "--reason", "02", "--key", "another"); !strings.Contains(msg, "cancelled already") {
		t.Errorf("cancel twice: %s", msg)
	}
	// Its order is billed again, with the next number; the cancelled number stays.
	again, againNo := bill("1001")
	if again == seed || againNo == seedNo {
		t.Fatalf("billed again as %d %s", again, againNo)
	}

	// Motive 01, replaced by the new invoice; the receiver rejects: the invoice stands.
	copyID, copyNo := bill("1101")
	h.mustRun("invoice", "cancel", copyNo, "--reason", "01", "--replaced-by", againNo, "--poll-every", "1s")
	h.waitFor("cancellation pending the receiver", time.Minute, func() bool {
		return h.int(`select count(*) from cancellations where invoice_id = $1 and status = 'pending'`, copyID) == 1
	})
	h.sandboxAnswer(show(copyNo).UUID, false)
	h.waitFor("cancellation rejected", time.Minute, func() bool {
		return h.int(`select count(*) from cancellations where invoice_id = $1 and status = 'rejected'`, copyID) == 1
	})
	if v := show(copyNo); v.Status != "completed" || v.Cancellation.Replacement != show(againNo).UUID || v.Receivable.Status != "open" {
		t.Errorf("after the rejection: %+v", v)
	}

	// Up to 1,000 pesos: cancelled at once, no acceptance.
	var small model.InvoiceView
	h.runJSON(&small, "invoice", "cancel", tinyNo, "--reason", "03", "--wait")
	if small.Status != "cancelled" || small.Cancellation.Detail != "Cancelado sin aceptación" {
		t.Errorf("small invoice: %s, %+v", small.Status, small.Cancellation)
	}
	h.checkBooks()
}

// SPEC §6: cancelling an invoice of contract installments makes them billable again; the
// next installment run bills them once more.
func TestCancellationReleasesInstallments(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--installments", "--series", "A", "--due-until", "2026-11-30", "--date", "2026-11-23", "--wait")
	if sum.Completed != 1 {
		t.Fatalf("installment run: %+v", sum)
	}
	id := int64(h.int(`select id from invoices where batch_id = $1`, sum.BatchID))
	h.waitFor("invoice stamped", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and fiscal_status = 'pdf'`, id) == 1
	})
	if got := h.str(`select string_agg(i.state, ',' order by i.due_date) from installments i join contract_lines l on l.id = i.contract_line_id
		join contracts c on c.id = l.contract_id where c.number = 'C-2026-01'`); got != "billed,billed,draft" {
		t.Fatalf("installments after the run: %s", got)
	}
	h.mustRun("invoice", "cancel", fmt.Sprint(id), "--reason", "03", "--poll-every", "1s")
	h.waitFor("cancellation answered", time.Minute, func() bool {
		return h.int(`select count(*) from cancellations where invoice_id = $1 and status in ('pending', 'cancelled')`, id) == 1
	})
	if h.int(`select count(*) from cancellations where invoice_id = $1 and status = 'pending'`, id) == 1 {
		h.sandboxAnswer(h.str(`select uuid from fiscal_documents where invoice_id = $1`, id), true)
	}
	h.waitFor("invoice cancelled", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and status = 'cancelled'`, id) == 1
	})
	if got := h.str(`select string_agg(i.state, ',' order by i.due_date) from installments i join contract_lines l on l.id = i.contract_line_id
		join contracts c on c.id = l.contract_id where c.number = 'C-2026-01'`); got != "complete,complete,draft" {
		t.Errorf("installments after the cancellation: %s", got)
	}
	h.runJSON(&sum, "batch", "create", "--installments", "--series", "A", "--due-until", "2026-11-30", "--date", "2026-11-23", "--wait")
	if sum.Completed != 1 || h.str(`select string_agg(i.state, ',' order by i.due_date) from installments i join contract_lines l on l.id = i.contract_line_id
		join contracts c on c.id = l.contract_id where c.number = 'C-2026-01'`) != "billed,billed,draft" {
		t.Errorf("billed again: %+v", sum)
	}
	h.checkBooks()
}
