package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"billrun/internal/fiscal"
)

// Stampable is a sealed document waiting to be stamped, with what its certifier needs.
type Stampable struct {
	InvoiceID int64
	Head      FiscalHead
	Doc       fiscal.Document
}

// Stampables reads those of the invoices named that are completed, sealed, without a
// fiscal error and not being cancelled, with their sealed documents, in one statement and
// without row locks: the stamps are stored only where the invoice is still sealed
// (SaveStamps), and a cancellation is refused while a document may be at the PAC.
func (s *Store) Stampables(ctx context.Context, ids []int64) ([]Stampable, error) {
	rows, err := s.pool.Query(ctx, `select v.id, coalesce(v.batch_id, ''), v.publish_attempt, i.country, i.csd_certificate, i.csd_key, i.csd_password_env,
			d.xml, d.no_certificado, d.sello, coalesce(d.uuid, ''), coalesce(d.fecha_timbrado, ''), coalesce(d.no_certificado_sat, ''), coalesce(d.authority_ack, '')
		from invoices v join issuers i on i.code = v.issuer join fiscal_documents d on d.invoice_id = v.id
		where v.id = any($1) and v.status = 'completed' and v.fiscal_status = 'sealed' and v.fiscal_error = '' and not v.cancelling
		order by array_position($1, v.id)`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Stampable, error) {
		var x Stampable
		h, d := &x.Head, &x.Doc
		err := r.Scan(&x.InvoiceID, &h.BatchID, &h.Attempt, &h.Country, &h.CertPath, &h.KeyPath, &h.PasswordEnv,
			&d.XML, &d.Certificate, &d.Signature, &d.UUID, &d.StampedAt, &d.StampCertificate, &d.AuthorityAck)
		h.Status, h.FiscalStatus = "completed", "sealed"
		return x, err
	})
}

// Stamp is a document's stamp and what the audit trail says of it.
type Stamp struct {
	InvoiceID int64
	Doc       fiscal.Document
	Note      string
}

// SaveStamps stores the stamped documents of the invoices still sealed (fiscal status
// stamped) and audits each, in one statement; it answers how many it stored. The first
// stamp stored stands: an invoice stamped meanwhile is left as it is.
func (s *Store) SaveStamps(ctx context.Context, step string, stamps []Stamp) (int, error) {
	if len(stamps) == 0 {
		return 0, nil
	}
	n := len(stamps)
	ids, xml, uuid, at, cert, ack, note := make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, x := range stamps {
		ids[i], xml[i], uuid[i], at[i], cert[i], ack[i], note[i] = x.InvoiceID, x.Doc.XML, x.Doc.UUID, x.Doc.StampedAt, x.Doc.StampCertificate, x.Doc.AuthorityAck, x.Note
	}
	tag, err := s.pool.Exec(ctx, `with x as (select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
			as x (id, xml, uuid, fecha, cert, ack, note)),
		stamped as (update invoices v set fiscal_status = 'stamped', fiscal_error = '' from x
			where v.id = x.id and v.fiscal_status = 'sealed' returning v.id, v.batch_id, v.publish_attempt),
		stored as (update fiscal_documents d set xml = x.xml, uuid = nullif(x.uuid, ''), fecha_timbrado = x.fecha, no_certificado_sat = x.cert,
			authority_ack = nullif(x.ack, ''), stamped_at = now(), status = 'stamped'
			from x join stamped on stamped.id = x.id where d.invoice_id = x.id)
		insert into audit_events (batch_id, invoice_id, step, attempt, outcome, detail)
		select stamped.batch_id, stamped.id, $8, stamped.publish_attempt, 'ok', x.note from stamped join x on x.id = stamped.id
		on conflict (invoice_id, step, attempt, outcome) where invoice_id is not null do nothing`, ids, xml, uuid, at, cert, ack, note, step)
	return int(tag.RowsAffected()), err
}
