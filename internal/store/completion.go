package store

import (
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/rules"
)

// CompletionFacts are what completing an invoice decides on, read with it: the e-Ticket
// threshold's facts (TicketFacts'), its journal entry's (SaleFacts') and, for a cash sale
// with an open receivable, what collecting it takes (CashSaleFacts', under the
// receivable's row lock).
type CompletionFacts struct {
	Ticket    rules.Ticket
	UI        *rules.UIValue
	Threshold *rules.TicketThreshold
	Sale      rules.Sale
	Journal   JournalHead
	Cash      CashSale
	CashFound bool
}

// LockForCompletion reads an invoice under its row lock with its CompletionFacts, in one
// statement: the invoice's row first (a materialized CTE), then its receivable's.
func (t *Tx) LockForCompletion(id int64) (InvoiceHead, CompletionFacts, error) {
	var f CompletionFacts
	var cfeType *int
	var u uiLimit
	var kind string
	var c cashRow
	var l saleRow
	h, err := t.lockedRead(id, `with h as materialized (
			select `+headColumns+`, v.issuer, v.rate, v.vat, v.credit_kind from invoices v where v.id = $1 for update of v)
		select `+headColumnNames+`, s.cfe_type, c.code, (c.is_generic or c.tax_id_kind = 'generic'), h.vat, h.rate,
		       `+strings.ReplaceAll(uiLimitColumns, "v.invoice_date", "h.invoice_date")+`,
		       coalesce(c.receivable_account, ''), case when h.currency = i.currency then 1 else h.rate end, cur.decimals, i.currency,
		       (select jsonb_object_agg(role, account) from ledger_accounts),
		       cs.cash_box, cs.box_currency, cs.box_decimals, cs.forma_pago, cs.receivable_id, cs.balance,
		       sl.revenue_account, sl.subtotal, sl.vat, sl.excise, sl.vat_withheld, sl.isr_withheld, sl.quantity, sl.cost
		from h join series s on s.code = h.series join customers c on c.code = h.customer
		join issuers i on i.code = h.issuer join currencies cur on cur.code = i.currency
		left join lateral (
			select pt.cash_box, b.currency as box_currency, bc.decimals as box_decimals, pt.forma_pago, r.id as receivable_id, r.balance
			from payment_terms pt join cash_boxes b on b.code = pt.cash_box join currencies bc on bc.code = b.currency
			join receivables r on r.invoice_id = h.id and r.status = 'open'
			where pt.code = h.payment_terms and h.document_kind <> 'credit_note' and r.balance > 0 for update of r) cs on true
		left join lateral (
			select coalesce(it.revenue_account, '') as revenue_account, l.subtotal, l.vat, l.excise, l.vat_withheld, l.isr_withheld,
			       case when it.stocked and it.cost is not null and not l.delivered and s.discharge_stock and coalesce(h.credit_kind, 'return') = 'return'
			            then l.quantity else 0 end as quantity, coalesce(it.cost, 0) as cost, l.line_no
			from invoice_lines l join items it on it.code = l.item where l.invoice_id = h.id) sl on true
		order by sl.line_no`, []any{id},
		func(InvoiceHead) []any {
			c, l = cashRow{}, saleRow{}
			return append(append(append([]any{&cfeType, &f.Ticket.Customer, &f.Ticket.Anonymous, &f.Ticket.VAT, &f.Ticket.Rate}, u.dest()...),
				&f.Sale.Receivable, &f.Sale.Rate, &f.Sale.Decimals, &f.Journal.Currency, &f.Sale.Accounts,
				&c.box, &c.boxCurrency, &c.boxDecimals, &c.form, &c.receivable, &c.balance),
				&l.account, &l.subtotal, &l.vat, &l.excise, &l.vatWithheld, &l.isrWithheld, &l.quantity, &l.cost)
		},
		func() {
			if l.account != nil {
				f.Sale.Lines = append(f.Sale.Lines, rules.SaleLine{RevenueAccount: *l.account, Subtotal: *l.subtotal, VAT: *l.vat,
					Excise: *l.excise, VATWithheld: *l.vatWithheld, ISRWithheld: *l.isrWithheld, Quantity: *l.quantity, UnitCost: *l.cost})
			}
			if c.box != nil {
				f.CashFound = true
				f.Cash = CashSale{Box: *c.box, BoxCurrency: *c.boxCurrency, BoxDecimals: *c.boxDecimals, Form: *c.form,
					ReceivableID: *c.receivable, Balance: *c.balance}
			}
		})
	if err != nil {
		return h, f, err
	}
	if cfeType != nil {
		f.Ticket.CFEType = *cfeType
	}
	f.Ticket.Currency, f.Ticket.Total, f.Ticket.Date = h.Currency, h.Total, h.InvoiceDate
	f.UI, f.Threshold = u.values()
	kind = h.DocumentKind
	f.Journal.InvoiceID, f.Journal.Date, f.Journal.Kind, f.Journal.Memo = id, h.InvoiceDate, "invoice", kind+" to "+h.Customer
	if kind == "credit_note" {
		f.Journal.Kind = "credit_note"
	}
	if f.CashFound {
		f.Cash.InvoiceCurrency, f.Cash.BooksCurrency, f.Cash.Rate, f.Cash.Date = h.Currency, f.Journal.Currency, f.Sale.Rate, h.InvoiceDate
	}
	return h, f, nil
}

// cashRow and saleRow are the cash sale's and a sale line's columns of LockForCompletion's
// read (nulls: none), fresh each row.
type cashRow struct {
	box, boxCurrency, form *string
	boxDecimals            *int32
	receivable             *int64
	balance                *decimal.Decimal
}

type saleRow struct {
	account                                                         *string
	subtotal, vat, excise, vatWithheld, isrWithheld, quantity, cost *decimal.Decimal
}

// SeriesLock is a series' numbering facts read under its row lock (LockSeries').
type SeriesLock struct {
	Next          int64
	Closing, Last *time.Time
	ByCAE         bool
}

// SettleAndLockSeries does, in one round trip, what completion writes before its number
// and then takes the series' row lock: the sources' bookkeeping (settle), the
// journal entry when there are postings (PostJournal), and LockSeries' read. Each
// statement runs after the one before, with its own snapshot, as if sent one by one.
func (t *Tx) SettleAndLockSeries(invoiceID int64, kinds []string, jh JournalHead, ps []rules.Posting, series string) (SeriesLock, error) {
	var s SeriesLock
	b := &pgx.Batch{}
	for _, k := range kinds {
		for _, sql := range settle[k] {
			b.Queue(sql, invoiceID)
		}
	}
	if len(ps) > 0 {
		b.Queue(postJournalSQL, journalArgs(jh, ps)...)
	}
	b.Queue(lockSeriesSQL, series).QueryRow(func(r pgx.Row) error {
		return r.Scan(&s.Next, &s.Closing, &s.Last, &s.ByCAE)
	})
	return s, t.tx.SendBatch(t.ctx, b).Close()
}

// NumberAudited gives the invoice its number and marks it completed (as Number), with the
// step's audit row, in one statement.
func (t *Tx) NumberAudited(h InvoiceHead, number int64, a AuditRow) error {
	return t.exec(`with s as (update series set next_number = $3 + 1, last_date = $2 where code = $1),
		v as (update invoices set status = 'completed', number = $3, completed_at = now() where id = $4)
		`+auditInsert(5), append([]any{h.Series, h.InvoiceDate, number, h.ID}, a.args()...)...)
}
