package metrics

import "strings"

// help says what each of billrun's own series means; the Temporal SDK's are named as such.
// deploy/prometheus/rules.yml and deploy/grafana/billrun.json use only these names (a test
// checks).
var help = map[string]string{
	"billrun_invoices_completed_total":     "Invoices completed (numbered), by series.",
	"billrun_invoices_failed_total":        "Invoices failed, by the step they failed at.",
	"billrun_amount_billed_total":          "Amount billed by completed invoices, by currency (for watching; the books are decimal).",
	"billrun_deliveries_total":             "E-mail deliveries by outcome: sent, skipped (no address), failed, uncertain.",
	"billrun_stamping_seconds":             "Time a PAC (or DGI) took to stamp one document, by outcome.",
	"billrun_invoices_failed_open":         "Invoices failed and neither retried nor abandoned: each waits for an operator (billrun batch report).",
	"billrun_unstamped_backlog":            "Completed invoices sealed and waiting to be stamped (PAC or DGI not reached yet; refused ones are not counted).",
	"billrun_unstamped_oldest_age_seconds": "Age of the oldest sealed CFDI waiting for its stamp; SAT stamps a CFDI within 72 hours of its Fecha.",
	"billrun_dgi_refusals":                 "Uruguayan invoices whose CFE DGI refused (billrun invoice reseal or restamp after the fix).",
	"billrun_deliveries_undelivered":       "Completed invoices whose e-mail the server refused or whose hand-over was interrupted.",
	"billrun_deliveries_skipped":           "Completed invoices not e-mailed: their customer has no e-mail address.",
	"billrun_last_batch_duration_seconds":  "Duration of the last finished batch, from its creation to its end (a draft's wait for approval included).",
	"billrun_metrics_collect_errors_total": "Scrapes whose database gauges could not be read.",
	"billrun_sql_statements_total":         "SQL statements sent to PostgreSQL, by the activity that sent them (other: outside activities).",
	"billrun_sql_seconds":                  "Time of the SQL statements sent to PostgreSQL, by the activity that sent them.",
}

// Help is a series' help text.
func Help(name string) string {
	if h, ok := help[name]; ok {
		return h
	}
	if strings.HasPrefix(name, "temporal_") {
		return "Temporal SDK metric " + name + " (see Temporal's SDK metrics reference)."
	}
	return "billrun metric " + name + "."
}

// Names are billrun's own series, as Help knows them.
func Names() []string {
	out := make([]string, 0, len(help))
	for n := range help {
		out = append(out, n)
	}
	return out
}
