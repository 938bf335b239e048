package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"billrun/internal/fiscal"
	"billrun/internal/model"
)

// FiscalHead is the state of an invoice's fiscal document and where its issuer's
// credentials are.
type FiscalHead struct {
	BatchID      string
	Status       string
	FiscalStatus string
	CertPath     string
	KeyPath      string
	PasswordEnv  string // the environment variable holding the key's password
	Country      string
	Attempt      int // the publish attempt: a reseal or reprint request counts one
	// GlobalSeries, for a ticket of a series whose tickets go in a global invoice, is the
	// global invoices' series: the ticket has no CFDI of its own.
	GlobalSeries string
	// Cancelling: the invoice's cancellation was asked (and not rejected), read from the
	// invoice's own row, so fresh under its lock.
	Cancelling bool
}

// LockFiscal reads a completed invoice as its fiscal document needs it, under the
// invoice's row lock. IssuedAt is zero until the invoice is completed.
func (t *Tx) LockFiscal(id int64) (FiscalHead, fiscal.Invoice, error) {
	h, inv, err := scanFiscalHead(t.tx.QueryRow(t.ctx, fiscalHeadSQL+` where v.id = $1 for update of v`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return h, inv, fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return h, inv, err
	}
	if err := t.related(&inv); err != nil {
		return h, inv, err
	}
	lines, err := t.fiscalLines([]int64{id})
	inv.Lines = lines[id]
	return h, inv, err
}

// fiscalHeadSQL reads an invoice's head as its fiscal document needs it (v: the invoice).
const fiscalHeadSQL = `
		select v.id, coalesce(v.batch_id, ''), v.status, v.fiscal_status, v.publish_attempt, v.series, v.number, v.document_kind, v.invoice_date, v.completed_at,
		       v.currency, v.rate, cur.decimals, v.amount, v.discount, v.subtotal, v.vat, v.excise, v.vat_withheld, v.isr_withheld, v.total,
		       t.kind, t.days, t.forma_pago, t.metodo_pago,
		       i.code, i.rfc, i.name, i.fiscal_regime, i.postal_code, i.email, i.csd_certificate, i.csd_key, i.csd_password_env,
		       i.country, i.branch, i.address, i.city, i.department,
		       c.code, c.name, c.tax_id, c.tax_id_kind, c.fiscal_regime, c.postal_code, c.cfdi_use, c.email, c.is_generic,
		       c.country, c.address, c.city, c.fiscal_residence, c.export,
		       s.cfe_type, a.cae, a.cfe_series, a.first_number, a.last_number, a.expires, coalesce(s.global_invoice_series, ''),
		       v.cancelling, notes.observations, notes.refs
		from invoices v join currencies cur on cur.code = v.currency join payment_terms t on t.code = v.payment_terms
		join issuers i on i.code = v.issuer join customers c on c.code = v.customer join series s on s.code = v.series
		left join caes a on a.id = v.cae cross join lateral (` + orderNotesSQL + `) notes`

// orderNotesSQL are the observations (seed 002) and the references, as printed (seed 004),
// of the orders invoice v bills: "Pedido 1001: OC PO-77, entrega 2026-11-30, vendedor ANA",
// in order number order; orders with none of them say nothing. Read with the invoice's
// head, in its statement.
const orderNotesSQL = `with o as (
			select distinct o.number, o.observations, o.po_reference, o.delivery_date, o.seller
			from invoice_lines l join sales_order_lines ol on ol.id = l.source_id join sales_orders o on o.id = ol.order_id
			where l.invoice_id = v.id and l.source_kind = 'order_line')
		select coalesce((select string_agg(distinct observations, '; ') from o where observations <> ''), '') as observations,
		       coalesce((select array_agg('Pedido ' || number || ': ' || concat_ws(', ', nullif('OC ' || po_reference, 'OC '),
		                        'entrega ' || delivery_date, nullif('vendedor ' || seller, 'vendedor ')) order by number)
		                 from o where po_reference <> '' or delivery_date is not null or seller <> ''), '{}') as refs`

// scanFiscalHead scans a row of fiscalHeadSQL.
func scanFiscalHead(row pgx.Row) (FiscalHead, fiscal.Invoice, error) {
	var h FiscalHead
	var inv fiscal.Invoice
	var number *int64
	var completedAt *time.Time
	var cfeType *int
	var cae struct {
		id, series *string
		from, to   *int64
		expires    *time.Time
	}
	c := &inv.Customer
	err := row.Scan(&inv.ID, &h.BatchID, &h.Status, &h.FiscalStatus, &h.Attempt, &inv.Series, &number, &inv.DocumentKind, &inv.Date, &completedAt,
		&inv.Currency, &inv.Rate, &inv.Decimals, &inv.Amount, &inv.Discount, &inv.Subtotal, &inv.VAT, &inv.Excise,
		&inv.VATWithheld, &inv.ISRWithheld, &inv.Total,
		&inv.Terms.Kind, &inv.Terms.Days, &inv.Terms.FormaPago, &inv.Terms.MetodoPago,
		&inv.Issuer.Code, &inv.Issuer.TaxID, &inv.Issuer.Name, &inv.Issuer.Regime, &inv.Issuer.PostalCode, &inv.Issuer.Email,
		&h.CertPath, &h.KeyPath, &h.PasswordEnv,
		&h.Country, &inv.Issuer.Branch, &inv.Issuer.Address, &inv.Issuer.City, &inv.Issuer.Department,
		&c.Code, &c.Name, &c.TaxID, &c.TaxIDKind, &c.Regime, &c.PostalCode, &c.Use, &c.Email, &c.Generic,
		&c.Country, &c.Address, &c.City, &c.FiscalResidence, &c.Export,
		&cfeType, &cae.id, &cae.series, &cae.from, &cae.to, &cae.expires, &h.GlobalSeries, &h.Cancelling,
		&inv.Observations, &inv.OrderReferences)
	if err != nil {
		return h, inv, err
	}
	inv.Issuer.Country = h.Country
	if inv.OrderReferences == nil {
		inv.OrderReferences = []string{}
	}
	if cfeType != nil && cae.id != nil {
		inv.Authorization = &fiscal.Authorization{DocumentType: *cfeType, ID: *cae.id, Series: *cae.series,
			From: *cae.from, To: *cae.to, Expires: *cae.expires}
	}
	if number != nil {
		inv.Number = *number
	}
	if completedAt != nil {
		inv.IssuedAt = *completedAt
	}
	return h, inv, nil
}

// fiscalLines reads the invoices' lines as their fiscal documents need them, by invoice.
func (t *Tx) fiscalLines(ids []int64) (map[int64][]fiscal.Line, error) {
	rows, err := t.tx.Query(t.ctx, `
		select l.invoice_id, l.item, l.description, l.quantity, l.unit_price, l.amount, l.discount, l.subtotal,
		       l.vat_rate, coalesce(l.vat_base, l.subtotal), l.vat, l.excise_rate, l.excise, l.vat_withholding_rate, l.vat_withheld, l.isr_withholding_rate, l.isr_withheld,
		       l.vat_factor = 'Exento', l.excise_quota, i.product_code, i.unit_code, i.unit_name,
		       (select jsonb_object_agg(key, value) from jsonb_each_text(l.refs) where value <> '')
		from invoice_lines l join items i on i.code = l.item where l.invoice_id = any($1) order by l.invoice_id, l.line_no`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]fiscal.Line{}
	for rows.Next() {
		var id int64
		var l fiscal.Line
		if err := rows.Scan(&id, &l.Item, &l.Description, &l.Quantity, &l.UnitPrice, &l.Amount, &l.Discount, &l.Subtotal,
			&l.VATRate, &l.VATBase, &l.VAT, &l.ExciseRate, &l.Excise, &l.VATWithholdingRate, &l.VATWithheld, &l.ISRWithholdingRate, &l.ISRWithheld,
			&l.VATExempt, &l.ExciseQuota, &l.ProductCode, &l.UnitCode, &l.UnitName, &l.Refs); err != nil {
			return nil, err
		}
		out[id] = append(out[id], l)
	}
	return out, rows.Err()
}

// related reads what a document relates beyond its own row: the invoice a credit note
// corrects, the payment a receipt answers (the orders' notes come with its head).
func (t *Tx) related(inv *fiscal.Invoice) (err error) {
	switch inv.DocumentKind {
	case "credit_note":
		if inv.Corrects, err = t.corrected(inv.ID); err != nil {
			return err
		}
	case "payment_receipt":
		if inv.Payments, err = t.ReceiptPayments(inv.ID); err != nil {
			return err
		}
	case "global_invoice":
		if inv.Global, err = t.globalOf(inv.ID); err != nil {
			return err
		}
	case "contingency":
		if inv.Corrects, err = t.contingencyReference(inv.ID); err != nil {
			return err
		}
	}
	return nil
}

// corrected is the invoice a credit note corrects, as its fiscal document relates it.
// A batch's credit note of return orders corrects none of its own (Related.Standalone).
func (t *Tx) corrected(id int64) (*fiscal.Related, error) {
	var r fiscal.Related
	var g struct {
		per, meses *string
		año        *int
	}
	var date *time.Time
	err := t.tx.QueryRow(t.ctx, `select n.credit_kind, n.credit_of is null, coalesce(d.uuid, gd.uuid, ''),
		coalesce(case when d.uuid is null then gd.series end, v.series, ''), coalesce(case when d.uuid is null then gd.number end, v.number, 0), v.invoice_date,
		coalesce(s.cfe_type, 0), coalesce(a.cfe_series, ''), case when d.uuid is null then gd.periodicidad end, gd.meses, gd.año
		from invoices n left join invoices v on v.id = n.credit_of left join series s on s.code = v.series
		left join caes a on a.id = v.cae left join fiscal_documents d on d.invoice_id = v.id
		left join lateral (select f.uuid, gv.series, gv.number, gi.periodicidad, gi.meses, gi.año
			from global_invoice_tickets gt join global_invoices gi on gi.invoice_id = gt.global_id join invoices gv on gv.id = gt.global_id
			join fiscal_documents f on f.invoice_id = gt.global_id
			where gt.ticket_id = v.id and gt.released_at is null and gv.status <> 'cancelled') gd on true
		where n.id = $1`, id).
		Scan(&r.Kind, &r.Standalone, &r.UUID, &r.Series, &r.Number, &date, &r.DocumentType, &r.AuthoritySeries, &g.per, &g.meses, &g.año)
	if date != nil {
		r.Date = *date
	}
	if err == nil && g.per != nil {
		r.Global = &fiscal.Global{Periodicidad: *g.per, Meses: *g.meses, Año: *g.año}
	}
	return &r, err
}

// SaveSealed stores the sealed document, once, and marks the invoice sealed.
func (t *Tx) SaveSealed(id int64, d fiscal.Document) error {
	if err := t.exec(`insert into fiscal_documents (invoice_id, xml, no_certificado, sello, status)
		values ($1, $2, $3, $4, 'sealed') on conflict (invoice_id) do nothing`, id, d.XML, d.Certificate, d.Signature); err != nil {
		return err
	}
	return t.exec(`update invoices set fiscal_status = 'sealed', fiscal_error = '' where id = $1`, id)
}

// SaveStamped stores the stamped document in place of the sealed one and marks the invoice
// stamped, only while it is sealed: a second answer for the same document changes nothing.
func (t *Tx) SaveStamped(id int64, d fiscal.Document) (bool, error) {
	tag, err := t.tx.Exec(t.ctx, `update invoices set fiscal_status = 'stamped', fiscal_error = '' where id = $1 and fiscal_status = 'sealed'`, id)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	return true, t.exec(`update fiscal_documents set xml = $2, uuid = nullif($3, ''), fecha_timbrado = $4, no_certificado_sat = $5,
		authority_ack = nullif($6, ''), stamped_at = now(), status = 'stamped'
		where invoice_id = $1`, id, d.XML, d.UUID, d.StampedAt, d.StampCertificate, d.AuthorityAck)
}

// DiscardUnstamped drops the sealed document of a completed invoice whose stamping was
// refused (a reseal makes it again, dated now). It re-checks under the invoice's row lock
// what the command checked: a document whose stamping was asked again meanwhile (a
// restamp cleared its error; the PAC may be stamping it) or that is stamped is never
// dropped — SAT may hold its UUID.
func (s *Store) DiscardUnstamped(ctx context.Context, id int64) error {
	return s.InTx(ctx, func(t *Tx) error {
		var status, fiscalStatus, fiscalError string
		err := t.tx.QueryRow(ctx, `select status, fiscal_status, fiscal_error from invoices where id = $1 for update`, id).
			Scan(&status, &fiscalStatus, &fiscalError)
		if err != nil {
			return err
		}
		switch {
		case status == "completed" && fiscalStatus == "unsealed" && fiscalError != "":
			return nil // its sealing failed: nothing was sealed to drop
		case status != "completed" || fiscalStatus != "sealed" || fiscalError == "":
			return &model.InputError{Problems: []string{fmt.Sprintf("invoice %d is %s, fiscal status %s: its document is no longer one whose stamping failed "+
				"(a restamp or the publication is at it): nothing to reseal", id, status, fiscalStatus)}}
		}
		if err := t.exec(`update invoices set fiscal_status = 'unsealed' where id = $1`, id); err != nil {
			return err
		}
		return t.exec(`delete from fiscal_documents where invoice_id = $1 and uuid is null`, id)
	})
}

// SealedDocument reads the invoice's stored document, with the authority's latest answer.
func (t *Tx) SealedDocument(id int64) (fiscal.Document, error) {
	var d fiscal.Document
	err := t.tx.QueryRow(t.ctx, `select xml, no_certificado, sello, coalesce(uuid, ''), coalesce(fecha_timbrado, ''), coalesce(no_certificado_sat, ''),
		coalesce(authority_ack, '') from fiscal_documents where invoice_id = $1`, id).
		Scan(&d.XML, &d.Certificate, &d.Signature, &d.UUID, &d.StampedAt, &d.StampCertificate, &d.AuthorityAck)
	return d, err
}

// SaveAuthorityAck keeps the authority's answer to a document it has not stamped (UY: DGI's
// ACKSobre while the CFE's answer is awaited, or the answer that refused it), only while
// the document is sealed and unstamped: a stamped document's answer is never replaced.
func (s *Store) SaveAuthorityAck(ctx context.Context, id int64, ack string) error {
	_, err := s.pool.Exec(ctx, `update fiscal_documents d set authority_ack = $2 from invoices i
		where d.invoice_id = $1 and i.id = d.invoice_id and i.fiscal_status = 'sealed' and d.status = 'sealed'`, id, ack)
	return err
}

// SavePDF stores the printed document and marks the invoice printed.
func (t *Tx) SavePDF(id int64, pdf []byte) error {
	if err := t.exec(`update fiscal_documents set pdf = $2 where invoice_id = $1`, id, pdf); err != nil {
		return err
	}
	return t.exec(`update invoices set fiscal_status = 'pdf' where id = $1`, id)
}

// RecordFiscalError keeps why a fiscal step failed, on the invoice and in the audit trail,
// while the invoice stays completed.
func (s *Store) RecordFiscalError(ctx context.Context, id int64, step, reason string) error {
	return s.InTx(ctx, func(t *Tx) error {
		var batch string
		var attempt int
		if err := t.tx.QueryRow(ctx, `update invoices set fiscal_error = $2 where id = $1 returning coalesce(batch_id, ''), publish_attempt`, id, step+": "+reason).
			Scan(&batch, &attempt); err != nil {
			return err
		}
		return t.Audit(batch, id, step, attempt, "failed", reason)
	})
}

// FiscalFiles reads an invoice's stored XML and PDF for the CLI.
func (s *Store) FiscalFiles(ctx context.Context, id int64) (xml string, pdf []byte, err error) {
	if _, err := s.ReadInvoice(ctx, id); err != nil {
		return "", nil, err
	}
	err = s.pool.QueryRow(ctx, `select xml, pdf from fiscal_documents where invoice_id = $1`, id).Scan(&xml, &pdf)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, fmt.Errorf("invoice %d is not sealed yet (see billrun invoice show %d)", id, id)
	}
	return xml, pdf, err
}
