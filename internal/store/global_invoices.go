package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
)

// The global invoice (MX): the tickets of a period, sold to the general public with no
// CFDI of their own, carried by one CFDI (see migration 022).

// GlobalTicket is a ticket a global invoice may carry.
type GlobalTicket struct {
	ID       int64
	Number   string // series-number
	Currency string
	Total    decimal.Decimal
	Issuer   string // its series' issuer
	Form     string // SAT's c_FormaPago of its payment terms
}

// GlobalSeries is a series of global invoices and who issues it, under which régimen.
type GlobalSeries struct {
	Code, Issuer, Country, Kind, Regime string
}

// LockGlobalSeries reads a series, locked, for a global invoice in it.
func (t *Tx) LockGlobalSeries(code string) (GlobalSeries, bool, error) {
	s := GlobalSeries{Code: code}
	err := t.tx.QueryRow(t.ctx, `select s.issuer, i.country, s.document_kind, coalesce(i.fiscal_regime, '') from series s join issuers i on i.code = s.issuer
		where s.code = $1 for update of s`, code).Scan(&s.Issuer, &s.Country, &s.Kind, &s.Regime)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	return s, err == nil, err
}

// GlobalMade is a global invoice made: its id, number, and whether it is published
// (stamped, printed and e-mailed).
type GlobalMade struct {
	ID        int64
	Number    int64
	Published bool
}

// LiveGlobalInvoices are the global invoices, not cancelled, of a series for a period, in
// the order they were made.
func (t *Tx) LiveGlobalInvoices(series string, from, to time.Time) ([]GlobalMade, error) {
	rows, err := t.tx.Query(t.ctx, `select v.id, coalesce(v.number, 0), v.fiscal_status = 'pdf' and v.delivery_status in ('sent', 'skipped', 'uncertain')
		from global_invoices g join invoices v on v.id = g.invoice_id
		where v.series = $1 and g.period_from = $2 and g.period_to = $3 and v.status <> 'cancelled' order by v.id`, series, from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (GlobalMade, error) {
		var x GlobalMade
		return x, r.Scan(&x.ID, &x.Number, &x.Published)
	})
}

// LockGlobalTickets locks the sales a global invoice of a series for a period carries:
// completed tickets and invoices of the series that name it, with no CFDI of their own,
// dated in the period, in no live global invoice and with no cancellation asked — in the
// order of their numbers.
func (t *Tx) LockGlobalTickets(series string, from, to time.Time) ([]GlobalTicket, error) {
	rows, err := t.tx.Query(t.ctx, `
		select v.id, v.series || '-' || v.number, v.currency, v.total, s.issuer, pt.forma_pago
		from invoices v join series s on s.code = v.series join payment_terms pt on pt.code = v.payment_terms
		where s.global_invoice_series = $1 and v.document_kind in ('ticket', 'invoice') and v.status = 'completed' and v.fiscal_status = 'global'
		  and v.invoice_date between $2 and $3
		  and not exists (select 1 from global_invoice_tickets g where g.ticket_id = v.id and g.released_at is null)
		  and not v.cancelling -- the ticket's own row: re-read once its lock is had
		order by v.series, v.number for update of v`, series, from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (GlobalTicket, error) {
		var x GlobalTicket
		return x, r.Scan(&x.ID, &x.Number, &x.Currency, &x.Total, &x.Issuer, &x.Form)
	})
}

// StrandedGlobalTickets are the sales of the series that go in the global invoice series
// given, with no CFDI of their own, dated before a day, that no live global invoice
// carries: "T-7 (2026-11-03)".
func (t *Tx) StrandedGlobalTickets(series string, before time.Time) ([]string, error) {
	rows, err := t.tx.Query(t.ctx, `
		select v.series || '-' || v.number || ' (' || v.invoice_date || ')' from invoices v join series s on s.code = v.series
		where s.global_invoice_series = $1 and v.status = 'completed' and v.fiscal_status = 'global' and v.invoice_date < $2
		  and not exists (select 1 from global_invoice_tickets g where g.ticket_id = v.id and g.released_at is null)
		  and not exists (select 1 from cancellations c where c.invoice_id = v.id and c.status <> 'rejected')
		order by v.invoice_date, v.series, v.number`, series, before)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// GenericCustomer is the customer that stands for the general public.
func (t *Tx) GenericCustomer() (code string, found bool, err error) {
	err = t.tx.QueryRow(t.ctx, `select code from customers where is_generic order by code limit 1`).Scan(&code)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return code, err == nil, err
}

// GlobalInvoiceHead is a global invoice to record: its series, receiver (the generic
// customer), date, and period as SAT names it.
type GlobalInvoiceHead struct {
	Series, Customer    string
	Date, From, To      time.Time
	Periodicidad, Meses string
	Año                 int
	FormaPago           string
	Replaces            int64 // the global invoice it replaces (cancellation motive 04); 0 none
}

// InsertGlobalInvoice records a global invoice carrying tickets, processing until
// numbered: its amounts the sum of theirs, in their currency, on the generic customer's
// terms. It answers the invoice's id.
func (t *Tx) InsertGlobalInvoice(h GlobalInvoiceHead, tickets []int64) (int64, error) {
	var id int64
	err := t.tx.QueryRow(t.ctx, `
		insert into invoices (batch_id, group_no, issuer, series, document_kind, customer, currency, rate, payment_terms, invoice_date, status,
		                      amount, discount, subtotal, vat, excise, vat_withheld, isr_withheld, total)
		select null, 1, s.issuer, s.code, 'global_invoice', c.code, min(v.currency), 1, c.payment_terms, $3, 'processing',
		       sum(v.amount), sum(v.discount), sum(v.subtotal), sum(v.vat), sum(v.excise), sum(v.vat_withheld), sum(v.isr_withheld), sum(v.total)
		from series s, customers c, invoices v where s.code = $1 and c.code = $2 and v.id = any($4)
		group by s.issuer, s.code, c.code, c.payment_terms returning id`, h.Series, h.Customer, h.Date, tickets).Scan(&id)
	if err != nil {
		return 0, err
	}
	if err := t.exec(`insert into global_invoices (invoice_id, issuer, period_from, period_to, periodicidad, meses, año, forma_pago, replaces)
		select id, issuer, $2, $3, $4, $5, $6, nullif($7, ''), nullif($8::bigint, 0) from invoices where id = $1`,
		id, h.From, h.To, h.Periodicidad, h.Meses, h.Año, h.FormaPago, h.Replaces); err != nil {
		return 0, err
	}
	return id, t.exec(`insert into global_invoice_tickets (global_id, ticket_id) select $1, unnest($2::bigint[])`, id, tickets)
}

// MarkGlobal records that a completed ticket has no CFDI of its own: it goes in its
// period's global invoice, and nothing is printed or e-mailed for it.
func (t *Tx) MarkGlobal(id int64) error {
	return t.exec(`update invoices set fiscal_status = 'global', fiscal_error = '', delivery_status = 'skipped'
		where id = $1 and status = 'completed' and fiscal_status = 'unsealed'`, id)
}

// ReleaseGlobalTickets takes a cancelled global invoice's tickets out of it: the period's
// next global invoice carries them. It answers how many it released.
func (t *Tx) ReleaseGlobalTickets(globalID int64) (int, error) {
	tag, err := t.tx.Exec(t.ctx, `update global_invoice_tickets set released_at = now() where global_id = $1 and released_at is null`, globalID)
	return int(tag.RowsAffected()), err
}

// globalOf reads what a global invoice carries, for its fiscal document: its period, and
// each ticket with its taxes summed per tax and rate over its lines that bear taxes.
func (t *Tx) globalOf(id int64) (*fiscal.Global, error) {
	var g fiscal.Global
	if err := t.tx.QueryRow(t.ctx, `select g.periodicidad, g.meses, g.año, coalesce(g.forma_pago, ''), coalesce(d.uuid, '')
		from global_invoices g left join fiscal_documents d on d.invoice_id = g.replaces where g.invoice_id = $1`, id).
		Scan(&g.Periodicidad, &g.Meses, &g.Año, &g.FormaPago, &g.Replaces); err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(t.ctx, `
		select v.id, v.series || '-' || v.number, v.amount, v.discount, v.subtotal
		from global_invoice_tickets g join invoices v on v.id = g.ticket_id
		where g.global_id = $1 and g.released_at is null order by v.series, v.number`, id)
	if err != nil {
		return nil, err
	}
	var ids []int64
	byID := map[int64]int{}
	g.Tickets, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fiscal.Ticket, error) {
		var x fiscal.Ticket
		var tid int64
		err := r.Scan(&tid, &x.Number, &x.Amount, &x.Discount, &x.Subtotal)
		byID[tid] = len(ids)
		ids = append(ids, tid)
		return x, err
	})
	if err != nil {
		return nil, err
	}
	rows, err = t.tx.Query(t.ctx, `
		select l.invoice_id, x.kind, x.rate, sum(x.base), sum(x.amount)
		from invoice_lines l join invoices v on v.id = l.invoice_id join currencies cur on cur.code = v.currency
		cross join lateral (values (1, case l.vat_factor when 'Exento' then 'vat_exempt' else 'vat' end, l.vat_rate, coalesce(l.vat_base, l.subtotal), l.vat),
		                           (2, case l.excise_factor when 'Cuota' then 'excise_quota' else 'excise' end,
		                               case l.excise_factor when 'Cuota' then l.excise_quota else l.excise_rate end,
		                               case l.excise_factor when 'Cuota' then l.quantity else l.subtotal end, l.excise),
		                           (3, 'vat_withheld', l.vat_withholding_rate, l.subtotal, l.vat_withheld),
		                           (4, 'isr_withheld', l.isr_withholding_rate, l.subtotal, l.isr_withheld)) x(ord, kind, rate, base, amount)
		where l.invoice_id = any($1) and round(l.subtotal, cur.decimals) > 0 and (x.kind in ('vat', 'vat_exempt') or x.rate > 0)
		group by l.invoice_id, x.ord, x.kind, x.rate order by l.invoice_id, x.ord, x.rate`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var tid int64
		var x fiscal.TicketTax
		if err := rows.Scan(&tid, &x.Kind, &x.Rate, &x.Base, &x.Amount); err != nil {
			return nil, err
		}
		tk := &g.Tickets[byID[tid]]
		tk.Taxes = append(tk.Taxes, x)
	}
	return &g, rows.Err()
}

// StrandedGlobalTickets lists, in a transaction of its own, the sales going in a global
// invoice series dated before a day that no live global invoice carries.
func (s *Store) StrandedGlobalTickets(ctx context.Context, series string, before time.Time) (out []string, err error) {
	err = s.InTx(ctx, func(tx *Tx) (err error) {
		out, err = tx.StrandedGlobalTickets(series, before)
		return err
	})
	return out, err
}
