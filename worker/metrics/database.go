package metrics

import (
	"context"

	"billrun/internal/model"
)

// DatabaseGauges is a collector setting, at each scrape, the gauges the operators' alerts
// watch from the database (read by read); a scrape that cannot read them counts the error
// and keeps the last values.
func DatabaseGauges(read func(context.Context) (model.Gauges, error)) func(context.Context, *Registry) {
	return func(ctx context.Context, r *Registry) {
		g, err := read(ctx)
		if err != nil {
			r.Add("billrun_metrics_collect_errors_total", nil, 1)
			return
		}
		r.Add("billrun_metrics_collect_errors_total", nil, 0) // exported from the first scrape on, at 0
		r.Set("billrun_invoices_failed_open", nil, float64(g.FailedOpen))
		r.Set("billrun_unstamped_backlog", nil, float64(g.UnstampedBacklog))
		r.Set("billrun_unstamped_oldest_age_seconds", nil, g.UnstampedOldestAge)
		r.Set("billrun_dgi_refusals", nil, float64(g.DGIRefusals))
		r.Set("billrun_deliveries_undelivered", nil, float64(g.Undelivered))
		r.Set("billrun_deliveries_skipped", nil, float64(g.Skipped))
		r.Set("billrun_last_batch_duration_seconds", nil, g.LastBatchDuration)
	}
}
