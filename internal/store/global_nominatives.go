package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Cancellation motive 04 of a global invoice (SAT: a sale of it is invoiced nominatively):
// the global invoice is cancelled and issued again without that sale, which becomes an
// invoice of its own to the customer who asked for it (see migration 033).

// Nominative is a sale of a global invoice taken out of it, and the customer it is
// invoiced to.
type Nominative struct {
	TicketID int64
	Ticket   string // series-number
	Customer string
}

// SaleByNumber finds a sale by its series-number ("T-12"): its id, and whether the global
// invoice given carries it (not released).
func (t *Tx) SaleByNumber(globalID int64, number string) (id int64, carried, found bool, err error) {
	series, n, ok := strings.Cut(number, "-")
	if !ok {
		return 0, false, false, nil
	}
	err = t.tx.QueryRow(t.ctx, `select v.id, exists (select 1 from global_invoice_tickets g where g.global_id = $3 and g.ticket_id = v.id and g.released_at is null)
		from invoices v where v.series = $1 and v.number::text = $2 and v.document_kind <> 'global_invoice'`, series, n, globalID).Scan(&id, &carried)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, false, nil
	}
	return id, carried, err == nil, err
}

// ReceiverOf is a customer as a nominative invoice's receiver needs it.
type ReceiverOf struct {
	Code, TaxIDKind, TaxID, Regime, PostalCode, Use string
	Generic                                         bool
}

// Receiver reads a customer for a nominative invoice (found false: none).
func (t *Tx) Receiver(code string) (r ReceiverOf, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select code, tax_id_kind, coalesce(tax_id, ''), coalesce(fiscal_regime, ''), coalesce(postal_code, ''), coalesce(cfdi_use, ''), is_generic
		from customers where code = $1`, code).Scan(&r.Code, &r.TaxIDKind, &r.TaxID, &r.Regime, &r.PostalCode, &r.Use, &r.Generic)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// ForgetNominatives forgets the sales a global invoice's cancellation (motive 04) named,
// once that cancellation is rejected: the sales stay in it, free to be named again.
func (t *Tx) ForgetNominatives(globalID int64) error {
	return t.exec(`delete from global_nominatives where global_id = $1`, globalID)
}

// RecordNominatives records the sales a global invoice's cancellation (motive 04) takes
// out of it, in place of those of an earlier, rejected request.
func (t *Tx) RecordNominatives(globalID int64, ns []Nominative) error {
	if err := t.exec(`delete from global_nominatives where global_id = $1`, globalID); err != nil {
		return err
	}
	for _, n := range ns {
		if err := t.exec(`insert into global_nominatives (global_id, ticket_id, customer) values ($1, $2, $3)`, globalID, n.TicketID, n.Customer); err != nil {
			return err
		}
	}
	return nil
}

// GlobalNominatives are the sales a global invoice's cancellation takes out of it.
func (t *Tx) GlobalNominatives(globalID int64) ([]Nominative, error) {
	rows, err := t.tx.Query(t.ctx, `select n.ticket_id, v.series || '-' || v.number, n.customer from global_nominatives n join invoices v on v.id = n.ticket_id
		where n.global_id = $1 order by v.series, v.number`, globalID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Nominative, error) {
		var n Nominative
		return n, r.Scan(&n.TicketID, &n.Ticket, &n.Customer)
	})
}

// CarriedTickets locks the sales a global invoice carries (not released), in the order of
// their numbers.
func (t *Tx) CarriedTickets(globalID int64) ([]GlobalTicket, error) {
	rows, err := t.tx.Query(t.ctx, `
		select v.id, v.series || '-' || v.number, v.currency, v.total, s.issuer, pt.forma_pago
		from global_invoice_tickets g join invoices v on v.id = g.ticket_id join series s on s.code = v.series join payment_terms pt on pt.code = v.payment_terms
		where g.global_id = $1 and g.released_at is null order by v.series, v.number for update of v`, globalID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (GlobalTicket, error) {
		var x GlobalTicket
		return x, r.Scan(&x.ID, &x.Number, &x.Currency, &x.Total, &x.Issuer, &x.Form)
	})
}

// GlobalHeadOf reads a global invoice's series, period and InformacionGlobal, and its
// series' issuer.
func (t *Tx) GlobalHeadOf(globalID int64) (h GlobalInvoiceHead, s GlobalSeries, err error) {
	err = t.tx.QueryRow(t.ctx, `select v.series, v.issuer, g.period_from, g.period_to, g.periodicidad, g.meses, g.año
		from global_invoices g join invoices v on v.id = g.invoice_id where g.invoice_id = $1`, globalID).
		Scan(&h.Series, &s.Issuer, &h.From, &h.To, &h.Periodicidad, &h.Meses, &h.Año)
	s.Code = h.Series
	return h, s, err
}

// MakeNominative makes a sale with no CFDI of its own a sale to a customer, with its own
// CFDI to seal, stamp, print and e-mail: its receiver and its receivable's customer
// become the customer's. Only once: it answers whether it did.
func (t *Tx) MakeNominative(ticketID int64, customer string) (bool, error) {
	tag, err := t.tx.Exec(t.ctx, `update invoices set customer = $2, fiscal_status = 'unsealed', fiscal_error = '', delivery_status = 'pending'
		where id = $1 and status = 'completed' and fiscal_status = 'global'`, ticketID, customer)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	return true, t.exec(`update receivables set customer = $2 where invoice_id = $1 and status not in ('reversed', 'cancelled')`, ticketID, customer)
}

// Reissued are what a global invoice cancelled with motive 04 left: the global invoice
// replacing it (0: none, every sale was invoiced nominatively) and the sales invoiced
// nominatively.
func (t *Tx) Reissued(globalID int64) (replacement int64, nominatives []int64, err error) {
	err = t.tx.QueryRow(t.ctx, `select coalesce((select invoice_id from global_invoices where replaces = $1), 0)`, globalID).Scan(&replacement)
	if err != nil {
		return 0, nil, err
	}
	rows, err := t.tx.Query(t.ctx, `select n.ticket_id from global_nominatives n join invoices v on v.id = n.ticket_id
		where n.global_id = $1 and v.fiscal_status <> 'global' order by n.ticket_id`, globalID)
	if err != nil {
		return 0, nil, err
	}
	nominatives, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	return replacement, nominatives, err
}

// CarryingGlobal is the number of the live global invoice that carries a sale ("G-1"),
// "" none.
func (t *Tx) CarryingGlobal(ticketID int64) (string, error) {
	var n string
	err := t.tx.QueryRow(t.ctx, `select coalesce((select v.series || '-' || v.number from global_invoice_tickets g join invoices v on v.id = g.global_id
		where g.ticket_id = $1 and g.released_at is null and v.status <> 'cancelled'), '')`, ticketID).Scan(&n)
	return n, err
}

// GlobalCreditNotes are the completed credit notes of the sales a global invoice carries:
// they relate to its CFDI.
func (t *Tx) GlobalCreditNotes(globalID int64) ([]string, error) {
	rows, err := t.tx.Query(t.ctx, `select n.series || '-' || n.number from global_invoice_tickets g join invoices n on n.credit_of = g.ticket_id
		where g.global_id = $1 and g.released_at is null and n.status = 'completed' order by n.series, n.number`, globalID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
