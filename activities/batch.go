package activities

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// InvoiceRef is what the batch workflow needs to start one invoice's child workflow.
type InvoiceRef struct {
	ID       int64  `json:"id"`
	GroupNo  int    `json:"group_no"`
	Customer string `json:"customer"`
}

// ListOpenInvoices pages through a batch's invoices still to run (draft or processing),
// by group number after afterGroup. The workflow pages so no payload grows with the batch.
func (a *Activities) ListOpenInvoices(ctx context.Context, batchID string, afterGroup, limit int) ([]InvoiceRef, error) {
	rows, err := a.DB.Query(ctx, `
		select id, group_no, customer from invoices
		where batch_id = $1 and group_no > $2 and status in ('draft', 'processing')
		order by group_no limit $3`, batchID, afterGroup, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (InvoiceRef, error) {
		var v InvoiceRef
		return v, r.Scan(&v.ID, &v.GroupNo, &v.Customer)
	})
}

// Summary is a batch's live summary (seed 000): lines, invoices by status, amounts per currency.
type Summary struct {
	BatchID       string            `json:"batch_id"`
	Status        string            `json:"status"`
	LinesSelected int               `json:"lines_selected"`
	LinesInvoiced int               `json:"lines_invoiced"`
	LinesSkipped  int               `json:"lines_skipped"`
	Invoices      int               `json:"invoices"`
	Completed     int               `json:"completed"`
	Failed        int               `json:"failed"`
	Pending       int               `json:"pending"`
	Unsealed      int               `json:"unsealed"` // completed, but sealing or printing failed`
	Amounts       map[string]string `json:"amounts"`  // completed totals per currency
}

// BatchSummary reads the summary from the database.
func (a *Activities) BatchSummary(ctx context.Context, batchID string) (Summary, error) {
	return ReadSummary(ctx, a.DB, batchID)
}

// ReadSummary computes a batch's summary.
func ReadSummary(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, batchID string) (Summary, error) {
	s := Summary{BatchID: batchID, Amounts: map[string]string{}}
	b, err := LoadBatch(ctx, q, batchID)
	if err != nil {
		return s, err
	}
	s.Status = b.Status
	err = q.QueryRow(ctx, `
		select (select count(*) from batch_lines where batch_id = $1),
		       (select count(*) from batch_lines bl join invoices v on v.id = bl.invoice_id where bl.batch_id = $1 and v.status = 'completed'),
		       (select count(*) from batch_lines where batch_id = $1 and outcome = 'skipped'),
		       count(*), count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed'),
		       count(*) filter (where status in ('draft', 'processing')),
		       count(*) filter (where status = 'completed' and fiscal_error <> '')
		from invoices where batch_id = $1`, batchID).
		Scan(&s.LinesSelected, &s.LinesInvoiced, &s.LinesSkipped, &s.Invoices, &s.Completed, &s.Failed, &s.Pending, &s.Unsealed)
	if err != nil {
		return s, err
	}
	rows, err := q.Query(ctx, `select currency, sum(total) from invoices where batch_id = $1 and status = 'completed' group by currency order by currency`, batchID)
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var cur string
		var sum decimal.Decimal
		if err := rows.Scan(&cur, &sum); err != nil {
			return s, err
		}
		s.Amounts[cur] = sum.StringFixed(2)
	}
	return s, rows.Err()
}

// SetBatchStatus records the batch's phase (awaiting_approval, running, finished).
func (a *Activities) SetBatchStatus(ctx context.Context, batchID, status string) error {
	return inTx(ctx, a.DB, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `update batches set status = $2, finished_at = case when $2 = 'finished' then now() else finished_at end
			where id = $1 and status <> $2`, batchID, status)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return audit(ctx, tx, batchID, 0, "batch", 0, status, "")
	})
}

// PrepareRetry turns failed invoices back into drafts for a new attempt, only those that
// are failed and belong to the batch; it answers the ones it turned.
func (a *Activities) PrepareRetry(ctx context.Context, batchID string, invoiceIDs []int64) ([]InvoiceRef, error) {
	var out []InvoiceRef
	err := inTx(ctx, a.DB, func(tx pgx.Tx) error {
		// Failed invoices start a new attempt; completed ones whose sealing or printing
		// failed run again as they are (completion is a no-op for them).
		rows, err := tx.Query(ctx, `
			update invoices set status = case when status = 'failed' then 'draft' else status end,
			                    attempt = case when status = 'failed' then attempt + 1 else attempt end
			where batch_id = $1 and ($2::bigint[] is null or id = any($2))
			  and (status = 'failed' or (status = 'completed' and fiscal_error <> ''))
			returning id, group_no, customer, attempt`, batchID, invoiceIDs)
		if err != nil {
			return err
		}
		type turned struct {
			InvoiceRef
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
			if err := audit(ctx, tx, batchID, v.ID, "retry", v.attempt, "ok", fmt.Sprintf("attempt %d", v.attempt)); err != nil {
				return err
			}
		}
		return nil
	})
	// A stable order for the workflow: by group number.
	slices.SortFunc(out, func(x, y InvoiceRef) int { return x.GroupNo - y.GroupNo })
	return out, err
}
