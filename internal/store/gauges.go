package store

import (
	"context"

	"billrun/internal/model"
)

// Gauges reads what the operators' alerts watch, across every batch: failed invoices
// waiting for someone, the stamping backlog and its oldest document's age, DGI's
// refusals, e-mails not delivered or skipped, and how long the last batch took.
func (s *Store) Gauges(ctx context.Context) (model.Gauges, error) {
	var g model.Gauges
	err := s.pool.QueryRow(ctx, `
		with unstamped as (
			select d.sealed_at from invoices v join fiscal_documents d on d.invoice_id = v.id
			where v.status = 'completed' and v.fiscal_status = 'sealed')
		select (select count(*) from invoices where status = 'failed'),
		       (select count(*) from unstamped),
		       coalesce((select extract(epoch from now() - min(sealed_at))::float8 from unstamped), 0),
		       (select count(*) from invoices v join issuers i on i.code = v.issuer
		        where i.country = 'UY' and v.status = 'completed' and v.fiscal_error like 'stamping:%'),
		       (select count(*) from invoices where status = 'completed' and delivery_status in ('failed', 'uncertain')),
		       (select count(*) from invoices where status = 'completed' and delivery_status = 'skipped'),
		       coalesce((select extract(epoch from finished_at - created_at)::float8 from batches
		                 where finished_at is not null order by finished_at desc limit 1), 0)`).
		Scan(&g.FailedOpen, &g.UnstampedBacklog, &g.UnstampedOldestAge, &g.DGIRefusals, &g.Undelivered, &g.Skipped, &g.LastBatchDuration)
	return g, err
}
