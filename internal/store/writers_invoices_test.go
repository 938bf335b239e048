package store_test

import (
	"testing"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// Pricing writes (SaveLineAmounts, SaveTotals, MarkProcessing): pricing again writes the
// same, a retried attempt starts with its last failure cleared, a numbered invoice is never
// moved back to processing and a line is never priced below what credit notes took back.

func TestPricingAgainWritesTheSame(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.invoice("INV", 1001)
	priced := func() string {
		return w.row(`select v.status || ' ' || v.subtotal::text || ' ' || v.vat::text || ' ' || v.total::text || ' ' ||
			(select string_agg(l.total::text, ' ' order by l.line_no) from invoice_lines l where l.invoice_id = v.id) from invoices v where v.id = $1`, id)
	}
	w.price(id)
	first := priced()
	if first != "processing 3150.0000 504.0000 3654.0000 1334.0000 2320.0000" {
		t.Fatalf("priced: %q", first)
	}
	w.price(id)
	if again := priced(); again != first {
		t.Errorf("priced again: %q, want %q", again, first)
	}
}

func TestRetriedAttemptStartsWithoutItsFailure(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.invoice("INV", 1001)
	w.price(id)
	w.fail(id, model.StepStock, "not enough stock of item A")
	if _, err := w.st.PrepareRetries(w.ctx, "INV", nil, "2026-11-23"); err != nil {
		t.Fatal(err)
	}
	w.price(id)
	if got := w.row(`select status || ' ' || attempt || ' [' || error_step || error_reason || ']' from invoices where id = $1`, id); got != "processing 2 []" {
		t.Errorf("the retried attempt: %q, want processing at attempt 2 with no failure", got)
	}
}

func TestNumberedInvoiceNeverBackToProcessing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("INV", 1001)
	if err := w.tx(func(tx *store.Tx) error { return tx.MarkProcessing(h.ID) }); !refusedBy(err, "invoices_check") {
		t.Errorf("a completed invoice marked processing: %v", err)
	}
	if got := w.row(`select status from invoices where id = $1`, h.ID); got != "completed" {
		t.Errorf("the invoice is %s", got)
	}
}

func TestLineNeverPricedBelowWhatWasCredited(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("INV", 1001)
	w.returned(h.ID, 1, "60") // 800.40 of line 1's 1334.00
	err := w.tx(func(tx *store.Tx) error {
		_, _, lines, err := tx.PricingInputs(h.ID)
		if err != nil {
			return err
		}
		in := lines[0].Input
		in.Quantity = dec("50") // 667.00
		a, err := rules.PriceLine(in, 2, rules.PricingPolicy{})
		if err != nil {
			return err
		}
		return tx.SaveLineAmounts(lines[0].ID, a)
	})
	if !refusedBy(err, "invoice_lines_credited_within") {
		t.Errorf("line 1 priced at 50 units after 60 were returned: %v", err)
	}
}
