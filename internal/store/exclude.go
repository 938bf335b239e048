package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
)

// ExcludeDrafts takes drafts out of a draft batch awaiting approval (seed 003: the operator
// excludes elements of the preview before approving): each is voided, step "excluded",
// and its sources are billable again by a later batch. Excluding one again is a no-op; an
// invoice that is not a draft of the batch is refused, naming it, and nothing is written.
func (s *Store) ExcludeDrafts(ctx context.Context, batchID string, ids []int64, reason string) (excluded []int64, err error) {
	err = s.InTx(ctx, func(t *Tx) error {
		var status string
		err := t.tx.QueryRow(ctx, `select status from batches where id = $1 for update`, batchID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("batch %s: %w", batchID, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status != "awaiting_approval" {
			return &model.InputError{Problems: []string{fmt.Sprintf("batch %s is %s: drafts are excluded only while it awaits approval", batchID, status)}}
		}
		var probs []string
		for _, id := range ids {
			var st, step, batch string
			err := t.tx.QueryRow(ctx, `select status, error_step, coalesce(batch_id, '') from invoices where id = $1 for update`, id).Scan(&st, &step, &batch)
			switch {
			case errors.Is(err, pgx.ErrNoRows) || (err == nil && batch != batchID):
				probs = append(probs, fmt.Sprintf("--exclude: invoice %d is not a draft of batch %s", id, batchID))
				continue
			case err != nil:
				return err
			case st == "voided" && step == "excluded":
				continue // excluded before
			case st != "draft":
				probs = append(probs, fmt.Sprintf("--exclude: invoice %d is %s, not a draft", id, st))
				continue
			}
			if err := t.releaseClaims(id); err != nil {
				return err
			}
			if err := t.exec(`update invoices set status = 'voided', error_step = 'excluded', error_reason = $2 where id = $1`, id, reason); err != nil {
				return err
			}
			if err := t.Audit(batchID, id, "excluded", 0, "voided", reason); err != nil {
				return err
			}
			excluded = append(excluded, id)
		}
		if len(probs) > 0 {
			return &model.InputError{Problems: probs}
		}
		return nil
	})
	return excluded, err
}
