package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// Uruguay's daily report (migration 026): the facts of an issuer's day of CFE, read for the
// activity that builds the report, and each sending of it with DGI's answer.

// ReportIssuer is a Uruguayan issuer as its daily report needs it.
type ReportIssuer struct {
	Code, RUT, Country, Branch string
	CertPath, KeyPath          string
	PasswordEnv                string // the environment variable holding the key's password
}

// DayCFE is one CFE number an issuer used on a day (its invoice date), with what its report
// needs: where its document stands and DGI's latest answer, its amounts by VAT rate.
type DayCFE struct {
	InvoiceID    int64
	Type         int    // the series' CFE type
	Series       string // the CAE's series letter (DGI's)
	Number       int64
	Branch       string // the issuer's DGI branch
	Status       string // the invoice's
	FiscalStatus string
	FiscalError  string
	AuthorityAck string // DGI's latest answer to its document, as received ("" none)
	Anonymous    bool   // a consumer who gave no document (the generic customer)
	Currency     string
	Rate         decimal.Decimal // pesos per unit of Currency (1 for UYU)
	Total        decimal.Decimal
	Rates        []RateAmount // the lines' subtotals and VAT, summed per VAT rate
}

// RateAmount is the net amount and VAT of a document's lines at one VAT rate.
type RateAmount struct {
	Rate, Net, VAT decimal.Decimal
}

// DailyReport is one sending of an issuer's daily report.
type DailyReport struct {
	Issuer     string     `json:"issuer"`
	Day        time.Time  `json:"day"`
	Sequence   int        `json:"sequence"`
	XML        string     `json:"-"`
	CFE        int        `json:"cfe"`
	State      string     `json:"state"` // sending, received, rejected
	Ack        string     `json:"-"`
	Reason     string     `json:"reason,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// ReportIssuer reads an issuer for its daily report.
func (t *Tx) ReportIssuer(code string) (ReportIssuer, error) {
	var r ReportIssuer
	err := t.tx.QueryRow(t.ctx, `select code, rfc, country, branch, csd_certificate, csd_key, csd_password_env from issuers where code = $1`, code).
		Scan(&r.Code, &r.RUT, &r.Country, &r.Branch, &r.CertPath, &r.KeyPath, &r.PasswordEnv)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("issuer %s: %w", code, model.ErrNotFound)
	}
	return r, err
}

// DayCFE reads the CFE numbers an issuer used on a day, by type, series and number.
func (t *Tx) DayCFE(issuer string, day time.Time) ([]DayCFE, error) {
	rows, err := t.tx.Query(t.ctx, `select v.id, s.cfe_type, a.cfe_series, v.number, i.branch, v.status, v.fiscal_status, v.fiscal_error,
		coalesce(d.authority_ack, ''), (c.is_generic or c.tax_id_kind = 'generic'), v.currency, v.rate, v.total
		from invoices v join series s on s.code = v.series join caes a on a.id = v.cae
		join issuers i on i.code = v.issuer join customers c on c.code = v.customer
		left join fiscal_documents d on d.invoice_id = v.id
		where v.issuer = $1 and v.invoice_date = $2 and v.number is not null and s.cfe_type is not null
		order by s.cfe_type, a.cfe_series, v.number`, issuer, day)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DayCFE, error) {
		var c DayCFE
		return c, r.Scan(&c.InvoiceID, &c.Type, &c.Series, &c.Number, &c.Branch, &c.Status, &c.FiscalStatus, &c.FiscalError,
			&c.AuthorityAck, &c.Anonymous, &c.Currency, &c.Rate, &c.Total)
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	byID := map[int64]*DayCFE{}
	for i := range out {
		byID[out[i].InvoiceID] = &out[i]
	}
	rows, err = t.tx.Query(t.ctx, `select l.invoice_id, l.vat_rate, sum(l.subtotal), sum(l.vat) from invoice_lines l
		where l.invoice_id = any($1) group by 1, 2 order by 1, 2`, keys(byID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a RateAmount
		if err := rows.Scan(&id, &a.Rate, &a.Net, &a.VAT); err != nil {
			return nil, err
		}
		byID[id].Rates = append(byID[id].Rates, a)
	}
	return out, rows.Err()
}

func keys(m map[int64]*DayCFE) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// DailyReports lists an issuer's sendings of a day's report, first to last.
func (s *Store) DailyReports(ctx context.Context, issuer string, day time.Time) ([]DailyReport, error) {
	var out []DailyReport
	err := s.InTx(ctx, func(t *Tx) (err error) {
		out, err = t.DailyReports(issuer, day)
		return err
	})
	return out, err
}

// DailyReports lists an issuer's sendings of a day's report, first to last.
func (t *Tx) DailyReports(issuer string, day time.Time) ([]DailyReport, error) {
	rows, err := t.tx.Query(t.ctx, `select issuer, day, sequence, xml, cfe_count, state, coalesce(ack, ''), reason, created_at, answered_at
		from daily_reports where issuer = $1 and day = $2 order by sequence`, issuer, day)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DailyReport, error) {
		var d DailyReport
		return d, r.Scan(&d.Issuer, &d.Day, &d.Sequence, &d.XML, &d.CFE, &d.State, &d.Ack, &d.Reason, &d.CreatedAt, &d.AnsweredAt)
	})
}

// RecordDailyReport records a sending of a day's report, about to be sent, under the
// sequence its caller gave it; false when that sequence, or another sending of the day
// waiting for its answer, is recorded already (a concurrent run: read again).
func (t *Tx) RecordDailyReport(r DailyReport) (bool, error) {
	tag, err := t.tx.Exec(t.ctx, `insert into daily_reports (issuer, day, sequence, xml, cfe_count) values ($1, $2, $3, $4, $5)
		on conflict do nothing`, r.Issuer, r.Day, r.Sequence, r.XML, r.CFE)
	return tag.RowsAffected() == 1, err
}

// AnswerDailyReport keeps DGI's answer to a sending, only while it waits for one: a second
// answer to the same sending changes nothing.
func (t *Tx) AnswerDailyReport(issuer string, day time.Time, sequence int, state, ack, reason string) (bool, error) {
	tag, err := t.tx.Exec(t.ctx, `update daily_reports set state = $4, ack = $5, reason = $6, answered_at = now()
		where issuer = $1 and day = $2 and sequence = $3 and state = 'sending'`, issuer, day, sequence, state, ack, reason)
	return tag.RowsAffected() == 1, err
}

// UruguayanIssuers lists the issuers that issue CFE.
func (s *Store) UruguayanIssuers(ctx context.Context) ([]string, error) {
	return s.countries(ctx, `select code from issuers where country = 'UY' order by code`)
}

// ReportDays reads where an issuer's days from..to stand: each day with a sending or a CFE
// number used, its last sending's state, and whether documents of the day were recorded or
// stamped after that sending (contingency documents imported later; a CFE DGI refused,
// restamped after the day was reported, that DGI received since).
func (t *Tx) ReportDays(issuer string, from, to time.Time) ([]rules.ReportDay, error) {
	rows, err := t.tx.Query(t.ctx, `
		with days as (
			select day from daily_reports where issuer = $1 and day between $2 and $3
			union select v.invoice_date from invoices v join series s on s.code = v.series
			where v.issuer = $1 and v.invoice_date between $2 and $3 and v.number is not null and s.cfe_type is not null),
		last as (select distinct on (day) day, state, created_at from daily_reports where issuer = $1 and day between $2 and $3 order by day, sequence desc)
		select to_char(d.day, 'YYYY-MM-DD'), coalesce(l.state, ''),
			l.created_at is not null and (exists (select 1 from contingency_documents c join invoices v on v.id = c.invoice_id
				where v.issuer = $1 and v.invoice_date = d.day and c.imported_at > l.created_at)
			  or exists (select 1 from fiscal_documents f join invoices v on v.id = f.invoice_id
				where v.issuer = $1 and v.invoice_date = d.day and f.stamped_at > l.created_at))
		from days d left join last l on l.day = d.day order by d.day`, issuer, from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.ReportDay, error) {
		var d rules.ReportDay
		return d, r.Scan(&d.Day, &d.LastState, &d.RecordedSince)
	})
}

// CFEDayReport is a CFE and the daily report DGI received last for its day (empty: none).
type CFEDayReport struct {
	Type     int
	Series   string
	Number   int64
	Day      time.Time
	Sequence int
	Report   string
}

// CFEDayReport reads invoice id's CFE and the last daily report DGI received for its issuer
// and day; ok is false when the invoice is no numbered CFE.
func (s *Store) CFEDayReport(ctx context.Context, id int64) (r CFEDayReport, ok bool, err error) {
	return cfeDayReport(s.pool.QueryRow(ctx, cfeDayReportSQL, id))
}

// CFEDayReport is Store.CFEDayReport within the transaction.
func (t *Tx) CFEDayReport(id int64) (r CFEDayReport, ok bool, err error) {
	return cfeDayReport(t.tx.QueryRow(t.ctx, cfeDayReportSQL, id))
}

const cfeDayReportSQL = `select s.cfe_type, a.cfe_series, v.number, v.invoice_date, coalesce(d.sequence, 0), coalesce(d.xml, '')
	from invoices v join series s on s.code = v.series join caes a on a.id = v.cae
	left join lateral (select sequence, xml from daily_reports r where r.issuer = v.issuer and r.day = v.invoice_date and r.state = 'received'
	                   order by sequence desc limit 1) d on true
	where v.id = $1 and v.number is not null and s.cfe_type is not null`

func cfeDayReport(row pgx.Row) (r CFEDayReport, ok bool, err error) {
	err = row.Scan(&r.Type, &r.Series, &r.Number, &r.Day, &r.Sequence, &r.Report)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}
