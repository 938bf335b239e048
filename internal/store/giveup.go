package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
)

// Giving up: a draft batch rejected, a failed invoice abandoned. Their claims on their
// sources are given back so a later batch bills them; the invoices stay, voided or
// abandoned, with no number, and the audit trail says who gave up and why.

// releaseClaims gives back what an invoice that was never completed claimed: order lines'
// quantities from "in billing" to "to invoice", installments complete again, its shares of
// plan events released (the events planned again once none of their invoices stands).
func (t *Tx) releaseClaims(invoiceID int64) error {
	for _, sql := range []string{`
		update sales_order_lines ol set qty_in_billing = ol.qty_in_billing - l.quantity, qty_to_invoice = ol.qty_to_invoice + l.quantity
		from invoice_lines l where l.invoice_id = $1 and l.source_kind = 'order_line' and ol.id = l.source_id`, `
		update installments set state = 'complete'
		where state = 'in_billing' and id in (select source_id from invoice_lines where invoice_id = $1 and source_kind = 'installment')`,
	} {
		if err := t.exec(sql, invoiceID); err != nil {
			return err
		}
	}
	return t.releaseEventShares(invoiceID)
}

// RejectBatch rejects a draft batch awaiting approval: its drafts are voided and their
// sources billable again, the batch is rejected with the reason. Rejecting it again is a
// no-op; a batch that is not a draft awaiting approval is refused.
func (s *Store) RejectBatch(ctx context.Context, batchID, reason string) (again bool, err error) {
	err = s.InTx(ctx, func(t *Tx) error {
		var status string
		err := t.tx.QueryRow(ctx, `select status from batches where id = $1 for update`, batchID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("batch %s: %w", batchID, model.ErrNotFound)
		}
		switch {
		case err != nil:
			return err
		case status == "rejected":
			again = true
			return nil
		case status != "awaiting_approval":
			return &model.InputError{Problems: []string{fmt.Sprintf("batch %s is %s: only a draft batch awaiting approval is rejected", batchID, status)}}
		}
		rows, err := t.tx.Query(ctx, `select id from invoices where batch_id = $1 and status = 'draft' order by id for update`, batchID)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := t.releaseClaims(id); err != nil {
				return err
			}
			if err := t.exec(`update invoices set status = 'voided', error_step = 'rejected', error_reason = $2 where id = $1`, id, reason); err != nil {
				return err
			}
			if err := t.Audit(batchID, id, "rejected", 0, "voided", reason); err != nil {
				return err
			}
		}
		if err := t.exec(`update batches set status = 'rejected', error = $2, finished_at = now() where id = $1`, batchID, "rejected: "+reason); err != nil {
			return err
		}
		return t.Audit(batchID, 0, "batch", 0, "rejected", fmt.Sprintf("%s (%d drafts voided, their sources billable again)", reason, len(ids)))
	})
	return again, err
}

// AbandonInvoice gives up a failed invoice: its sources are billable again by a later
// batch, it never takes a number, and it stays abandoned with its failure and the reason.
// Abandoning it again is a no-op; an invoice that is not failed is refused.
func (s *Store) AbandonInvoice(ctx context.Context, id int64, reason string) (again bool, err error) {
	err = s.InTx(ctx, func(t *Tx) error {
		h, err := t.LockInvoice(id)
		if err != nil {
			return err
		}
		switch h.Status {
		case "abandoned":
			again = true
			return nil
		case "failed":
		default:
			return &model.InputError{Problems: []string{fmt.Sprintf("invoice %d is %s: only a failed invoice is abandoned", id, h.Status)}}
		}
		if err := t.releaseClaims(id); err != nil {
			return err
		}
		if err := t.exec(`update invoices set status = 'abandoned' where id = $1`, id); err != nil {
			return err
		}
		return t.Audit(h.BatchID, id, "abandon", h.Attempt, "abandoned", reason)
	})
	return again, err
}
