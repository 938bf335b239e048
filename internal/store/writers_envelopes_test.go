package store_test

import (
	"strconv"
	"testing"

	"billrun/internal/model"
	"billrun/internal/store"
)

// An envelope is recorded with its documents once (RecordEnvelope: a document already in
// one refuses the whole envelope), DGI's ACKSobre and ACKCFE are kept once each
// (AnswerEnvelope, SaveEnvelopeAnswer), a refused document leaves its envelope once
// (LeaveEnvelope); what must never be is refused by the database.
func TestEnvelopeWritesOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.completed("ENV1", 1001), w.completed("ENV2", 1002)
	w.mustTx(func(tx *store.Tx) error {
		if err := tx.SaveSealed(a.ID, document(a.ID, "")); err != nil {
			return err
		}
		return tx.SaveSealed(b.ID, document(b.ID, ""))
	})
	var id int64
	w.mustTx(func(tx *store.Tx) (err error) {
		if id, err = tx.NextEnvelopeID(); err != nil {
			return err
		}
		return tx.RecordEnvelope(id, "UYE", 101, "<EnvioCFE/>", []int64{a.ID, b.ID})
	})
	if err := w.tx(func(tx *store.Tx) error { return tx.RecordEnvelope(id+1, "UYE", 101, "<EnvioCFE/>", []int64{b.ID}) }); err == nil {
		t.Fatal("a document went in a second envelope")
	}
	if n := w.count(`select count(*) from cfe_envelopes`); n != 1 {
		t.Fatalf("%d envelopes recorded, want the first only", n)
	}
	if got := w.row(`select string_agg(envelope_ordinal::text, ',' order by invoice_id) from fiscal_documents where envelope_id = $1`, id); got != "1,2" {
		t.Errorf("places %s", got)
	}
	var e store.CFEEnvelope
	w.mustTx(func(tx *store.Tx) (err error) { e, err = tx.LockEnvelope(id); return err })
	if e.State != "sending" || e.Count != 2 || len(e.Members) != 2 || e.Members[1].InvoiceID != b.ID || e.Members[1].Ordinal != 2 {
		t.Fatalf("the envelope read back: %+v", e)
	}
	once := func(fn func(tx *store.Tx) (bool, error)) bool {
		var ok bool
		w.mustTx(func(tx *store.Tx) (err error) { ok, err = fn(tx); return err })
		return ok
	}
	if !once(func(tx *store.Tx) (bool, error) { return tx.AnswerEnvelope(id, "received", "<ACKSobre/>") }) ||
		once(func(tx *store.Tx) (bool, error) { return tx.AnswerEnvelope(id, "rejected", "<ACKSobre/>") }) {
		t.Error("DGI's ACKSobre is kept once")
	}
	if !once(func(tx *store.Tx) (bool, error) { return tx.SaveEnvelopeAnswer(id, "<ACKCFE/>") }) ||
		once(func(tx *store.Tx) (bool, error) { return tx.SaveEnvelopeAnswer(id, "<ACKCFE/>") }) {
		t.Error("DGI's ACKCFE is kept once")
	}
	if !once(func(tx *store.Tx) (bool, error) {
		return tx.LeaveEnvelope(b.ID, model.StepStamp, "DGI rejected the CFE (BE): E04", "<ACKCFE/>")
	}) ||
		once(func(tx *store.Tx) (bool, error) { return tx.LeaveEnvelope(b.ID, model.StepStamp, "again", "<ACKCFE/>") }) {
		t.Error("a refused document leaves its envelope once")
	}
	if got := w.row(`select v.fiscal_error || ' | ' || coalesce(d.envelope_id::text, 'none') || ' | ' || d.authority_ack from invoices v join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, b.ID); got != "stamping: DGI rejected the CFE (BE): E04 | none | <ACKCFE/>" {
		t.Errorf("the refused document: %s", got)
	}
	for what, sql := range map[string]string{
		"cfe_envelopes_check":           `update cfe_envelopes set answer = null`,
		"cfe_envelopes_cfe_count_check": `insert into cfe_envelopes (id, issuer, cfe_type, cfe_count, xml) values (999, 'UYE', 101, 251, '')`,
		"fiscal_documents_check":        `update fiscal_documents set envelope_ordinal = null where envelope_id is not null`,
		"fiscal_documents_envelope_place": `update fiscal_documents set envelope_id = (select envelope_id from fiscal_documents where envelope_id is not null limit 1), envelope_ordinal = 1
			where invoice_id = ` + strconv.FormatInt(b.ID, 10),
	} {
		if _, err := w.db.Exec(w.ctx, sql); !refusedBy(err, what) {
			t.Errorf("%s: %v", what, err)
		}
	}
}
