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
		with unstamped as ( -- waiting for the PAC or DGI; a refused one waits for an operator instead
			select d.sealed_at, i.country from invoices v join fiscal_documents d on d.invoice_id = v.id join issuers i on i.code = v.issuer
			where v.status = 'completed' and v.fiscal_status = 'sealed' and v.fiscal_error = '')
		select (select count(*) from invoices where status = 'failed'),
		       (select count(*) from unstamped),
		       -- SAT's 72 hours are Mexico's: the age is of the oldest CFDI waiting
		       coalesce((select extract(epoch from now() - min(sealed_at))::float8 from unstamped where country = 'MX'), 0),
		       (select count(*) from invoices v join issuers i on i.code = v.issuer
		        where i.country = 'UY' and v.status = 'completed' and v.fiscal_error like 'stamping:%'),
		       (select count(*) from invoices where status = 'completed' and delivery_status in ('failed', 'uncertain')),
		       (select count(*) from invoices where status = 'completed' and delivery_status = 'skipped'),
		       coalesce((select extract(epoch from finished_at - created_at)::float8 from batches
		                 where finished_at is not null order by finished_at desc limit 1), 0)`).
		Scan(&g.FailedOpen, &g.UnstampedBacklog, &g.UnstampedOldestAge, &g.DGIRefusals, &g.Undelivered, &g.Skipped, &g.LastBatchDuration)
	return g, err
}
