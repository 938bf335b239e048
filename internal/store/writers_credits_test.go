package store_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// A credit note request's key gets one number among the invoice's credit notes, two
// requests at once never the same (RegisterCreditRequest); a credit note is recorded once
// per number and never takes a line past what it billed (InsertCreditNote); it applies to
// the receivable what the customer still owes, the rest owed back, once
// (LockLiveReceivable, RecordCreditApplication).

func TestCreditRequestKeyGetsOneNumber(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("CR", 1001)
	other := w.completed("CR-OTHER", 1002)
	for _, c := range []struct {
		name     string
		invoice  int64
		key, req string
		seq      int
		again    bool
		refused  bool
		notFound bool
	}{
		{name: "the first request", invoice: h.ID, key: "rma-1", req: "return line 1 x 10", seq: 1},
		{name: "the same request again", invoice: h.ID, key: "rma-1", req: "return line 1 x 10", seq: 1, again: true},
		{name: "another request", invoice: h.ID, key: "rma-2", req: "rebate line 2 x 1.00", seq: 2},
		{name: "the first key, other content", invoice: h.ID, key: "rma-1", req: "return line 1 x 99", refused: true},
		{name: "the first key, another invoice", invoice: other.ID, key: "rma-1", req: "return line 1 x 10", refused: true},
		{name: "another invoice's first request", invoice: other.ID, key: "rma-3", req: "return line 1 x 1", seq: 1},
		{name: "an unknown invoice", invoice: 999999, key: "rma-4", req: "return line 1 x 1", notFound: true},
	} {
		seq, again, err := w.st.RegisterCreditRequest(w.ctx, c.invoice, c.key, c.req)
		switch {
		case c.refused:
			if !errors.Is(err, store.ErrKeyTaken) {
				t.Errorf("%s: %v, want refused", c.name, err)
			}
		case c.notFound:
			if !errors.Is(err, model.ErrNotFound) {
				t.Errorf("%s: %v, want not found", c.name, err)
			}
		case err != nil || seq != c.seq || again != c.again:
			t.Errorf("%s: seq %d again=%v %v, want seq %d again=%v", c.name, seq, again, err, c.seq, c.again)
		}
	}
	if n := w.count(`select count(*) from credit_requests`); n != 3 {
		t.Errorf("%d credit requests recorded, want 3", n)
	}
}

func TestCreditRequestsAtOnceTakeDistinctNumbers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("CR", 1001)
	var wg sync.WaitGroup
	seqs := make([]int, 4)
	errs := make([]error, 4)
	for i := range seqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seqs[i], _, errs[i] = w.st.RegisterCreditRequest(w.ctx, h.ID, fmt.Sprintf("rma-%d", i), "return line 1 x 1")
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	slices.Sort(seqs)
	if !slices.Equal(seqs, []int{1, 2, 3, 4}) {
		t.Errorf("four requests at once got numbers %v, want 1 to 4", seqs)
	}
}

func TestCreditNoteNeverTakesALinePastItsBill(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("CR", 1001) // line 1: 100 of A, 1334.00
	note, _, _ := w.returned(h.ID, 1, "60")

	// What rules would refuse, forced through: 50 more of the 40 left.
	err := w.tx(func(tx *store.Tx) error {
		inv, err := tx.LockCredited(h.ID)
		if err != nil {
			return err
		}
		l := inv.Lines[0]
		a, err := rules.PriceLine(rules.LineInput{Item: l.Item, Quantity: dec("50"), UnitPrice: l.UnitPrice, Tax: l.Tax}, inv.Decimals, inv.Policy)
		if err != nil {
			return err
		}
		_, _, err = tx.InsertCreditNote(inv, store.NewCreditNote{Kind: rules.CreditReturn, Seq: 2, Date: day(25),
			Totals: rules.SumLines([]rules.LineAmounts{a}), Lines: []store.NewCreditLine{{Of: l, Quantity: dec("50"), UnitPrice: l.UnitPrice, Amounts: a}}})
		return err
	})
	if !refusedBy(err, "invoice_lines_credited_within") {
		t.Errorf("a return past the quantity billed: %v", err)
	}
	// A second note under the first one's number is refused: the number is the request's key.
	err = w.tx(func(tx *store.Tx) error {
		inv, err := tx.LockCredited(h.ID)
		if err != nil {
			return err
		}
		_, _, err = tx.InsertCreditNote(inv, store.NewCreditNote{Kind: rules.CreditReturn, Seq: 1, Date: day(25)})
		return err
	})
	if !refusedBy(err, "invoices_credit_once") {
		t.Errorf("a second credit note numbered 1: %v", err)
	}
	// Its credit is applied to the receivable once.
	err = w.tx(func(tx *store.Tx) error {
		rec, _, err := tx.LockLiveReceivable(h.ID)
		if err != nil {
			return err
		}
		return tx.RecordCreditApplication(note, rec, dec("800.40"), dec("0"))
	})
	if !refusedBy(err, "credit_applications_pkey") {
		t.Errorf("the credit note applied again: %v", err)
	}
	got := w.row(`select credited_quantity::text || ' ' || credited_total::text from invoice_lines where invoice_id = $1 and line_no = 1`, h.ID)
	if got != "60.0000 800.4000" {
		t.Errorf("line 1 credited %q, want 60 units, 800.40", got)
	}
	if got := w.row(`select balance::text from receivables where invoice_id = $1`, h.ID); got != "2853.6000" {
		t.Errorf("balance %s, want 3654 - 800.40", got)
	}
	if got := w.row(`select status || ' ' || series || '-' || number from invoices where id = $1`, note); got != "completed NC-1" {
		t.Errorf("the credit note is %q, want completed NC-1", got)
	}
}

// A credit applies to what the customer still owes and the rest is owed back to them.
func TestCreditAppliedToWhatIsOwed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("CR", 1001) // 3654.00; 10 units of line 1 credit 133.40
	for i, c := range []struct {
		paidFirst       string
		applied, refund string
		balance, status string
	}{
		{"", "133.40", "0", "3520.6000", "open"},
		{"3500", "20.60", "112.80", "0.0000", "paid"},
		{"", "0", "133.40", "0.0000", "paid"},
	} {
		if c.paidFirst != "" {
			if _, _, err := w.pay(h.ID, c.paidFirst, "pay-"+c.paidFirst); err != nil {
				t.Fatal(err)
			}
		}
		_, applied, refund := w.returned(h.ID, i+1, "10")
		if !applied.Equal(dec(c.applied)) || !refund.Equal(dec(c.refund)) {
			t.Errorf("credit note %d: applied %s, refund due %s; want %s, %s", i+1, applied, refund, c.applied, c.refund)
		}
		if got := w.row(`select balance::text || ' ' || status from receivables where invoice_id = $1`, h.ID); got != c.balance+" "+c.status {
			t.Errorf("after credit note %d: receivable %q, want %s %s", i+1, got, c.balance, c.status)
		}
	}
}
