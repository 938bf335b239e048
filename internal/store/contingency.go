package store

import (
	"errors"

	"github.com/jackc/pgx/v5"

	"billrun/internal/fiscal"
	"billrun/internal/importfmt"
	"billrun/internal/rules"
)

// Contingency documents (migration 034): paper documents on DGI's contingency series,
// recorded as completed invoices of no batch (document_kind 'contingency'), each with its
// CFE's identity, CAE and the digest of the record it was imported from.

// ContingencyKnown reads what the file's documents refer to (its series, customers, items),
// and the contingency documents recorded already with their invoices' ids.
func (t *Tx) ContingencyKnown(series, customers, items []string) (importfmt.ContingencyKnown, map[importfmt.ContingencyID]int64, error) {
	k := importfmt.ContingencyKnown{Series: map[string]importfmt.ContingencySeries{}, CAEs: map[string][]rules.CAE{},
		Customers: map[string]importfmt.ContingencyCustomer{}, Items: map[string]string{}, Currencies: map[string]int32{},
		Terms: map[string]importfmt.ContingencyTerms{}, Recorded: map[importfmt.ContingencyID]string{}}
	ids := map[importfmt.ContingencyID]int64{}
	read := func(sql string, args []any, scan func(pgx.CollectableRow) error) error {
		rows, err := t.tx.Query(t.ctx, sql, args...)
		if err != nil {
			return err
		}
		_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) { return struct{}{}, scan(r) })
		return err
	}
	steps := []struct {
		sql  string
		args []any
		scan func(pgx.CollectableRow) error
	}{
		{`select s.code, s.issuer, i.country, coalesce(s.cfe_type, 0) from series s join issuers i on i.code = s.issuer where s.code = any($1)`, []any{series},
			func(r pgx.CollectableRow) error {
				var code string
				var s importfmt.ContingencySeries
				err := r.Scan(&code, &s.Issuer, &s.Country, &s.CFEType)
				k.Series[code] = s
				return err
			}},
		{`select series, id, cae, cfe_series, first_number, last_number, expires from caes where series = any($1) order by series, first_number`, []any{series},
			func(r pgx.CollectableRow) error {
				var s string
				var c rules.CAE
				err := r.Scan(&s, &c.ID, &c.Number, &c.CFESeries, &c.First, &c.Last, &c.Expires)
				k.CAEs[s] = append(k.CAEs[s], c)
				return err
			}},
		{`select code, payment_terms, is_generic or tax_id_kind = 'generic' from customers where code = any($1)`, []any{customers},
			func(r pgx.CollectableRow) error {
				var code string
				var c importfmt.ContingencyCustomer
				err := r.Scan(&code, &c.PaymentTerms, &c.Generic)
				k.Customers[code] = c
				return err
			}},
		{`select code, description from items where code = any($1)`, []any{items},
			func(r pgx.CollectableRow) error {
				var code, d string
				err := r.Scan(&code, &d)
				k.Items[code] = d
				return err
			}},
		{`select code, decimals from currencies`, nil, func(r pgx.CollectableRow) error {
			var code string
			var d int32
			err := r.Scan(&code, &d)
			k.Currencies[code] = d
			return err
		}},
		{`select code, kind, days from payment_terms`, nil, func(r pgx.CollectableRow) error {
			var code string
			var x importfmt.ContingencyTerms
			err := r.Scan(&code, &x.Kind, &x.Days)
			k.Terms[code] = x
			return err
		}},
		{`select invoice_id, issuer, cfe_type, cfe_series, number, fingerprint from contingency_documents`, nil, func(r pgx.CollectableRow) error {
			var id int64
			var key importfmt.ContingencyID
			var fp string
			err := r.Scan(&id, &key.Issuer, &key.CFEType, &key.CFESeries, &key.Number, &fp)
			k.Recorded[key], ids[key] = fp, id
			return err
		}},
	}
	for _, s := range steps {
		if err := read(s.sql, s.args, s.scan); err != nil {
			return k, nil, err
		}
	}
	return k, ids, nil
}

// InsertContingency records a checked contingency document: its invoice, completed and
// numbered with the paper's number under its CAE (unique in its series), its lines, its
// CFE's identity (unique per issuer, type, series letter and number), and its receivable.
// It answers the invoice's id.
func (t *Tx) InsertContingency(r importfmt.ContingencyRecord) (int64, error) {
	var id int64
	s := r.Totals
	err := t.tx.QueryRow(t.ctx, `
		insert into invoices (batch_id, group_no, issuer, series, document_kind, number, customer, currency, rate, payment_terms, invoice_date,
		                      status, delivery_status, amount, discount, subtotal, vat, total, cae, completed_at)
		values (null, 1, $1, $2, 'contingency', $3, $4, $5, $6, $7, $8, 'completed', 'skipped', $9, $10, $11, $12, $13, $14, now()) returning id`,
		r.Issuer, r.Series, r.Number, r.Customer, r.Currency, r.Rate, r.PaymentTerms, r.Date,
		s.Amount, s.Discount, s.Subtotal, s.VAT, s.Total, r.CAEID).Scan(&id)
	if err != nil {
		return 0, err
	}
	for i, l := range r.Lines {
		a := l.Amounts
		if err := t.exec(`insert into invoice_lines (invoice_id, line_no, source_kind, source_id, partner, item, description, quantity, unit_price,
			discount_pct, amount, discount, subtotal, vat_rate, vat, total, vat_base)
			values ($1, $2, 'contingency', $16, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			id, i+1, r.Customer, l.Item, l.Description, l.Quantity, l.Price, a.DiscountPct, a.Amount, a.Discount, a.Subtotal,
			a.VATRate, a.VAT, a.Total, a.VATBase, int64(i+1)); err != nil {
			return 0, err
		}
	}
	var refType, refNumber *int64
	var refSeries *string
	reason := ""
	if ref := r.Reference; ref != nil {
		tp, n := int64(ref.CFEType), ref.Number
		refType, refNumber, refSeries, reason = &tp, &n, &ref.CFESeries, ref.Reason
	}
	if err := t.exec(`insert into contingency_documents (invoice_id, issuer, cfe_type, cfe_series, number, cae, fingerprint,
		ref_type, ref_series, ref_number, ref_date, ref_reason) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		id, r.Issuer, r.CFEType, r.CFESeries, r.Number, r.CAEID, r.Fingerprint, refType, refSeries, refNumber, r.RefDate, reason); err != nil {
		return 0, err
	}
	if rc := r.Receivable; rc != nil {
		if _, err := t.PostReceivable(InvoiceHead{ID: id, Customer: r.Customer, Currency: r.Currency, Total: s.Total}, rc.Kind, rc.DueDate); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// contingencyReference is the CFE a contingency note corrects, as its paper names it; nil
// for a document that corrects none.
func (t *Tx) contingencyReference(id int64) (*fiscal.Related, error) {
	var r fiscal.Related
	err := t.tx.QueryRow(t.ctx, `select ref_type, ref_series, ref_number, ref_date, ref_reason
		from contingency_documents where invoice_id = $1 and ref_type is not null`, id).Scan(&r.DocumentType, &r.AuthoritySeries, &r.Number, &r.Date, &r.Reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	r.Series = r.AuthoritySeries
	return &r, err
}
