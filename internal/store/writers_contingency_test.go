package store_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"billrun/internal/importfmt"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// A contingency document is written once (InsertContingency): its invoice, lines,
// identity and receivable; its number again is refused by the database, the transaction
// leaving nothing. The database refuses what must never be: a contingency series without
// its type, a note without its reference (and a document that is not a note with one); a
// receiver's answer is recorded once (RecordReceiverAck).
func TestContingencyWritesOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.exec(`insert into series (code, issuer, document_kind, cfe_type) values ('CT', 'UYE', 'contingency', 201)`)
	cae := w.id(`insert into caes (series, cae, cfe_series, first_number, last_number, next_number, expires)
		values ('CT', '90120000201', 'C', 1, 50, 1, '2027-12-31') returning id`)
	rec := importfmt.ContingencyRecord{Issuer: "UYE", Series: "CT", CFESeries: "C", CFEType: 201, Number: 17, CAEID: cae, Date: day(25),
		Customer: "BINALOR", Currency: "MXN", PaymentTerms: "NET30", Rate: dec("1"), Fingerprint: "f1",
		Lines: []importfmt.ContingencyLineAmounts{{Item: "SOPORTE", Description: "Soporte", Quantity: dec("1"), Price: dec("100"),
			Amounts: rules.LineAmounts{Amount: dec("100"), Subtotal: dec("100"), VATRate: dec("22"), VATBase: dec("100"), VAT: dec("22"), Total: dec("122")}}},
		Totals:     rules.Totals{Amount: dec("100"), Subtotal: dec("100"), VAT: dec("22"), Total: dec("122")},
		Receivable: &rules.Receivable{Kind: "open", DueDate: day(30)}}
	var id int64
	w.mustTx(func(tx *store.Tx) (err error) { id, err = tx.InsertContingency(rec); return err })
	got := w.row(`select v.status || ' ' || v.document_kind || ' ' || v.number || ' ' || v.total::numeric(18,2) || ' ' || l.source_kind || ' ' ||
		r.amount::numeric(18,2) || ' ' || r.due_date || ' ' || c.fingerprint
		from invoices v join invoice_lines l on l.invoice_id = v.id join receivables r on r.invoice_id = v.id join contingency_documents c on c.invoice_id = v.id where v.id = $1`, id)
	if want := "completed contingency 17 122.00 contingency 122.00 2026-11-30 f1"; got != want {
		t.Errorf("recorded %q, want %q", got, want)
	}
	err := w.tx(func(tx *store.Tx) error { _, err := tx.InsertContingency(rec); return err })
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "23505" {
		t.Errorf("the number again: %v, want a unique violation", err)
	}
	if n := w.count(`select count(*) from invoices where document_kind = 'contingency'`); n != 1 {
		t.Errorf("%d contingency invoices after the refusal, want 1", n)
	}
	for name, sql := range map[string]string{
		"a contingency series without its type":  `insert into series (code, issuer, document_kind) values ('CX', 'UYE', 'contingency')`,
		"an electronic type of kind contingency": `insert into series (code, issuer, document_kind, cfe_type) values ('CY', 'UYE', 'contingency', 101)`,
		"a note without its reference": `insert into contingency_documents (invoice_id, issuer, cfe_type, cfe_series, number, cae, fingerprint)
			select id, 'UYE', 212, 'C', 1, cae, 'x' from invoices where id = ` + strconv.FormatInt(id, 10),
		"a ticket with a reference": `insert into contingency_documents (invoice_id, issuer, cfe_type, cfe_series, number, cae, fingerprint, ref_type, ref_series, ref_number, ref_date)
			select id, 'UYE', 201, 'C', 2, cae, 'x', 101, 'A', 1, '2026-11-01' from invoices where id = ` + strconv.FormatInt(id, 10),
	} {
		// A CHECK must refuse it (23514), not the primary key of the row made above.
		if _, err := w.db.Exec(w.ctx, sql); !errors.As(err, &pg) || pg.Code != "23514" {
			t.Errorf("%s: %v, want a check violation", name, err)
		}
	}
	ack := store.ReceiverAck{InvoiceID: id, ResponseID: 501, ReceiverRUT: "215071660012", State: "BE", Reasons: "E20 Diferencia de precios"}
	for i, want := range []bool{true, false} {
		var recorded bool
		w.mustTx(func(tx *store.Tx) (err error) { recorded, err = tx.RecordReceiverAck(ack, "<ACKCFE/>"); return err })
		if recorded != want {
			t.Errorf("answer %d: recorded %v, want %v", i+1, recorded, want)
		}
	}
}
