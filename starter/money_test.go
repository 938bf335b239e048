package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"billrun/activities"
	"billrun/internal/batching"
	"billrun/internal/model"
	"billrun/internal/store"

	"github.com/shopspring/decimal"
)

// Money after the bill run (issue 23), each case as an accountant meets it.

// billed bills one demo order alone and waits until its invoice is published; it answers
// the invoice's id and number.
func (h *harness) billed(order string, flags ...string) (int64, string) {
	h.t.Helper()
	var sum model.Summary
	h.runJSON(&sum, append([]string{"batch", "create", "--orders", order + "-" + order, "--series", "A", "--date", "2026-11-23", "--wait"}, flags...)...)
	if sum.Completed != 1 {
		h.t.Fatalf("order %s: %+v", order, sum)
	}
	id := int64(h.int(`select id from invoices where batch_id = $1`, sum.BatchID))
	h.waitFor("invoice published", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and fiscal_status = 'pdf' and delivery_status <> 'pending'`, id) == 1
	})
	return id, h.str(`select series || '-' || number from invoices where id = $1`, id)
}

// 23.1: a --settle-credits batch of ten invoices of one customer, posting their
// receivables at once, settles one open credit of 1,160.00 at most once.
func TestNettingSettlesACreditOnceUnderConcurrency(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	var orders []string
	for n := 1101; n <= 1130; n++ {
		orders = append(orders, fmt.Sprintf(`{"number": %d, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN",
			"date": "2026-11-02", "lines": [{"item": "B", "ordered": 20, "price": 10.00}]}`, n))
	}
	h.importJSON(`{"orders": [` + strings.Join(orders, ",") + `]}`)
	seed, seedNo := h.billed("1001")
	h.mustRun("payment", "record", seedNo, "3654.00", "--date", "2026-11-24")
	var cn model.InvoiceView
	h.runJSON(&cn, "invoice", "return", seedNo, "--line", "2", "--qty", "100", "--date", "2026-11-24", "--wait")
	if got := h.str(`select refund_due::text from credit_applications where credit_note_id = $1`, cn.ID); got != "1160.0000" {
		t.Fatalf("refund due %s, want 1160.00", got)
	}
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1101-1130", "--series", "A", "--date", "2026-11-23", "--grouping", "none",
		"--settle-credits", "--window", "30", "--wait")
	if sum.Completed != 30 {
		t.Fatalf("netting batch: %+v", sum)
	}
	settled := h.str(`select coalesce(sum(amount), 0)::text from credit_settlements where credit_note_id = $1`, cn.ID)
	kept := h.str(`select settled::text from credit_applications where credit_note_id = $1`, cn.ID)
	owed := h.str(`select sum(amount - balance)::text from receivables where invoice_id in (select id from invoices where batch_id = $1) and status in ('open', 'paid')`, sum.BatchID)
	if settled != "1160.0000" || kept != "1160.0000" || owed != "1160.0000" {
		t.Fatalf("credit of 1160.00 settled %s (kept %s), receivables lowered by %s", settled, kept, owed)
	}
	_ = seed
	h.checkBooks()
}

// 23.2: a payment while the invoice's cancellation awaits the receiver is refused; one that
// got in anyway (written past the command) makes the cancellation end refused — SAT
// cancelled the CFDI, billrun keeps the books — the receivable and its payment kept.
func TestPaymentsAndAPendingCancellation(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"orders": [{"number": 1101, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN",
		"date": "2026-11-02", "lines": [{"item": "A", "ordered": 100, "price": 11.50}, {"item": "B", "ordered": 200, "price": 10.00}]}]}`)
	for _, c := range []struct {
		order     string
		slipsPast bool
	}{{"1001", false}, {"1101", true}} {
		id, no := h.billed(c.order)
		h.mustRun("invoice", "cancel", no, "--reason", "02", "--poll-every", "1s")
		h.waitFor("cancellation pending the receiver", time.Minute, func() bool {
			return h.int(`select count(*) from cancellations where invoice_id = $1 and status = 'pending'`, id) == 1
		})
		if msg := h.mustFail("payment", "record", no, "100.00"); !strings.Contains(msg, "its cancellation is pending") {
			t.Errorf("a payment during a pending cancellation: %s", msg)
		}
		if c.slipsPast {
			h.mustExec(`insert into receivable_payments (receivable_id, amount, paid_on) select id, 100, '2026-11-25' from receivables where invoice_id = $1`, id)
			h.mustExec(`update receivables set balance = balance - 100 where invoice_id = $1 and status = 'open'`, id)
		}
		v := model.InvoiceView{}
		h.runJSON(&v, "invoice", "show", no)
		h.sandboxAnswer(v.UUID, true)
		h.waitFor("the cancellation ended", time.Minute, func() bool {
			return h.int(`select count(*) from cancellations c join invoices v on v.id = c.invoice_id
				where c.invoice_id = $1 and (c.status = 'refused' or v.status = 'cancelled')`, id) == 1
		})
		got := h.str(`select v.status || ' ' || c.status || ' ' || r.status || ' ' || (select count(*) from receivable_payments p where p.receivable_id = r.id)
			from invoices v join cancellations c on c.invoice_id = v.id join receivables r on r.invoice_id = v.id where v.id = $1 order by r.id desc limit 1`, id)
		want := "cancelled cancelled cancelled 0"
		if c.slipsPast {
			want = "completed refused open 1"
		}
		if got != want {
			t.Errorf("order %s (a payment slipped past: %v): invoice, cancellation, receivable, payments = %s, want %s", c.order, c.slipsPast, got, want)
		}
	}
	h.checkBooks()
}

// 23.3: money commands retried — after a lost answer, or ten at once — do their work once:
// the same payment key records one payment; a return asked again with its key answers
// its credit note; twenty returns of 150 of a 200-unit line (each its own key) make one
// credit note, the rest refused.
func TestRetriedMoneyCommandsActOnce(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	_, no := h.billed("1001")
	pay := func(args ...string) (string, error) {
		return h.run(append([]string{"payment", "record", no}, args...)...)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = pay("100.00", "--key", "transfer-77") }()
	}
	wg.Wait()
	if out, err := pay("100.00", "--key", "transfer-77"); err != nil || !strings.Contains(out, "recorded already") {
		t.Errorf("the same key again: %v %s", err, out)
	}
	if msg := h.mustFail("payment", "record", no, "90.00", "--key", "transfer-77"); !strings.Contains(msg, "given to another payment") {
		t.Errorf("the same key for another payment: %s", msg)
	}
	for range 2 { // no key: the default one is the same for the same command today
		if _, err := pay("50.00", "--date", "2026-11-25"); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.str(`select string_agg(amount::text, ' ' order by id) from receivable_payments`); got != "100.0000 50.0000" {
		t.Fatalf("payments recorded: %s, want one of 100.00 and one of 50.00", got)
	}

	// Returns: line 2 of seed 004's invoice bills 200 kg.
	ret := func(key string) (string, error) {
		args := []string{"invoice", "return", no, "--line", "2", "--qty", "150", "--date", "2026-11-24", "--wait"}
		if key != "" {
			args = append(args, "--key", key)
		}
		return h.run(args...)
	}
	outs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); _, outs[i] = ret(fmt.Sprintf("return-%d", i)) }()
	}
	wg.Wait()
	if n := h.int(`select count(*) from invoices where credit_of is not null and status = 'completed'`); n != 1 {
		t.Fatalf("%d credit notes from 20 returns of 150 of 200, want 1", n)
	}
	if got := h.str(`select credited_quantity::text from invoice_lines l join invoices v on v.id = l.invoice_id where v.series || '-' || v.number = $1 and l.line_no = 2`, no); got != "150.0000" {
		t.Errorf("line 2 credited %s, want 150", got)
	}
	// The successful one asked again answers the same credit note.
	for i, err := range outs {
		if err == nil {
			if _, err := ret(fmt.Sprintf("return-%d", i)); err != nil {
				t.Errorf("return-%d again: %v", i, err)
			}
		}
	}
	if n := h.int(`select count(*) from invoices where credit_of is not null`); n != 1 {
		t.Fatalf("%d credit notes after asking again, want 1", n)
	}
	// The database itself refuses a credit past the line, whatever the code does.
	if _, err := h.db.Exec(context.Background(), `update invoice_lines set credited_quantity = quantity + 1 where line_no = 2 and credited_quantity > 0`); err == nil ||
		!strings.Contains(err.Error(), "invoice_lines_credited_within") {
		t.Errorf("crediting past the line: %v", err)
	}
	h.checkBooks()
}

// 23.6: a reseal that comes after a restamp cleared the stamping error (the PAC may be
// stamping that very document) drops nothing.
func TestResealNeverDropsADocumentBeingStamped(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	id, _ := h.billed("1001")
	// As if the PAC had refused it, then a restamp was taken (its error cleared).
	h.mustExec(`update invoices set fiscal_status = 'sealed', fiscal_error = '' where id = $1`, id)
	h.mustExec(`update fiscal_documents set uuid = null where invoice_id = $1`, id)
	err := h.st.DiscardUnstamped(context.Background(), id)
	if err == nil || !strings.Contains(err.Error(), "no longer one whose stamping failed") {
		t.Fatalf("discard after a restamp: %v", err)
	}
	if n := h.int(`select count(*) from fiscal_documents where invoice_id = $1`, id); n != 1 {
		t.Fatal("the document was dropped")
	}
	// With its refusal still recorded it is dropped, to be sealed anew.
	h.mustExec(`update invoices set fiscal_error = 'stamping: refused' where id = $1`, id)
	if err := h.st.DiscardUnstamped(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if got := h.str(`select fiscal_status from invoices where id = $1`, id); got != "unsealed" {
		t.Fatalf("after the discard: %s", got)
	}
}

// mustExec runs SQL the test needs written past billrun's commands.
func (h *harness) mustExec(sql string, args ...any) {
	h.t.Helper()
	if _, err := h.db.Exec(context.Background(), sql, args...); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
}

// 23.1, at the database: two transactions settling the same credit, the second reaching
// for it while the first holds it, read what the first settled once it commits.
func TestSecondSettlementReadsTheFirst(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"orders": [
		{"number": 1101, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-02",
		 "lines": [{"item": "B", "ordered": 200, "price": 10.00}]},
		{"number": 1102, "customer": "FORSETI", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-02",
		 "lines": [{"item": "B", "ordered": 200, "price": 10.00}]}]}`)
	_, seedNo := h.billed("1001")
	h.mustRun("payment", "record", seedNo, "3654.00", "--date", "2026-11-24")
	var cn model.InvoiceView
	h.runJSON(&cn, "invoice", "return", seedNo, "--line", "2", "--qty", "100", "--date", "2026-11-24", "--wait")
	first, _ := h.billed("1101")
	second, _ := h.billed("1102")
	ctx := context.Background()
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- h.st.InTx(ctx, func(tx *store.Tx) error {
			open, err := tx.OpenCredits("FORSETI", "MXN")
			if err != nil || len(open) != 1 {
				return fmt.Errorf("first: %v %v", open, err)
			}
			if err := tx.Settle(open[0].CreditNoteID, first, open[0].Open); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	var seen []store.OpenCredit
	secondDone := make(chan error, 1)
	go func() {
		secondDone <- h.st.InTx(ctx, func(tx *store.Tx) error {
			var err error
			seen, err = tx.OpenCredits("FORSETI", "MXN") // waits for the first's lock
			for _, c := range seen {
				if err == nil {
					err = tx.Settle(c.CreditNoteID, second, c.Open)
				}
			}
			return err
		})
	}()
	time.Sleep(300 * time.Millisecond) // the second is waiting on the lock now
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-secondDone; err != nil {
		t.Fatalf("second: %v", err)
	}
	if len(seen) != 0 {
		t.Fatalf("the second transaction saw %+v open after the first settled all of it", seen)
	}
	if got := h.str(`select sum(amount)::text from credit_settlements where credit_note_id = $1`, cn.ID); got != "1160.0000" {
		t.Fatalf("settled %s of a 1160.00 credit", got)
	}
}

// Numbering under contention: twenty invoices of one series completed at once take the
// numbers 1 to 20, each once.
func TestTwentyConcurrentCompletionsNumberGaplessly(t *testing.T) {
	h := newHarness(t, false)
	h.importJSON(ordersDataset(20, 100))
	id := h.batchID("NUMBERS")
	acts, err := h.cfg.Activities(h.st, h.inst)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := batching.Create(ctx, h.st, id, model.BatchParams{SourceKind: "orders", OrdersFrom: 1, OrdersTo: 20, Series: "A",
		InvoiceDate: "2026-11-23", Rate: decimal.NewFromInt(1), Grouping: "none"}); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id}); err != nil {
		t.Fatal(err)
	}
	open, err := acts.Planning.ListOpenInvoices(ctx, activities.OpenPage{BatchID: id, AfterGroup: 0, Limit: 100})
	refs := open.Invoices
	if err != nil || len(refs) != 20 {
		t.Fatalf("%d drafts: %v", len(refs), err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(refs))
	start := make(chan struct{})
	for _, r := range refs {
		p, err := acts.Invoicing.PriceInvoice(ctx, activities.InvoiceStep{InvoiceID: r.ID})
		if err == nil {
			err = acts.Invoicing.DischargeStock(ctx, activities.InvoiceStep{InvoiceID: r.ID, Attempt: p.Attempt})
		}
		if err == nil {
			err = acts.Invoicing.PostReceivable(ctx, activities.InvoiceStep{InvoiceID: r.ID, Attempt: p.Attempt})
		}
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := acts.Invoicing.CompleteInvoice(ctx, activities.InvoiceStep{InvoiceID: r.ID, Attempt: p.Attempt})
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := h.str(`select count(distinct number) || ' ' || min(number) || '-' || max(number) from invoices where batch_id = $1`, id); got != "20 1-20" {
		t.Fatalf("numbers: %s, want 20 distinct, 1-20", got)
	}
	h.checkBooks()
}

// 23.4: cancelling one entity's invoice of a 60/40 plan event makes that share alone
// billable again: the next plan run bills the 40 % share once, never the 60 % again.
func TestCancelledQuotaShareIsBilledAgainAlone(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--plans", "--period", "2026-01-01..2026-01-31", "--grouping", "none", "--date", "2026-11-23", "--wait")
	if sum.Completed != 2 {
		t.Fatalf("January's 60/40 event: %+v", sum)
	}
	shares := func(batch string) string {
		return h.str(`select string_agg(customer || ' ' || subtotal::numeric(18,2)::text, ', ' order by customer) from invoices where batch_id = $1`, batch)
	}
	if got := shares(sum.BatchID); got != "FORSETI 510.00, SOCIO 340.00" {
		t.Fatalf("January's shares: %s", got)
	}
	socio := h.int(`select id from invoices where batch_id = $1 and customer = 'SOCIO'`, sum.BatchID)
	h.waitFor("SOCIO's invoice published", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and fiscal_status = 'pdf'`, socio) == 1
	})
	h.mustRun("invoice", "cancel", fmt.Sprint(socio), "--reason", "02", "--wait", "--timeout", "1m")
	if got := h.str(`select status from invoices where id = $1`, socio); got != "cancelled" {
		t.Fatalf("SOCIO's invoice: %s", got)
	}
	if got := h.str(`select e.state || ' ' || coalesce(string_agg(sh.customer || ':' || sh.state, ','), '') from billing_events e
		join billing_plans p on p.id = e.plan_id left join billing_event_shares sh on sh.event_id = e.id
		where p.code = 'PLAN-MANT' and e.event_date = '2026-01-31' group by e.state`); got != "executed SOCIO:released" {
		t.Fatalf("January's event after cancelling SOCIO's share: %s", got)
	}
	var again model.Summary
	h.runJSON(&again, "batch", "create", "--plans", "--period", "2026-01-01..2026-01-31", "--grouping", "none", "--date", "2026-11-23", "--wait")
	if got := shares(again.BatchID); got != "SOCIO 340.00" {
		t.Fatalf("the next run billed %s, want SOCIO's 340.00 alone", got)
	}
	if n := h.int(`select count(*) from billing_event_shares`); n != 0 {
		t.Errorf("%d share rows left once billed again", n)
	}
	var third model.Summary
	h.runJSON(&third, "batch", "create", "--plans", "--period", "2026-01-01..2026-01-31", "--grouping", "none", "--date", "2026-11-23", "--wait")
	if third.Invoices != 0 {
		t.Fatalf("a third run billed %d invoices", third.Invoices)
	}
	h.checkBooks()
}
