package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
)

// openInvoice is what an invoice workflow still has to do: a draft or processing invoice
// to complete, or a completed one to seal (not one whose sealing failed: it waits for a
// reseal, which clears the error).
const openInvoice = `(status in ('draft', 'processing') or (status = 'completed' and fiscal_status = 'unsealed' and fiscal_error = ''))`

// ListOpenInvoices pages through a batch's invoices still to run, by group number after
// afterGroup, so no payload grows with the batch.
func (s *Store) ListOpenInvoices(ctx context.Context, batchID string, afterGroup, limit int) ([]model.InvoiceRef, error) {
	rows, err := s.pool.Query(ctx, `
		select id, group_no, customer from invoices
		where batch_id = $1 and group_no > $2 and `+openInvoice+`
		order by group_no limit $3`, batchID, afterGroup, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.InvoiceRef, error) {
		var v model.InvoiceRef
		return v, r.Scan(&v.ID, &v.GroupNo, &v.Customer)
	})
}

// ReadSummary computes a batch's summary.
func (s *Store) ReadSummary(ctx context.Context, batchID string) (model.Summary, error) {
	sum := model.Summary{BatchID: batchID, Amounts: map[string]string{}, Deliveries: map[string]int{}, Waiting: []string{}}
	b, err := s.LoadBatch(ctx, batchID)
	if err != nil {
		return sum, err
	}
	sum.Status, sum.Error, sum.RateSource, sum.Selection = b.Status, b.Error, b.Rates.Source, b.Params.Selection()
	err = s.pool.QueryRow(ctx, `
		select (select count(*) from batch_lines where batch_id = $1),
		       (select count(*) from batch_lines bl join invoices v on v.id = bl.invoice_id where bl.batch_id = $1 and v.status = 'completed'),
		       (select count(*) from batch_lines where batch_id = $1 and outcome = 'skipped'),
		       count(*), count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed'),
		       count(*) filter (where status in ('draft', 'processing')),
		       count(*) filter (where status = 'completed' and fiscal_error <> ''),
		       count(*) filter (where status = 'completed' and fiscal_status in ('stamped', 'pdf')),
		       count(*) filter (where status = 'completed' and fiscal_status = 'pdf'),
		       count(*) filter (where status = 'cancelled')
		from invoices where batch_id = $1`, batchID).
		Scan(&sum.LinesSelected, &sum.LinesInvoiced, &sum.LinesSkipped, &sum.Invoices, &sum.Completed, &sum.Failed, &sum.Pending, &sum.Unsealed,
			&sum.Stamped, &sum.Printed, &sum.Cancelled)
	if err != nil {
		return sum, err
	}
	drows, err := s.pool.Query(ctx, `select delivery_status, count(*) from invoices where batch_id = $1 and status = 'completed' group by 1`, batchID)
	if err != nil {
		return sum, err
	}
	for drows.Next() {
		var st string
		var n int
		if err := drows.Scan(&st, &n); err != nil {
			drows.Close()
			return sum, err
		}
		sum.Deliveries[st] = n
	}
	drows.Close()
	rows, err := s.pool.Query(ctx, `select currency, sum(case when document_kind = 'credit_note' then -total else total end) from invoices where batch_id = $1 and status = 'completed' group by currency order by currency`, batchID)
	if err != nil {
		return sum, err
	}
	defer rows.Close()
	for rows.Next() {
		var cur string
		var total decimal.Decimal
		if err := rows.Scan(&cur, &total); err != nil {
			return sum, err
		}
		sum.Amounts[cur] = total.StringFixed(2)
	}
	return sum, rows.Err()
}

// PrepareRetries turns the batch's failed invoices (all, or those named) into drafts of a
// new attempt dated date, or the series' last numbered date when that is later (numbers
// never run backwards in time), and clears the fiscal error of completed ones so they are
// sealed again. It answers how many it turned; the batch then runs every open invoice, so
// a run after a lost answer (which turns none) leaves nothing behind.
func (s *Store) PrepareRetries(ctx context.Context, batchID string, invoiceIDs []int64, date string) (int, error) {
	n := 0
	err := s.InTx(ctx, func(t *Tx) error {
		rows, err := t.tx.Query(ctx, `
			update invoices v set status = 'draft', attempt = v.attempt + 1,
			       invoice_date = greatest($3::date, coalesce(s.last_date, $3::date))
			from series s where s.code = v.series and v.batch_id = $1 and ($2::bigint[] is null or v.id = any($2)) and v.status = 'failed'
			returning v.id, v.attempt, v.invoice_date::text`, batchID, invoiceIDs, date)
		if err != nil {
			return err
		}
		type turned struct {
			id      int64
			attempt int
			date    string
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (turned, error) {
			var v turned
			return v, r.Scan(&v.id, &v.attempt, &v.date)
		})
		if err != nil {
			return err
		}
		for _, v := range list {
			if err := t.Audit(batchID, v.id, "retry", v.attempt, "ok", fmt.Sprintf("attempt %d dated %s", v.attempt, v.date)); err != nil {
				return err
			}
		}
		tag, err := t.tx.Exec(ctx, `update invoices set fiscal_error = '', publish_attempt = publish_attempt + 1
			where batch_id = $1 and ($2::bigint[] is null or id = any($2)) and status = 'completed' and fiscal_error <> ''`, batchID, invoiceIDs)
		n = len(list) + int(tag.RowsAffected())
		return err
	})
	return n, err
}

// PrepareRetry turns failed invoices back into drafts for a new attempt, only those that
// are failed and belong to the batch; it answers the ones it turned. Completed invoices
// whose sealing or printing failed run again as they are (completion is a no-op for them).
func (s *Store) PrepareRetry(ctx context.Context, batchID string, invoiceIDs []int64) ([]model.InvoiceRef, error) {
	var out []model.InvoiceRef
	err := s.InTx(ctx, func(t *Tx) error {
		rows, err := t.tx.Query(ctx, `
			update invoices set status = case when status = 'failed' then 'draft' else status end,
			                    attempt = case when status = 'failed' then attempt + 1 else attempt end
			where batch_id = $1 and ($2::bigint[] is null or id = any($2))
			  and (status = 'failed' or (status = 'completed' and fiscal_error <> ''))
			returning id, group_no, customer, attempt`, batchID, invoiceIDs)
		if err != nil {
			return err
		}
		type turned struct {
			model.InvoiceRef
			attempt int
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (turned, error) {
			var v turned
			return v, r.Scan(&v.ID, &v.GroupNo, &v.Customer, &v.attempt)
		})
		if err != nil {
			return err
		}
		for _, v := range list {
			out = append(out, v.InvoiceRef)
			if err := t.Audit(batchID, v.ID, "retry", v.attempt, "ok", fmt.Sprintf("attempt %d", v.attempt)); err != nil {
				return err
			}
		}
		return nil
	})
	// A stable order for the workflow: by group number.
	slices.SortFunc(out, func(x, y model.InvoiceRef) int { return x.GroupNo - y.GroupNo })
	return out, err
}
