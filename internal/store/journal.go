package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/rules"
)

// The accounting journal (migration 025): one balanced entry per invoice, credit note,
// payment and cancellation, never changed; a cancellation writes its entry's reverse.

// JournalHead is an entry to write: its kind, document, date and the books' currency.
type JournalHead struct {
	Kind      string // invoice, credit_note
	InvoiceID int64
	Date      time.Time
	Currency  string
	Memo      string
}

// SaleFacts reads what an invoice's (or a credit note's) entry books: the ledger's
// accounts, the customer's own receivable account, the rate to the books' currency (the
// issuer's), and each line with its item's revenue account and, for a stocked item with a
// standard cost that the document moves (not a rebate, not a line a delivery note moved),
// its quantity and cost.
func (t *Tx) SaleFacts(invoiceID int64) (rules.Sale, JournalHead, error) {
	var s rules.Sale
	h := JournalHead{InvoiceID: invoiceID}
	var kind string
	err := t.tx.QueryRow(t.ctx, `
		select coalesce(c.receivable_account, ''), case when v.currency = i.currency then 1 else v.rate end, cur.decimals, i.currency,
		       v.invoice_date, v.document_kind, v.customer, (select jsonb_object_agg(role, account) from ledger_accounts)
		from invoices v join issuers i on i.code = v.issuer join currencies cur on cur.code = i.currency join customers c on c.code = v.customer
		where v.id = $1`, invoiceID).Scan(&s.Receivable, &s.Rate, &s.Decimals, &h.Currency, &h.Date, &kind, &h.Memo, &s.Accounts)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, h, fmt.Errorf("invoice %d: not found", invoiceID)
	}
	if err != nil {
		return s, h, err
	}
	h.Kind, h.Memo = "invoice", kind+" to "+h.Memo
	if kind == "credit_note" {
		h.Kind = "credit_note"
	}
	rows, err := t.tx.Query(t.ctx, `
		select coalesce(it.revenue_account, ''), l.subtotal, l.vat, l.excise, l.vat_withheld, l.isr_withheld,
		       case when it.stocked and it.cost is not null and not l.delivered and s.discharge_stock and coalesce(v.credit_kind, 'return') = 'return'
		            then l.quantity else 0 end, coalesce(it.cost, 0)
		from invoice_lines l join items it on it.code = l.item join invoices v on v.id = l.invoice_id join series s on s.code = v.series
		where l.invoice_id = $1 order by l.line_no`, invoiceID)
	if err != nil {
		return s, h, err
	}
	s.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.SaleLine, error) {
		var l rules.SaleLine
		return l, r.Scan(&l.RevenueAccount, &l.Subtotal, &l.VAT, &l.Excise, &l.VATWithheld, &l.ISRWithheld, &l.Quantity, &l.UnitCost)
	})
	return s, h, err
}

// PostJournal writes an entry and its postings, once, in one statement: an entry of the
// same kind for the same document written before is kept, and nothing is written again.
// The database refuses an entry whose postings do not balance.
func (t *Tx) PostJournal(h JournalHead, ps []rules.Posting) error {
	return t.exec(postJournalSQL, journalArgs(h, ps)...)
}

// postJournalSQL writes an entry and its postings once (PostJournal); journalArgs are its
// arguments.
const postJournalSQL = `with e as (
			insert into journal_entries (entry_date, kind, invoice_id, currency, debit, credit, memo)
			values ($1, $2, $3, $4, $5, $5, $6) on conflict do nothing returning id)
		insert into journal_lines (entry_id, line_no, account, debit, credit)
		select e.id, p.n, p.account, p.debit, p.credit
		from e, unnest($7::text[], $8::numeric[], $9::numeric[]) with ordinality as p(account, debit, credit, n)`

func journalArgs(h JournalHead, ps []rules.Posting) []any {
	var total decimal.Decimal
	accounts := make([]string, len(ps))
	debits, credits := make([]decimal.Decimal, len(ps)), make([]decimal.Decimal, len(ps))
	for i, p := range ps {
		total = total.Add(p.Debit)
		accounts[i], debits[i], credits[i] = p.Account, p.Debit, p.Credit
	}
	return []any{h.Date, h.Kind, h.InvoiceID, h.Currency, total, h.Memo, accounts, debits, credits}
}

// ReverseEntries writes, once, the reverse of an invoice's (or credit note's) entry, dated
// today: what its cancellation books (a credit note's cash refund's entry too).
func (t *Tx) ReverseEntries(invoiceID int64) error {
	return t.exec(`with rev as (
			insert into journal_entries (entry_date, kind, invoice_id, reverses, currency, debit, credit, memo)
			select current_date, 'cancellation', e.invoice_id, e.id, e.currency, e.credit, e.debit, 'cancellation of ' || e.memo
			from journal_entries e where e.invoice_id = $1 and e.kind in ('invoice', 'credit_note', 'cash_refund')
			on conflict do nothing returning id, reverses)
		insert into journal_lines (entry_id, line_no, account, debit, credit)
		select rev.id, l.line_no, l.account, l.credit, l.debit from rev join journal_lines l on l.entry_id = rev.reverses`, invoiceID)
}

// postPayment writes a payment's entry (cash debited, the receivable credited) or, for
// its reversal, the other way round, once, in the books' currency at the invoice's rate.
// A cash sale's collection debits its cash box's account, any other payment the cash role's.
func (t *Tx) postPayment(paymentID int64, kind string) error {
	return t.exec(`with p as (
			select x.id, case when $2 = 'payment' then x.paid_on else current_date end as day, v.id as invoice_id, i.currency,
			       round(x.amount * case when v.currency = i.currency then 1 else v.rate end, cur.decimals) as amount,
			       coalesce(c.receivable_account, (select account from ledger_accounts where role = 'receivable')) as receivable,
			       coalesce((select b.account from cash_movements m join cash_boxes b on b.code = m.box where m.payment_id = x.id),
			                (select account from ledger_accounts where role = 'cash')) as cash, v.series || '-' || v.number as invoice
			from receivable_payments x join receivables r on r.id = x.receivable_id join invoices v on v.id = r.invoice_id
			join issuers i on i.code = v.issuer join currencies cur on cur.code = i.currency join customers c on c.code = v.customer
			where x.id = $1),
		e as (
			insert into journal_entries (entry_date, kind, invoice_id, payment_id, currency, debit, credit, memo)
			select day, $2, invoice_id, id, currency, amount, amount, $2 || ' of ' || invoice from p where amount > 0
			on conflict do nothing returning id)
		insert into journal_lines (entry_id, line_no, account, debit, credit)
		select e.id, 1, case when $2 = 'payment' then p.cash else p.receivable end, p.amount, 0 from e, p
		union all
		select e.id, 2, case when $2 = 'payment' then p.receivable else p.cash end, 0, p.amount from e, p`, paymentID, kind)
}

// JournalLine is one posting as the journal export writes it.
type JournalLine struct {
	Entry    int64
	Date     time.Time
	Kind     string
	Document string // the invoice's number, or its id while it has none
	Customer string
	Account  string
	Debit    decimal.Decimal
	Credit   decimal.Decimal
	Currency string
	Memo     string
}

// Journal reads the postings of the entries dated from..to, in entry and line order.
func (s *Store) Journal(ctx context.Context, from, to time.Time) ([]JournalLine, error) {
	rows, err := s.pool.Query(ctx, `
		select e.id, e.entry_date, e.kind, coalesce(v.series || '-' || v.number, 'invoice ' || v.id, ''), coalesce(v.customer, ''),
		       l.account, l.debit, l.credit, e.currency, e.memo
		from journal_entries e join journal_lines l on l.entry_id = e.id left join invoices v on v.id = e.invoice_id
		where e.entry_date between $1 and $2 order by e.id, l.line_no`, from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (JournalLine, error) {
		var x JournalLine
		return x, r.Scan(&x.Entry, &x.Date, &x.Kind, &x.Document, &x.Customer, &x.Account, &x.Debit, &x.Credit, &x.Currency, &x.Memo)
	})
}
