package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"billrun/internal/fiscal"
)

// Printable is a stamped invoice as printing needs it: its head, its fiscal invoice and
// its stamped document.
type Printable struct {
	Head    FiscalHead
	Invoice fiscal.Invoice
	Doc     fiscal.Document
}

// Printables reads those of the invoices named that are completed and stamped, in one
// read-only transaction and without row locks: printing writes a PDF only where the invoice
// is still stamped (SavePDFs), so a read gone stale meanwhile writes nothing.
func (s *Store) Printables(ctx context.Context, ids []int64) ([]Printable, error) {
	var out []Printable
	err := s.InTx(ctx, func(t *Tx) error {
		rows, err := t.tx.Query(ctx, fiscalHeadSQL+` where v.id = any($1) and v.status = 'completed' and v.fiscal_status = 'stamped' order by v.id`, ids)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Printable, error) {
			h, inv, err := scanFiscalHead(r)
			return Printable{Head: h, Invoice: inv}, err
		})
		if err != nil || len(out) == 0 {
			return err
		}
		found := make([]int64, len(out))
		for i := range out {
			found[i] = out[i].Invoice.ID
			if err := t.related(&out[i].Invoice); err != nil {
				return err
			}
		}
		lines, err := t.fiscalLines(found)
		if err != nil {
			return err
		}
		docs, err := t.stampedDocuments(found)
		for i := range out {
			out[i].Invoice.Lines, out[i].Doc = lines[found[i]], docs[found[i]]
		}
		return err
	})
	return out, err
}

// stampedDocuments reads the invoices' fiscal documents, by invoice.
func (t *Tx) stampedDocuments(ids []int64) (map[int64]fiscal.Document, error) {
	rows, err := t.tx.Query(t.ctx, `select invoice_id, xml, no_certificado, sello, coalesce(uuid, ''), coalesce(fecha_timbrado, ''),
		coalesce(no_certificado_sat, ''), coalesce(authority_ack, '') from fiscal_documents where invoice_id = any($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]fiscal.Document{}
	for rows.Next() {
		var id int64
		var d fiscal.Document
		if err := rows.Scan(&id, &d.XML, &d.Certificate, &d.Signature, &d.UUID, &d.StampedAt, &d.StampCertificate, &d.AuthorityAck); err != nil {
			return nil, err
		}
		out[id] = d
	}
	return out, rows.Err()
}

// PDF is a printed invoice's PDF.
type PDF struct {
	InvoiceID int64
	Bytes     []byte
}

// SavePDFs stores the PDFs of the invoices still stamped (fiscal status pdf) and audits
// each, in one statement; it answers how many it stored. An invoice that moved on
// meanwhile (printed by another pass, cancelled) is left as it is.
func (s *Store) SavePDFs(ctx context.Context, step string, pdfs []PDF) (int, error) {
	if len(pdfs) == 0 {
		return 0, nil
	}
	ids, bytes := make([]int64, len(pdfs)), make([][]byte, len(pdfs))
	for i, p := range pdfs {
		ids[i], bytes[i] = p.InvoiceID, p.Bytes
	}
	tag, err := s.pool.Exec(ctx, `with p as (select * from unnest($1::bigint[], $2::bytea[]) as p (id, pdf)),
		printed as (update invoices v set fiscal_status = 'pdf' from p
			where v.id = p.id and v.status = 'completed' and v.fiscal_status = 'stamped' returning v.id, v.batch_id, v.publish_attempt),
		stored as (update fiscal_documents d set pdf = p.pdf from p join printed on printed.id = p.id where d.invoice_id = p.id)
		insert into audit_events (batch_id, invoice_id, step, attempt, outcome, detail)
		select printed.batch_id, printed.id, $3, printed.publish_attempt, 'ok', length(p.pdf) || ' bytes' from printed join p on p.id = printed.id
		on conflict (invoice_id, step, attempt, outcome) where invoice_id is not null do nothing`, ids, bytes, step)
	return int(tag.RowsAffected()), err
}
