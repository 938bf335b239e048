package store_test

import (
	"testing"

	"billrun/internal/model"
	"billrun/internal/store"
)

// An invoice's fiscal document is stored once (SaveSealed), stamped once (SaveStamped: a
// second answer changes nothing, a folio fiscal is one document's), dropped only while its
// stamping failed and nothing may hold its UUID (DiscardUnstamped), printed (SavePDF), and
// a fiscal step's failure is kept once per publish attempt (RecordFiscalError).

const uuid1, uuid2 = "6F1B0C2E-3D4A-4B5C-8D6E-7F8091A2B3C4", "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"

func TestSealedAndStampedOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("FIS", 1001)
	other := w.completed("FIS-OTHER", 1002)
	seal := func(id int64, xml string) {
		w.mustTx(func(tx *store.Tx) error {
			d := document(id, "")
			d.XML = xml
			return tx.SaveSealed(id, d)
		})
	}
	stamp := func(id int64, uuid string) (bool, error) {
		var ok bool
		err := w.tx(func(tx *store.Tx) (err error) {
			ok, err = tx.SaveStamped(id, document(id, uuid))
			return err
		})
		return ok, err
	}
	if ok, err := stamp(h.ID, uuid1); ok || err != nil {
		t.Errorf("stamping a document never sealed: %v %v", ok, err)
	}
	seal(h.ID, "<first/>")
	seal(h.ID, "<second/>") // a run again after its answer was lost
	if got := w.row(`select v.fiscal_status || ' ' || d.xml from invoices v join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, h.ID); got != "sealed <first/>" {
		t.Errorf("sealed twice: %q, want the first document", got)
	}
	if ok, err := stamp(h.ID, uuid1); !ok || err != nil {
		t.Fatalf("stamp: %v %v", ok, err)
	}
	if ok, err := stamp(h.ID, uuid2); ok || err != nil {
		t.Errorf("a second stamp answer: %v %v", ok, err)
	}
	got := w.row(`select v.fiscal_status || ' ' || d.status || ' ' || d.uuid from invoices v join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, h.ID)
	if want := "stamped stamped " + uuid1; got != want {
		t.Errorf("stamped twice: %q, want %q", got, want)
	}
	// A folio fiscal is one document's, written as SAT writes it.
	seal(other.ID, "<other/>")
	for uuid, constraint := range map[string]string{uuid1: "fiscal_documents_uuid_key", "6f1b0c2e-not-a-uuid": "fiscal_documents_uuid_check"} {
		if _, err := stamp(other.ID, uuid); !refusedBy(err, constraint) {
			t.Errorf("stamping the other invoice with %s: %v, want refused by %s", uuid, err, constraint)
		}
	}
	if got := w.row(`select fiscal_status from invoices where id = $1`, other.ID); got != "sealed" {
		t.Errorf("the other invoice after its refused stamps: %s", got)
	}
}

// A sealed document whose stamping was refused is dropped for a reseal; one a restamp is
// at, or one stamped, never is: SAT may hold its UUID.
func TestDiscardOnlyAStampingRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("FIS", 1001)
	fiscalError := func(step string) {
		if err := w.st.RecordFiscalError(w.ctx, h.ID, step, "refused"); err != nil {
			t.Fatal(err)
		}
	}
	state := func() string {
		return w.row(`select v.fiscal_status || ' ' || coalesce(d.uuid, d.no_certificado, 'none') from invoices v left join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, h.ID)
	}
	w.mustTx(func(tx *store.Tx) error { return tx.SaveSealed(h.ID, document(h.ID, "")) })
	for _, c := range []struct {
		step    string
		before  func()
		refused bool
		want    string
	}{
		{"sealed, its stamping under way", func() {}, true, "sealed 00001000000500000001"},
		{"its stamping refused", func() { fiscalError(model.StepStamp) }, false, "unsealed none"},
		{"dropped already", func() {}, false, "unsealed none"},
		{"resealed", func() { w.mustTx(func(tx *store.Tx) error { return tx.SaveSealed(h.ID, document(h.ID, "")) }) }, true, "sealed 00001000000500000001"},
		{"stamped, then its printing failed", func() {
			w.mustTx(func(tx *store.Tx) error { _, err := tx.SaveStamped(h.ID, document(h.ID, uuid1)); return err })
			fiscalError(model.StepPDF)
		}, true, "stamped " + uuid1},
	} {
		c.before()
		err := w.st.DiscardUnstamped(w.ctx, h.ID)
		if c.refused != isInput(err) || !c.refused && err != nil {
			t.Errorf("%s: discard %v, want refused %v", c.step, err, c.refused)
		}
		if got := state(); got != c.want {
			t.Errorf("%s: %q, want %q", c.step, got, c.want)
		}
	}
}

func TestPrintedAndFailedOncePerAttempt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.completed("FIS", 1001)
	w.stamped(h.ID, uuid1)
	for range 2 {
		if err := w.st.RecordFiscalError(w.ctx, h.ID, model.StepPDF, "no font"); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.row(`select status || ' ' || fiscal_error from invoices where id = $1`, h.ID); got != "completed "+model.StepPDF+": no font" {
		t.Errorf("invoice after its printing failed: %q", got)
	}
	// A reprint is another publish attempt: its failure is a line of its own.
	if _, err := w.st.PrepareRetries(w.ctx, "FIS", nil, "2026-11-23"); err != nil {
		t.Fatal(err)
	}
	if err := w.st.RecordFiscalError(w.ctx, h.ID, model.StepPDF, "no font"); err != nil {
		t.Fatal(err)
	}
	if got := w.row(`select string_agg(attempt::text, ' ' order by id) from audit_events where invoice_id = $1 and step = $2 and outcome = 'failed'`,
		h.ID, model.StepPDF); got != "1 2" {
		t.Errorf("printing failures in the audit trail at publish attempts %q, want 1 2", got)
	}
	for range 2 {
		w.mustTx(func(tx *store.Tx) error { return tx.SavePDF(h.ID, []byte("%PDF-1.7 printed")) })
	}
	if got := w.row(`select v.fiscal_status || ' ' || convert_from(d.pdf, 'UTF8') from invoices v join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, h.ID); got != "pdf %PDF-1.7 printed" {
		t.Errorf("printed: %q", got)
	}
	if err := w.st.RecordFiscalError(w.ctx, 999999, model.StepPDF, "no such invoice"); err == nil {
		t.Error("a failure recorded on an invoice that does not exist")
	}
}
