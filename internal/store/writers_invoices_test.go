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

// Issue 27: a line keeps the factors it was priced by (exempt VAT, an excise by quota) —
// and the database refuses a line that would charge VAT while exempt or an excise by
// quota and by rate at once, an item exempt with a VAT rate, and an export customer that
// is not foreign; each constraint named.
func TestTaxFactorsAreStoredAndHeldByTheDatabase(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.invoice("INV", 1001)
	lineID := w.id(`select id from invoice_lines where invoice_id = $1 order by line_no limit 1`, id)
	priced, err := rules.PriceLine(rules.LineInput{Item: "A", Quantity: dec("100"), UnitPrice: dec("11.50"),
		Tax: rules.TaxProfile{VATExempt: true, ExciseQuota: dec("1.6451")}}, 2, rules.PricingPolicy{VATOnExcise: true})
	if err != nil {
		t.Fatal(err)
	}
	w.mustTx(func(tx *store.Tx) error { return tx.SaveLineAmounts(lineID, priced) })
	if got := w.row(`select vat_factor || ' ' || excise_factor || ' ' || excise_quota::text || ' ' || excise::text || ' ' || vat::text from invoice_lines where id = $1`, lineID); got != "Exento Cuota 1.645100 164.5100 0.0000" {
		t.Errorf("stored: %q", got)
	}
	for _, c := range []struct {
		name string
		fn   func(*store.Tx) error
		want string
	}{
		{"exempt with VAT", func(tx *store.Tx) error {
			a := priced
			a.VAT, a.VATRate = dec("1"), dec("16")
			return tx.SaveLineAmounts(lineID, a)
		}, "invoice_lines_exempt_charges_no_vat"},
		{"quota and rate", func(tx *store.Tx) error {
			a := priced
			a.ExciseRate = dec("8")
			return tx.SaveLineAmounts(lineID, a)
		}, "invoice_lines_excise_quota"},
	} {
		if err := w.tx(c.fn); !refusedBy(err, c.want) {
			t.Errorf("%s: %v, want refused by %s", c.name, err, c.want)
		}
	}
	for sql, want := range map[string]string{
		`update items set vat_exempt = true, vat_rate = 16 where code = 'A'`:                            "items_exempt_has_no_vat_rate",
		`update items set excise_quota = 1, excise_rate = 8 where code = 'A'`:                           "items_excise_by_rate_or_quota",
		`update customers set fiscal_residence = 'USA' where code = 'FORSETI'`:                          "customers_residence_is_foreign",
		`update customers set export = true where code = 'FORSETI'`:                                     "customers_export_is_foreign",
		`update customers set tax_id_kind = 'foreign', fiscal_residence = 'MEX' where code = 'FORSETI'`: "customers_fiscal_residence_check",
	} {
		_, err := w.db.Exec(w.ctx, sql)
		if !refusedBy(err, want) {
			t.Errorf("%s: %v, want refused by %s", sql, err, want)
		}
	}
}
