package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/workflows"
)

// globalRefuses are batch create's flags that make no sense for a global invoice.
var globalRefuses = []string{"orders", "installments", "plans", "due-until", "partner", "recurring", "non-recurring",
	"date", "rate", "grouping", "customers", "include-associated", "draft", "dry-run", "template", "settle-credits", "id",
	"allow-zero-price", "discount-9999-is-100", "allow-negative-stock", "numbering-series", "zones", "sellers", "terms", "warehouses",
	"order-dates", "delivery-dates", "contracts", "due-from"}

// globalCreate makes the global invoice (MX) of a period: the tickets of the series that go
// in the global invoice series, sold to the general public, as one CFDI — recorded,
// numbered, sealed, stamped, printed and e-mailed by its workflow.
func globalCreate(cmd *cobra.Command, a *app, f createFlags) error {
	ctx := cmd.Context()
	var probs []string
	for _, name := range globalRefuses {
		if cmd.Flags().Changed(name) {
			probs = append(probs, fmt.Sprintf("--%s: does not apply to --global (a global invoice carries the period's tickets as billed)", name))
		}
	}
	g, err := rules.ParseGlobalPeriod(f.period, f.periodicity)
	if f.period == "" {
		probs = append(probs, "--period: required with --global (a month 2026-11, a day 2026-11-05, or FROM..TO)")
	} else if err != nil {
		probs = append(probs, err.Error())
	}
	if len(probs) > 0 {
		return &model.InputError{Problems: probs}
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	series := f.series
	if series == "" {
		codes, err := st.SeriesOfKind(ctx, "global_invoice")
		if err != nil {
			return err
		}
		if len(codes) != 1 {
			return &model.InputError{Problems: []string{fmt.Sprintf("--series: give the global invoices' series (series of kind global_invoice: %v)", codes)}}
		}
		series = codes[0]
	}
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	r := activities.GlobalInvoiceRequest{Series: series, From: g.From.Format(time.DateOnly), To: g.To.Format(time.DateOnly),
		Periodicidad: g.Periodicidad, Meses: g.Meses, Año: g.Año}
	run, err := wc.StartGlobalInvoice(ctx, r)
	if err != nil {
		return err
	}
	var out workflows.GlobalInvoiceOutcome
	if f.wait.wait {
		what := fmt.Sprintf("the global invoice of series %s for %s..%s", series, r.From, r.To)
		if err := f.wait.run(ctx, what, workflowURL(a, run.GetID()), func(ctx context.Context) error {
			return waitRun(ctx, a, wc, run, what+" to be recorded, sealed, stamped, printed and e-mailed", &out)
		}); err != nil {
			return err
		}
	}
	return a.emit(map[string]any{"workflow_id": run.GetID(), "series": series, "from": r.From, "to": r.To, "periodicidad": r.Periodicidad,
		"meses": r.Meses, "año": r.Año, "outcome": out}, func() {
		fmt.Fprintf(a.out, "global invoice of series %s for %s..%s (periodicidad %s, meses %s, año %d): workflow %s\n",
			series, r.From, r.To, r.Periodicidad, r.Meses, r.Año, run.GetID())
		switch {
		case !f.wait.wait:
			fmt.Fprintf(a.out, "  web ui: %s\n", workflowURL(a, run.GetID()))
		case out.Invoice.NotNeeded != "":
			fmt.Fprintf(a.out, "  none made: %s\n", out.Invoice.NotNeeded)
		default:
			fmt.Fprintf(a.out, "  %s-%d carries %d tickets; sealed, stamped, printed and e-mailed (billrun invoice show %d)\n",
				out.Invoice.Series, out.Invoice.Number, out.Invoice.Tickets, out.Invoice.ID)
		}
	})
}
