package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/workflows"
)

// How batches print as text; --json prints the same records as JSON.

func printPlan(w io.Writer, out model.PlanOutcome) {
	fmt.Fprintf(w, "dry run: %d lines selected, %d skipped, %d invoices would be made (nothing written)\n",
		out.LinesSelected, out.LinesSkipped, len(out.Invoices))
	for _, d := range out.Invoices {
		extra := ""
		if d.Problem != "" {
			extra = "  ! " + d.Problem
		}
		fmt.Fprintf(w, "  #%-3d %-10s %-3s %2d lines  subtotal %10s  VAT %9s  total %10s  %s%s\n",
			d.GroupNo, d.Customer, d.Currency, d.Lines, d.Subtotal.StringFixed(2), d.VAT.StringFixed(2), d.Total.StringFixed(2),
			strings.Join(d.Sources, ", "), extra)
	}
	printSkipped(w, out.Skipped)
}

func printSkipped(w io.Writer, skipped []model.SkippedLine) {
	if len(skipped) == 0 {
		return
	}
	fmt.Fprintln(w, "not invoiced:")
	for _, s := range skipped {
		fmt.Fprintf(w, "  %-22s %-10s %-8s qty %s: %s\n", s.Source, s.Customer, s.Item, s.Quantity, s.Reason)
	}
}

func progressLine(p workflows.Progress) string {
	return fmt.Sprintf("batch %s %-17s invoices %d: %d completed, %d failed, %d running",
		p.BatchID, p.Status, p.Invoices, p.Completed, p.Failed, p.Running)
}

func publishLine(s model.Summary) string {
	line := fmt.Sprintf("batch %s publishing        %d stamped, %d printed, e-mail: %s", s.BatchID, s.Stamped, s.Printed, deliveries(s.Deliveries))
	for _, w := range s.Waiting {
		line += "\n  waiting: " + w
	}
	return line
}

func deliveries(d map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(d)) {
		parts = append(parts, fmt.Sprintf("%d %s", d[k], k))
	}
	if len(parts) == 0 {
		return "none yet"
	}
	return strings.Join(parts, ", ")
}

func printSummary(w io.Writer, s model.Summary, webUI string) {
	fmt.Fprintf(w, "batch %s: %s\n", s.BatchID, s.Status)
	if s.Selection != "" {
		fmt.Fprintf(w, "  bills:    %s\n", s.Selection)
	}
	if s.Error != "" {
		fmt.Fprintf(w, "  stopped:  %s\n  fix the data, then: billrun batch resume %s\n", s.Error, s.BatchID)
	}
	fmt.Fprintf(w, "  lines:    %d selected, %d invoiced, %d not invoiced\n", s.LinesSelected, s.LinesInvoiced, s.LinesSkipped)
	fmt.Fprintf(w, "  invoices: %d total, %d completed, %d failed, %d pending\n", s.Invoices, s.Completed, s.Failed, s.Pending)
	if s.Cancelled > 0 {
		fmt.Fprintf(w, "  cancelled: %d (they keep their numbers)\n", s.Cancelled)
	}
	if s.Unsealed > 0 {
		fmt.Fprintf(w, "  fiscal:   %d completed but not sealed, stamped or printed (see batch report)\n", s.Unsealed)
	}
	fmt.Fprintf(w, "  stamped:  %d; printed: %d; e-mail: %s\n", s.Stamped, s.Printed, deliveries(s.Deliveries))
	if s.RateSource != "" {
		fmt.Fprintf(w, "  rates:    %s\n", s.RateSource)
	}
	for _, x := range s.Waiting {
		fmt.Fprintf(w, "  waiting:  %s\n", x)
	}
	for _, x := range s.Warnings {
		fmt.Fprintf(w, "  warning:  %s\n", x)
	}
	for _, cur := range slices.Sorted(maps.Keys(s.Amounts)) {
		fmt.Fprintf(w, "  amount:   %s %s completed\n", s.Amounts[cur], cur)
	}
	fmt.Fprintf(w, "  web ui:   %s\n", webUI)
}

func printReport(w io.Writer, r model.Report) {
	fmt.Fprintf(w, "batch %s: %d lines not invoiced, %d invoices failed, %d not sealed\n", r.BatchID, len(r.Skipped), len(r.Failed), len(r.Unsealed))
	if r.Selection != "" {
		fmt.Fprintf(w, "  bills: %s\n", r.Selection)
	}
	printSkipped(w, r.Skipped)
	if len(r.Drafts) > 0 {
		fmt.Fprintln(w, "drafts (what each would do if the batch ran now):")
		for _, d := range r.Drafts {
			fmt.Fprintf(w, "  invoice %-6d %-10s series %-4s %d lines  subtotal %s  VAT %s  total %s %s  %s\n", d.InvoiceID, d.Customer, d.Series, d.Lines,
				d.Subtotal.StringFixed(2), d.VAT.StringFixed(2), d.Total.StringFixed(2), d.Currency, strings.Join(d.Sources, ", "))
			if d.Problem != "" {
				fmt.Fprintf(w, "      ! %s\n", d.Problem)
			}
		}
		fmt.Fprintf(w, "approve with: billrun batch approve %s (or fix the data first)\n", r.BatchID)
	}
	if len(r.Excluded) > 0 {
		fmt.Fprintln(w, "excluded before approval (voided, their sources billable again):")
		for _, f := range r.Excluded {
			fmt.Fprintf(w, "  invoice %-6d %s\n", f.InvoiceID, f.Customer)
		}
	}
	if len(r.Failed) > 0 {
		fmt.Fprintln(w, "failed invoices:")
		for _, f := range r.Failed {
			fmt.Fprintf(w, "  invoice %-6d %-10s attempt %d, %s: %s\n", f.InvoiceID, f.Customer, f.Attempt, f.Step, f.Reason)
			if f.Fix != "" {
				fmt.Fprintf(w, "      fix: %s\n", f.Fix)
			}
		}
		fmt.Fprintf(w, "fix the data, then: billrun batch retry %s (or billrun invoice retry ID)\n", r.BatchID)
	}
	if len(r.Unsealed) > 0 {
		fmt.Fprintln(w, "completed but not sealed:")
		for _, f := range r.Unsealed {
			fmt.Fprintf(w, "  invoice %-6d %-10s %s: %s\n", f.InvoiceID, f.Customer, f.Step, f.Reason)
			if f.Fix != "" {
				fmt.Fprintf(w, "      fix: %s\n", f.Fix)
			}
		}
		fmt.Fprintf(w, "fix the cause, then: billrun batch retry %s (or billrun invoice reseal ID)\n", r.BatchID)
	}
	if len(r.Undelivered) > 0 {
		fmt.Fprintln(w, "completed but not e-mailed:")
		for _, f := range r.Undelivered {
			fmt.Fprintf(w, "  invoice %-6d %-10s %s\n", f.InvoiceID, f.Customer, f.Reason)
			if f.Fix != "" {
				fmt.Fprintf(w, "      fix: %s\n", f.Fix)
			}
		}
	}
	if len(r.CreditsSettled) > 0 {
		fmt.Fprintln(w, "credit notes settled against invoices:")
		for _, x := range r.CreditsSettled {
			fmt.Fprintf(w, "  %-10s %-10s %s by %s\n", x.Invoice, x.Customer, x.Amount.StringFixed(2), x.CreditNote)
		}
	}
}

// remedy is what fixes a failed invoice, with its own id in the commands.
func remedy(f model.FailedInvoice) string {
	return strings.ReplaceAll(rules.Remedy(f.Step, f.Reason), " ID", fmt.Sprintf(" %d", f.InvoiceID))
}

// summaryWarnings are a batch's invoices not e-mailed though nothing failed, with what to do.
func summaryWarnings(s model.Summary) []string {
	out := []string{}
	for _, c := range []struct{ status, why string }{
		{"skipped", "their customers have no e-mail address"},
		{"failed", "the mail server refused them"},
		{"uncertain", "their hand-over to the mail server was interrupted"},
	} {
		if n := s.Deliveries[c.status]; n > 0 {
			out = append(out, fmt.Sprintf("%d invoice(s) not e-mailed: %s (billrun batch report %s says which and what to do; then billrun invoice resend ID)",
				n, c.why, s.BatchID))
		}
	}
	return out
}
