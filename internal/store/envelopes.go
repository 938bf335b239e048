package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
)

// Envelopes of up to 250 CFE to DGI (migration 029): recorded exactly as sent before they
// are sent, with DGI's answers; each document knows its envelope and place in it.

// Unenveloped is a sealed document waiting to be stamped, as the envelopes' pass reads it.
type Unenveloped struct {
	InvoiceID    int64
	Country      string
	Issuer       string
	CFEType      int // 0: its series numbers no CFE
	XML          string
	AuthorityAck string
	EnvelopeID   *int64 // the envelope it went in, DGI's answer awaited
	SealedAt     time.Time
}

// EnvelopeCandidates reads, under their documents' row locks, the invoices named that are
// completed, sealed and waiting to be stamped (no fiscal error), in the order named.
func (t *Tx) EnvelopeCandidates(ids []int64) ([]Unenveloped, error) {
	rows, err := t.tx.Query(t.ctx, `select v.id, i.country, v.issuer, coalesce(s.cfe_type, 0), d.xml, coalesce(d.authority_ack, ''), d.envelope_id, d.sealed_at
		from invoices v join issuers i on i.code = v.issuer join series s on s.code = v.series join fiscal_documents d on d.invoice_id = v.id
		where v.id = any($1) and v.status = 'completed' and v.fiscal_status = 'sealed' and v.fiscal_error = '' and d.status = 'sealed'
		order by array_position($1, v.id) for update of d`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Unenveloped, error) {
		var u Unenveloped
		return u, r.Scan(&u.InvoiceID, &u.Country, &u.Issuer, &u.CFEType, &u.XML, &u.AuthorityAck, &u.EnvelopeID, &u.SealedAt)
	})
}

// FiscalError is why the invoice's fiscal steps stopped ("step: reason"; empty: they did not).
func (s *Store) FiscalError(ctx context.Context, id int64) (string, error) {
	var e string
	err := s.pool.QueryRow(ctx, `select fiscal_error from invoices where id = $1`, id).Scan(&e)
	return e, err
}

// Billing tells the batch still has invoices being billed (open: sealed, they wake its
// publication or are counted ready by its stamping).
func (s *Store) Billing(ctx context.Context, batchID string) (bool, error) {
	var b bool
	err := s.pool.QueryRow(ctx, `select exists (select 1 from invoices where batch_id = $1 and `+openInvoice+`)`, batchID).Scan(&b)
	return b, err
}

// NextEnvelopeID takes the next envelope number (Idemisor).
func (t *Tx) NextEnvelopeID() (int64, error) {
	var id int64
	err := t.tx.QueryRow(t.ctx, `select nextval('cfe_envelope_numbers')`).Scan(&id)
	return id, err
}

// RecordEnvelope records an envelope as it will be sent and puts its documents in it, in
// order (their places 1, 2…): each must be in no envelope, or nothing is recorded.
func (t *Tx) RecordEnvelope(id int64, issuer string, cfeType int, xml string, invoiceIDs []int64) error {
	if err := t.exec(`insert into cfe_envelopes (id, issuer, cfe_type, cfe_count, xml) values ($1, $2, $3, $4, $5)`,
		id, issuer, cfeType, len(invoiceIDs), xml); err != nil {
		return err
	}
	for i, inv := range invoiceIDs {
		tag, err := t.tx.Exec(t.ctx, `update fiscal_documents set envelope_id = $1, envelope_ordinal = $2
			where invoice_id = $3 and envelope_id is null and status = 'sealed'`, id, i+1, inv)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("invoice %d went in another envelope meanwhile: envelope %d not recorded", inv, id)
		}
	}
	return nil
}

// CFEEnvelope is a recorded envelope, its issuer's credentials and its documents still
// waiting for DGI's answer (completed, sealed, in it).
type CFEEnvelope struct {
	ID                             int64
	Issuer                         string
	CFEType, Count                 int
	XML, State, Ack, Answer        string
	CertPath, KeyPath, PasswordEnv string
	Members                        []EnvelopeMember
}

// EnvelopeMember is a document in an envelope, at its place.
type EnvelopeMember struct {
	InvoiceID int64
	Ordinal   int
	BatchID   string
	Attempt   int
}

// LockEnvelope reads an envelope under its row lock, with its documents still waiting.
func (t *Tx) LockEnvelope(id int64) (CFEEnvelope, error) {
	var e CFEEnvelope
	err := t.tx.QueryRow(t.ctx, `select e.id, e.issuer, e.cfe_type, e.cfe_count, e.xml, e.state, coalesce(e.ack, ''), coalesce(e.answer, ''),
		i.csd_certificate, i.csd_key, i.csd_password_env
		from cfe_envelopes e join issuers i on i.code = e.issuer where e.id = $1 for update of e`, id).
		Scan(&e.ID, &e.Issuer, &e.CFEType, &e.Count, &e.XML, &e.State, &e.Ack, &e.Answer, &e.CertPath, &e.KeyPath, &e.PasswordEnv)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("envelope %d: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return e, err
	}
	rows, err := t.tx.Query(t.ctx, `select d.invoice_id, d.envelope_ordinal, coalesce(v.batch_id, ''), v.publish_attempt
		from fiscal_documents d join invoices v on v.id = d.invoice_id
		where d.envelope_id = $1 and v.status = 'completed' and v.fiscal_status = 'sealed' and d.status = 'sealed'
		order by d.envelope_ordinal`, id)
	if err != nil {
		return e, err
	}
	e.Members, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (EnvelopeMember, error) {
		var m EnvelopeMember
		return m, r.Scan(&m.InvoiceID, &m.Ordinal, &m.BatchID, &m.Attempt)
	})
	return e, err
}

// AnswerEnvelope keeps DGI's ACKSobre of an envelope sent: state received or rejected. An
// envelope answered already is left as it is (false).
func (t *Tx) AnswerEnvelope(id int64, state, ack string) (bool, error) {
	tag, err := t.tx.Exec(t.ctx, `update cfe_envelopes set state = $2, ack = $3 where id = $1 and state = 'sending'`, id, state, ack)
	return err == nil && tag.RowsAffected() == 1, err
}

// SaveEnvelopeAnswer keeps DGI's ACKCFE of a received envelope's CFE (state answered).
func (t *Tx) SaveEnvelopeAnswer(id int64, answer string) (bool, error) {
	tag, err := t.tx.Exec(t.ctx, `update cfe_envelopes set state = 'answered', answer = $2 where id = $1 and state = 'received'`, id, answer)
	return err == nil && tag.RowsAffected() == 1, err
}

// ReleaseEnvelope takes the documents still waiting in a rejected envelope out of it,
// unrefused, with DGI's answer to the envelope kept on each: they go in a new envelope.
func (t *Tx) ReleaseEnvelope(id int64, ack string) error {
	return t.exec(`update fiscal_documents d set authority_ack = $2, envelope_id = null, envelope_ordinal = null
		from invoices v, cfe_envelopes e where d.envelope_id = $1 and v.id = d.invoice_id and v.status = 'completed' and v.fiscal_status = 'sealed'
		and e.id = d.envelope_id and e.state = 'rejected'`, id, ack)
}

// LeaveEnvelope records DGI's refusal of a sealed document (its envelope's, or its own):
// the reason as its fiscal error at step, DGI's answer kept, and it leaves its envelope, so
// a restamp sends it in a new one. A document no longer waiting is left as it is (false).
func (t *Tx) LeaveEnvelope(invoiceID int64, step, reason, ack string) (bool, error) {
	tag, err := t.tx.Exec(t.ctx, `update invoices set fiscal_error = $2 where id = $1 and status = 'completed' and fiscal_status = 'sealed' and fiscal_error = ''`,
		invoiceID, step+": "+reason)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	return true, t.exec(`update fiscal_documents set authority_ack = nullif($2, ''), envelope_id = null, envelope_ordinal = null where invoice_id = $1`, invoiceID, ack)
}
