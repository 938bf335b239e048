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
}

// LockForDelivery reads an invoice for its delivery under the invoice's row lock. A global
// invoice goes to its issuer's own address: the general public has none.
func (t *Tx) LockForDelivery(invoiceID int64) (DeliveryHead, error) {
	var h DeliveryHead
	err := t.tx.QueryRow(t.ctx, `select coalesce(v.batch_id, ''), v.status, v.fiscal_status, v.series, v.number, i.name, i.email, c.name,
		       case when v.document_kind = 'global_invoice' then i.email else c.email end, v.document_kind, v.invoice_date, v.total, v.currency, cur.decimals, pt.kind, pt.days, coalesce(d.uuid, ''), i.country,
		       c.electronic_receiver and v.document_kind <> 'global_invoice', c.tax_id
		from invoices v join issuers i on i.code = v.issuer join customers c on c.code = v.customer
		join currencies cur on cur.code = v.currency join payment_terms pt on pt.code = v.payment_terms
		left join fiscal_documents d on d.invoice_id = v.id
		where v.id = $1 for update of v`, invoiceID).
		Scan(&h.BatchID, &h.Status, &h.FiscalStatus, &h.Series, &h.Number, &h.IssuerName, &h.IssuerEmail, &h.CustomerName, &h.Recipient,
			&h.DocumentKind, &h.Date, &h.Total, &h.Currency, &h.Decimals, &h.TermsKind, &h.TermsDays, &h.UUID, &h.Country, &h.ElectronicReceiver, &h.ReceiverRUT)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, fmt.Errorf("invoice %d: %w", invoiceID, model.ErrNotFound)
	}
	return h, err
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

// OpenDelivery records the delivery as pending (once) and counts an attempt; it answers the
// delivery's state and its recipient as first recorded.
func (t *Tx) OpenDelivery(invoiceID int64, seq int, messageID, recipient string) (status, to string, err error) {
	err = t.tx.QueryRow(t.ctx, `insert into deliveries (invoice_id, seq, message_id, recipient, status, attempts)
		values ($1, $2, $3, $4, 'pending', 1)
		on conflict (invoice_id, seq) do update set attempts = deliveries.attempts + 1 returning status, recipient`,
		invoiceID, seq, messageID, recipient).Scan(&status, &to)
	return status, to, err
}

// MarkUncertain records that an earlier attempt stopped while handing the message over.
func (t *Tx) MarkUncertain(invoiceID int64, seq int, detail string) error {
	if err := t.exec(`update deliveries set status = 'uncertain', detail = $3 where invoice_id = $1 and seq = $2`, invoiceID, seq, detail); err != nil {
		return err
	}
	return t.exec(`update invoices set delivery_status = 'uncertain' where id = $1`, invoiceID)
}

// Attachments are the invoice's stored XML and PDF.
func (t *Tx) Attachments(invoiceID int64) (xml, pdf []byte, err error) {
	err = t.tx.QueryRow(t.ctx, `select xml, pdf from fiscal_documents where invoice_id = $1`, invoiceID).Scan(&xml, &pdf)
	return
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
