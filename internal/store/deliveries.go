package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
)

// DeliveryHead is what e-mailing an invoice needs of it.
type DeliveryHead struct {
	BatchID      string
	Status       string
	FiscalStatus string
	Series       string
	Number       *int64
	IssuerName   string
	IssuerEmail  string // where the customer's answers go (Reply-To)
	CustomerName string
	Recipient    string // the customer's e-mail address
	// What the message says of the document.
	DocumentKind string
	Date         time.Time
	Total        decimal.Decimal
	Currency     string
	Decimals     int32
	TermsKind    string // cash, credit, none
	TermsDays    int
	UUID         string
	Country      string // the issuer's: its fiscal profile words the message
	// ElectronicReceiver (Uruguay): the customer gets the CFE in DGI's exchange envelope,
	// addressed to its RUT (ReceiverRUT).
	ElectronicReceiver bool
	ReceiverRUT        string
	// The attachments: the document's XML and PDF (read with the head, in its statement).
	XML, PDF []byte
}

// OpenDelivery reads an invoice as its e-mail needs it, with its attachments, and — when
// it is printed and has an address to go to — records its delivery as pending (once) and
// counts an attempt, in one statement taking the invoice's row lock. It answers the
// delivery's state and recipient as first recorded, or "" when none was opened (not
// printed yet, no address). The invoice's row is read as it is once locked; the rest (its
// PDF, the customer) as the statement began, so an invoice whose PDF is not read yet is not
// opened (a printing that committed while this waited: the next pass sends it). ON
// CONFLICT reads the delivery's latest row, and MarkSending lets one run only send it. A
// global invoice goes to its issuer's own address: the general public has none.
func (s *Store) OpenDelivery(ctx context.Context, invoiceID int64, seq int, messageID string) (h DeliveryHead, status, to string, err error) {
	err = s.pool.QueryRow(ctx, `with h as materialized (
			select v.id, coalesce(v.batch_id, '') as batch_id, v.status, v.fiscal_status, v.series, v.number, i.name as issuer_name,
			       i.email as issuer_email, c.name as customer_name,
			       case when v.document_kind = 'global_invoice' then i.email else c.email end as recipient, v.document_kind,
			       v.invoice_date, v.total, v.currency, cur.decimals, pt.kind as terms_kind, pt.days, coalesce(d.uuid, '') as uuid,
			       i.country, c.electronic_receiver and v.document_kind <> 'global_invoice' as electronic_receiver, c.tax_id, d.xml, d.pdf
			from invoices v join issuers i on i.code = v.issuer join customers c on c.code = v.customer
			join currencies cur on cur.code = v.currency join payment_terms pt on pt.code = v.payment_terms
			left join fiscal_documents d on d.invoice_id = v.id
			where v.id = $1 for update of v),
		o as (
			insert into deliveries (invoice_id, seq, message_id, recipient, status, attempts)
			select h.id, $2, $3, h.recipient, 'pending', 1 from h
			where h.status = 'completed' and h.fiscal_status = 'pdf' and h.pdf is not null and h.recipient <> ''
			on conflict (invoice_id, seq) do update set attempts = deliveries.attempts + 1 returning status, recipient)
		select batch_id, h.status, fiscal_status, series, number, issuer_name, issuer_email, customer_name, h.recipient, document_kind,
		       invoice_date, total, currency, decimals, terms_kind, days, uuid, country, electronic_receiver, tax_id, xml, pdf,
		       coalesce(o.status, ''), coalesce(o.recipient, '')
		from h left join o on true`, invoiceID, seq, messageID).
		Scan(&h.BatchID, &h.Status, &h.FiscalStatus, &h.Series, &h.Number, &h.IssuerName, &h.IssuerEmail, &h.CustomerName, &h.Recipient,
			&h.DocumentKind, &h.Date, &h.Total, &h.Currency, &h.Decimals, &h.TermsKind, &h.TermsDays, &h.UUID, &h.Country,
			&h.ElectronicReceiver, &h.ReceiverRUT, &h.XML, &h.PDF, &status, &to)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, "", "", fmt.Errorf("invoice %d: %w", invoiceID, model.ErrNotFound)
	}
	return h, status, to, err
}

// SkipDelivery records a delivery that cannot be made (no address), once: skipped false
// when the delivery was recorded before (sent, perhaps), whose outcome it keeps.
func (t *Tx) SkipDelivery(invoiceID int64, seq int, messageID, detail string) (skipped bool, err error) {
	tag, err := t.tx.Exec(t.ctx, `insert into deliveries (invoice_id, seq, message_id, recipient, status, detail)
		values ($1, $2, $3, '', 'skipped', $4) on conflict do nothing`, invoiceID, seq, messageID, detail)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err // a delivery recorded before (sent, perhaps) keeps its outcome
	}
	return true, t.exec(`update invoices set delivery_status = 'skipped' where id = $1`, invoiceID)
}

// MarkUncertain records, on the delivery, the invoice and the audit trail, that an earlier
// attempt stopped while handing the message over — only while it is still marked sending:
// an outcome another run recorded meanwhile is kept (marked false).
func (s *Store) MarkUncertain(ctx context.Context, invoiceID int64, seq int, detail, audit string) (marked bool, err error) {
	tag, err := s.pool.Exec(ctx, `with d as (update deliveries set status = 'uncertain', detail = $3
			where invoice_id = $1 and seq = $2 and status = 'sending' returning invoice_id),
		v as (update invoices set delivery_status = 'uncertain' from d where id = d.invoice_id returning batch_id)
		insert into audit_events (batch_id, invoice_id, step, attempt, outcome, detail) select v.batch_id, $1, $5, $2, 'uncertain', $4 from v
		on conflict (invoice_id, step, attempt, outcome) where invoice_id is not null do nothing`, invoiceID, seq, detail, audit, model.StepDeliver)
	return tag.RowsAffected() == 1, err
}

// MarkSending records that the message body is going out: from here a lost answer is
// ambiguous. It answers false when the delivery is not pending any more.
func (s *Store) MarkSending(ctx context.Context, invoiceID int64, seq int) (bool, error) {
	tag, err := s.pool.Exec(ctx, `update deliveries set status = 'sending', sending_at = clock_timestamp()
		where invoice_id = $1 and seq = $2 and status = 'pending'`, invoiceID, seq)
	return err == nil && tag.RowsAffected() == 1, err
}

// BackToPending undoes MarkSending when the server answered that it did not take the message.
func (s *Store) BackToPending(ctx context.Context, invoiceID int64, seq int) error {
	_, err := s.pool.Exec(ctx, `update deliveries set status = 'pending' where invoice_id = $1 and seq = $2 and status = 'sending'`, invoiceID, seq)
	return err
}

// FinishDelivery records the delivery's outcome on the row, the invoice and the audit
// trail, only while the delivery is still in flight (pending or sending): an outcome
// recorded by another run is never overwritten.
func (s *Store) FinishDelivery(ctx context.Context, invoiceID int64, seq int, status, detail string) error {
	_, err := s.pool.Exec(ctx, `with d as (update deliveries set status = $3, detail = $4, sent_at = case when $3 = 'sent' then clock_timestamp() end
			where invoice_id = $1 and seq = $2 and status in ('pending', 'sending') returning invoice_id),
		v as (update invoices set delivery_status = $3 from d where id = d.invoice_id returning batch_id)
		insert into audit_events (batch_id, invoice_id, step, attempt, outcome, detail) select v.batch_id, $1, $5, $2, $3, $4 from v
		on conflict (invoice_id, step, attempt, outcome) where invoice_id is not null do nothing`, invoiceID, seq, status, detail, model.StepDeliver)
	return err
}

// NextDeliverySeq is the sequence number of an invoice's next explicit delivery.
func (s *Store) NextDeliverySeq(ctx context.Context, invoiceID int64) (int, error) {
	var seq int
	err := s.pool.QueryRow(ctx, `select coalesce(max(seq), 0) + 1 from deliveries where invoice_id = $1`, invoiceID).Scan(&seq)
	return seq, err
}

// ReadDelivery reads one delivery's outcome.
func (s *Store) ReadDelivery(ctx context.Context, invoiceID int64, seq int) (model.Delivery, error) {
	d := model.Delivery{InvoiceID: invoiceID, Seq: seq}
	err := s.pool.QueryRow(ctx, `select status, detail, message_id from deliveries where invoice_id = $1 and seq = $2`, invoiceID, seq).
		Scan(&d.Status, &d.Detail, &d.MessageID)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("invoice %d delivery %d: %w", invoiceID, seq, model.ErrNotFound)
	}
	return d, err
}
