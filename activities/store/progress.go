package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/activities/model"
)

// ListOpenInvoices pages through a batch's invoices still to run (draft or processing),
// by group number after afterGroup, so no payload grows with the batch.
func (s *Store) ListOpenInvoices(ctx context.Context, batchID string, afterGroup, limit int) ([]model.InvoiceRef, error) {
	rows, err := s.pool.Query(ctx, `
		select id, group_no, customer from invoices
		where batch_id = $1 and group_no > $2 and status in ('draft', 'processing')
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
	sum := model.Summary{BatchID: batchID, Amounts: map[string]string{}}
	b, err := s.LoadBatch(ctx, batchID)
	if err != nil {
		return sum, err
	}
	sum.Status = b.Status
	err = s.pool.QueryRow(ctx, `
		select (select count(*) from batch_lines where batch_id = $1),
		       (select count(*) from batch_lines bl join invoices v on v.id = bl.invoice_id where bl.batch_id = $1 and v.status = 'completed'),
		       (select count(*) from batch_lines where batch_id = $1 and outcome = 'skipped'),
		       count(*), count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed'),
		       count(*) filter (where status in ('draft', 'processing')),
		       count(*) filter (where status = 'completed' and fiscal_error <> '')
		from invoices where batch_id = $1`, batchID).
		Scan(&sum.LinesSelected, &sum.LinesInvoiced, &sum.LinesSkipped, &sum.Invoices, &sum.Completed, &sum.Failed, &sum.Pending, &sum.Unsealed)
	if err != nil {
		return sum, err
	}
	rows, err := s.pool.Query(ctx, `select currency, sum(total) from invoices where batch_id = $1 and status = 'completed' group by currency order by currency`, batchID)
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
