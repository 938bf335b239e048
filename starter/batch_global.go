package main

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"billrun/activities"
	"billrun/internal/fiscal"
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
	r := activities.GlobalInvoiceRequest{Series: series, From: g.From.Format(time.DateOnly), To: g.To.Format(time.DateOnly),
		Periodicidad: g.Periodicidad, Meses: g.Meses, Año: g.Año}
	// Refused here, with nothing written (exit 2), what the workflow's step would refuse:
	// a period not ended, SAT's InformacionGlobal rules, another issuer's tickets.
	check, err := activities.CheckGlobalInvoice(ctx, st, r, time.Now())
	if err != nil {
		return err
	}
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
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
	today, _ := time.Parse(time.DateOnly, fiscal.Today("MX", time.Now()))
	stranded, err := st.StrandedGlobalTickets(ctx, series, today)
	if err != nil {
		return err
	}
	return a.emit(map[string]any{"workflow_id": run.GetID(), "series": series, "from": r.From, "to": r.To, "periodicidad": r.Periodicidad,
		"meses": r.Meses, "año": r.Año, "outcome": out, "stranded": stranded}, func() {
		printGlobal(a, r, run.GetID(), f.wait.wait, out.Invoice, cmp.Or(out.Invoice.Warning, check.Warning), stranded)
	})
}

// printGlobal says what a global invoice's command did: the invoice made or answered, a
// late warning, and the sales stranded outside any global invoice.
func printGlobal(a *app, r activities.GlobalInvoiceRequest, workflowID string, waited bool, inv activities.GlobalInvoiceResult, warning string, stranded []string) {
	fmt.Fprintf(a.out, "global invoice of series %s for %s..%s (periodicidad %s, meses %s, año %d): workflow %s\n",
		r.Series, r.From, r.To, r.Periodicidad, r.Meses, r.Año, workflowID)
	switch {
	case !waited:
		fmt.Fprintf(a.out, "  web ui: %s\n", workflowURL(a, workflowID))
	case inv.NotNeeded != "":
		fmt.Fprintf(a.out, "  none made: %s\n", inv.NotNeeded)
	case inv.Again:
		fmt.Fprintf(a.out, "  no tickets left to declare: the period's global invoices are %s (%s-%d published: billrun invoice show %d)\n",
			strings.Join(inv.Made, ", "), inv.Series, inv.Number, inv.ID)
	default:
		fmt.Fprintf(a.out, "  %s-%d carries %d tickets; sealed, stamped, printed and e-mailed (billrun invoice show %d)\n",
			inv.Series, inv.Number, inv.Tickets, inv.ID)
		if len(inv.Made) > 1 {
			fmt.Fprintf(a.out, "  the period's global invoices: %s (the later ones carry tickets completed after the first)\n", strings.Join(inv.Made, ", "))
		}
	}
	if warning != "" {
		fmt.Fprintf(a.out, "  warning: %s\n", warning)
	}
	if len(stranded) > 0 {
		fmt.Fprintf(a.out, "  %d tickets dated before today are in no global invoice of %s (those of an ended period: ask for it again): %s\n", len(stranded), r.Series, strings.Join(stranded, ", "))
	}
}
