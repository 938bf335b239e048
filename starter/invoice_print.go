package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"billrun/internal/model"
)

func printInvoice(w io.Writer, v model.InvoiceView) {
	num := "(no number)"
	if v.Number != nil {
		num = fmt.Sprintf("%s-%d", v.Series, *v.Number)
		if v.FiscalNumber != "" && v.FiscalNumber != num {
			num += " (" + v.FiscalNumber + ")" // a CFE: as DGI knows it
		}
	}
	if v.CreditOf != nil {
		fmt.Fprintf(w, "invoice %d  %s  credit note (%s) correcting invoice %d\n", v.ID, num, v.CreditKind, *v.CreditOf)
	} else {
		fmt.Fprintf(w, "invoice %d  %s  %s  batch %s\n", v.ID, num, v.DocumentKind, v.BatchID)
	}
	if len(v.CreditNotes) > 0 {
		fmt.Fprintf(w, "  corrected by credit notes %v\n", v.CreditNotes)
	}
	if len(v.Global) > 0 && v.DocumentKind == "global_invoice" {
		fmt.Fprintf(w, "  tickets it carries: %s\n", strings.Join(v.Global, ", "))
	} else if len(v.Global) > 0 {
		fmt.Fprintf(w, "  in the global invoice %s\n", strings.Join(v.Global, ", "))
	}
	if len(v.Receipts) > 0 {
		fmt.Fprintf(w, "  payments' receipts (CFDI P): %s\n", strings.Join(v.Receipts, "; "))
	}
	fmt.Fprintf(w, "  customer %s (%s), date %s, %s, terms %s\n", v.Customer, v.CustomerName, v.Date, v.Currency, v.PaymentTerms)
	fmt.Fprintf(w, "  status %s, fiscal %s, delivery %s, attempt %d\n", v.Status, v.FiscalStatus, v.DeliveryStatus, v.Attempt)
	if v.ErrorReason != "" {
		fmt.Fprintf(w, "  failed at %s: %s\n", v.ErrorStep, v.ErrorReason)
	}
	if v.UUID != "" {
		fmt.Fprintf(w, "  folio fiscal (UUID) %s, stamped %s\n", v.UUID, v.StampedAt)
	}
	if v.AcknowledgedBy != "" {
		fmt.Fprintf(w, "  CFE received by DGI %s (%s)\n", v.StampedAt, v.AcknowledgedBy)
	}
	if v.FiscalError != "" {
		fmt.Fprintf(w, "  fiscal step failed: %s\n    %s\n", v.FiscalError, fiscalFix(v))
	}
	for _, l := range v.Lines {
		fmt.Fprintf(w, "  %2d %-8s %10s × %12s  disc %9s  subtotal %11s  VAT %10s  total %11s  (%s)\n", l.LineNo, l.Item,
			l.Quantity.String(), l.UnitPrice.String(), l.Discount.StringFixed(2), l.Subtotal.StringFixed(2),
			l.VAT.StringFixed(2), l.Total.StringFixed(2), l.Source)
		if len(l.Refs) > 0 {
			var refs []string
			for _, k := range slices.Sorted(maps.Keys(l.Refs)) {
				refs = append(refs, k+" "+l.Refs[k])
			}
			fmt.Fprintf(w, "     refs: %s\n", strings.Join(refs, ", "))
		}
	}
	fmt.Fprintf(w, "  amount %s  discount %s  subtotal %s  VAT %s  excise %s  VAT withheld %s  ISR withheld %s  total %s\n",
		v.Amount.StringFixed(2), v.Discount.StringFixed(2), v.Subtotal.StringFixed(2), v.VAT.StringFixed(2),
		v.Excise.StringFixed(2), v.VATWithheld.StringFixed(2), v.ISRWithheld.StringFixed(2), v.Total.StringFixed(2))
	if r := v.Receivable; r != nil {
		fmt.Fprintf(w, "  receivable %s %s, balance %s, %s, due %s\n", r.Kind, r.Amount.StringFixed(2), r.Balance.StringFixed(2), r.Status, r.DueDate)
		for _, p := range r.Payments {
			fmt.Fprintf(w, "    paid %s on %s\n", p.Amount.StringFixed(2), p.PaidOn)
		}
	}
	for _, m := range v.CashMovements {
		fmt.Fprintf(w, "  cash %-3s %s %s, cash box %s, %s (%s) on %s\n", m.Direction, m.Amount.StringFixed(2), m.Currency, m.Box, m.Reason, m.Document, m.Date)
	}
	if c := v.Cancellation; c != nil {
		fmt.Fprintf(w, "  cancellation (motive %s) %s: %s\n", c.Motive, c.Status, c.Detail)
	}
	fmt.Fprintln(w, "  audit:")
	for _, e := range v.Audit {
		fmt.Fprintf(w, "    %s  %-16s attempt %d  %-7s %s\n", e.At.Format("2006-01-02 15:04:05"), e.Step, e.Attempt, e.Outcome, e.Detail)
	}
}

// fiscalFix says what moves an invoice whose fiscal step failed.
func fiscalFix(v model.InvoiceView) string {
	switch {
	case strings.HasPrefix(v.FiscalError, model.StepStamp+":"):
		return fmt.Sprintf("fix the cause, then: billrun invoice restamp %d (the same document), or billrun invoice reseal %d (a new one dated now, e.g. after a 401 for its date)", v.ID, v.ID)
	case strings.HasPrefix(v.FiscalError, model.StepPDF+":"):
		return fmt.Sprintf("fix the cause, then: billrun invoice restamp %d", v.ID)
	}
	return fmt.Sprintf("fix the cause, then: billrun invoice reseal %d", v.ID)
}
