package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/store"
)

// recordSplitPayment records one payment of several invoices (--invoices A-1=1000,A-2=500),
// then starts its receipt.
func recordSplitPayment(ctx context.Context, a *app, args []string, f paymentFlags) error {
	if f.currency != "" {
		return &model.InputError{Problems: []string{"--currency: a payment of several invoices is in their own currency (pay them apart in another)"}}
	}
	split, date, w := f.split, f.date, f.wait
	sp, total, countries, err := parseSplit(ctx, a, split, args)
	if err != nil {
		return err
	}
	sp.Key, sp.Form = f.key, f.form
	if date == "" {
		if date, err = issuerToday("--date", countries, time.Now()); err != nil {
			return err
		}
	}
	on, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return &model.InputError{Problems: []string{fmt.Sprintf("--date: %q is not a date (YYYY-MM-DD)", date)}}
	}
	sp.PaidOn = on
	if sp.Key == "" {
		sp.Key = contentKey("pay", partsKey(sp.Parts), date) // the same parts in any order, 1000 or 1000.00: one payment
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	again, err := st.RecordSplitPayment(ctx, sp)
	if err != nil {
		return err
	}
	first, err := st.GroupPaymentByKey(ctx, sp.Key)
	if err != nil {
		return err
	}
	receipt, err := startReceiptOf(ctx, a, first, w, false)
	if err != nil { // the payment stands: say how to issue its receipt
		return fmt.Errorf("payment %s recorded; its receipt: %w (issue it with: billrun payment receipt %s)", sp.Key, err, sp.Key)
	}
	out := map[string]any{"key": sp.Key, "again": again, "amount": total.String(), "invoices": len(sp.Parts)}
	if receipt != "" {
		out["receipt"] = receipt
	}
	return a.emit(out, func() {
		if again {
			fmt.Fprintf(a.out, "payment %s was recorded already (nothing paid again)\n", sp.Key)
		} else {
			fmt.Fprintf(a.out, "paid %s on %s over %d invoices (key %s)\n", total, date, len(sp.Parts), sp.Key)
		}
		if receipt != "" {
			fmt.Fprintf(a.out, "  receipt: %s\n", receipt)
		}
	})
}

// parseSplit reads --invoices INVOICE=AMOUNT,... into a payment's parts, their total and
// their issuers' countries; AMOUNT, when given, must be the total.
func parseSplit(ctx context.Context, a *app, split string, args []string) (store.SplitPayment, decimal.Decimal, []string, error) {
	var sp store.SplitPayment
	var probs []string
	total := decimal.Zero
	var countries []string
	for _, part := range strings.Split(split, ",") {
		ref, amt, ok := strings.Cut(strings.TrimSpace(part), "=")
		amount, err := decimal.NewFromString(amt)
		if !ok || err != nil {
			probs = append(probs, fmt.Sprintf("--invoices: %q is not INVOICE=AMOUNT", part))
			continue
		}
		id, err := findInvoice(ctx, a, ref)
		if err != nil {
			return sp, total, nil, err
		}
		st, err := a.Store(ctx)
		if err != nil {
			return sp, total, nil, err
		}
		c, err := st.InvoiceCountry(ctx, id)
		if err != nil {
			return sp, total, nil, err
		}
		countries = append(countries, c)
		sp.Parts = append(sp.Parts, store.PaymentPart{InvoiceID: id, Amount: amount})
		total = total.Add(amount)
	}
	if len(args) == 1 {
		if amount, err := decimal.NewFromString(args[0]); err != nil || !amount.Equal(total) {
			probs = append(probs, fmt.Sprintf("AMOUNT: %q is not the sum of the parts, %s", args[0], total))
		}
	}
	if len(probs) > 0 {
		return sp, total, countries, &model.InputError{Problems: probs}
	}
	return sp, total, countries, nil
}

// partsKey is the parts as one text, by invoice, with amounts as numbers.
func partsKey(parts []store.PaymentPart) string {
	ordered := slices.Clone(parts)
	slices.SortFunc(ordered, func(a, b store.PaymentPart) int { return int(a.InvoiceID - b.InvoiceID) })
	var b strings.Builder
	for _, p := range ordered {
		fmt.Fprintf(&b, "%d=%s,", p.InvoiceID, p.Amount.String())
	}
	return b.String()
}
