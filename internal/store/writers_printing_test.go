package store_test

import (
	"testing"

	"billrun/internal/model"
	"billrun/internal/store"
)

// Printing a pass reads its stamped invoices at once, and stores each PDF only where the
// invoice is still stamped: one printed by another pass meanwhile keeps its PDF, and each
// is audited once.
func TestPDFsStoredOnlyWhileStamped(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ids := w.plan("PRN", orders(1001, 1002))
	for _, id := range ids {
		w.complete(id)
	}
	w.stamped(ids[0], uuid1)
	docs, err := w.st.Printables(w.ctx, ids)
	if err != nil || len(docs) != 1 || docs[0].Invoice.ID != ids[0] || len(docs[0].Invoice.Lines) == 0 || docs[0].Doc.UUID != uuid1 {
		t.Fatalf("printables: %+v %v, want the stamped one with its lines and document", docs, err)
	}
	pdfs := []store.PDF{{InvoiceID: ids[0], Bytes: []byte("%PDF-first")}, {InvoiceID: ids[1], Bytes: []byte("%PDF-unstamped")}}
	if n, err := w.st.SavePDFs(w.ctx, model.StepPDF, pdfs); err != nil || n != 1 {
		t.Fatalf("saved %d %v, want the stamped one only", n, err)
	}
	pdfs[0].Bytes = []byte("%PDF-second")
	if n, err := w.st.SavePDFs(w.ctx, model.StepPDF, pdfs[:1]); err != nil || n != 0 {
		t.Fatalf("saved again %d %v, want nothing: printed already", n, err)
	}
	if got := w.row(`select v.fiscal_status || ' ' || convert_from(d.pdf, 'UTF8') || ' ' || (select count(*) from audit_events a where a.invoice_id = v.id and a.step = $2)
		from invoices v join fiscal_documents d on d.invoice_id = v.id where v.id = $1`, ids[0], model.StepPDF); got != "pdf %PDF-first 1" {
		t.Errorf("the printed invoice: %s", got)
	}
	if got := w.row(`select fiscal_status from invoices where id = $1`, ids[1]); got != "unsealed" {
		t.Errorf("the unstamped one: %s", got)
	}
}
