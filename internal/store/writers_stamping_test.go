package store_test

import (
	"testing"

	"billrun/internal/model"
	"billrun/internal/store"
)

// A stamping pass reads its sealed documents at once (not those with a fiscal error or being
// cancelled), and stores each stamp only where the invoice is still sealed: the first stamp
// stored stands, audited once.
func TestStampsStoredOnlyWhileSealed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ids := w.plan("STP", orders(1001, 1003))
	for _, id := range ids {
		w.complete(id)
	}
	for _, id := range ids[:2] { // the third stays unsealed
		w.mustTx(func(tx *store.Tx) error { return tx.SaveSealed(id, document(id, "")) })
	}
	w.exec(`update invoices set fiscal_error = 'stamping: refused' where id = $1`, ids[1])
	docs, err := w.st.Stampables(w.ctx, ids)
	if err != nil || len(docs) != 1 || docs[0].InvoiceID != ids[0] || docs[0].Doc.XML == "" {
		t.Fatalf("stampables: %+v %v, want the one sealed without a fiscal error", docs, err)
	}
	stamps := []store.Stamp{{InvoiceID: ids[0], Doc: document(ids[0], uuid1), Note: "first"}, {InvoiceID: ids[2], Doc: document(ids[2], uuid2), Note: "unsealed"}}
	if n, err := w.st.SaveStamps(w.ctx, model.StepStamp, stamps); err != nil || n != 1 {
		t.Fatalf("saved %d %v, want the sealed one only", n, err)
	}
	stamps[0].Note = "second"
	if n, err := w.st.SaveStamps(w.ctx, model.StepStamp, stamps[:1]); err != nil || n != 0 {
		t.Fatalf("saved again %d %v, want nothing: stamped already", n, err)
	}
	if got := w.row(`select v.fiscal_status || ' ' || d.uuid || ' ' || (select string_agg(detail, ',') from audit_events a where a.invoice_id = v.id and a.step = $2)
		from invoices v join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, ids[0], model.StepStamp); got != "stamped "+uuid1+" first" {
		t.Errorf("the stamped invoice: %s", got)
	}
	if got := w.row(`select fiscal_status from invoices where id = $1`, ids[2]); got != "unsealed" {
		t.Errorf("the unsealed one: %s", got)
	}
}
