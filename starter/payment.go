package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"billrun/internal/model"
	"billrun/internal/store"
)

func paymentCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "payment", Short: "Record what customers pay against their invoices' receivables"}
	c.AddCommand(paymentRecordCmd(a))
	return c
}

func paymentRecordCmd(a *app) *cobra.Command {
	var date, key, form, split string
	var w waitFlags
	c := &cobra.Command{
		Use:   "record INVOICE AMOUNT | record --invoices INVOICE=AMOUNT,... [AMOUNT]",
		Short: "Apply a payment to an invoice's receivable (never more than its balance); a paid invoice can no longer be cancelled",
		Long: `Applies a payment to an invoice's receivable, once: --key names the payment (default: a key
made of the invoice, amount, date and today, printed), and the same key again answers the
receivable as it is without paying twice — a command retried after a lost answer is safe.
A second payment of the same amount on the same day needs its own --key. Refused while the
invoice's cancellation is requested or awaits the receiver.

A payment of a Mexican invoice paid in installments (MetodoPago PPD) gets its receipt, the
CFDI de Recepción de Pagos (type P, complement Pagos 2.0), in its series' receipt series:
recorded, sealed, stamped, printed and e-mailed by a workflow of its own (--wait follows it).

One payment covering several invoices of one customer names each invoice's part with
--invoices A-1=1000,A-2=500 (AMOUNT, when given, must be their sum): every part is paid or
none, and one receipt relates them all.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if split != "" {
				return cobra.MaximumNArgs(1)(cmd, args)
			}
			return cobra.ExactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if split != "" {
				return recordSplitPayment(ctx, a, split, args, date, key, form, w)
			}
			return recordPayment(ctx, a, args, date, key, form, w)
		},
	}
	c.Flags().StringVar(&date, "date", "", "the day it was paid"+todayHelp)
	c.Flags().StringVar(&key, "key", "", "the payment's idempotency key (default: made of the invoice, amount, date and today)")
	c.Flags().StringVar(&split, "invoices", "", "one payment of several invoices of one customer: INVOICE=AMOUNT,... (one receipt relates them all)")
	c.Flags().StringVar(&form, "form", "03", "how it was paid: SAT's c_FormaPago (01 cash, 02 check, 03 transfer, 04 card, ...)")
	w.bind(c, "until the payment's receipt (CFDI P) is sealed, stamped, printed and e-mailed")
	return c
}

// recordPayment records one payment of one invoice, then starts its receipt.
func recordPayment(ctx context.Context, a *app, args []string, date, key, form string, w waitFlags) error {
	amount, err := decimal.NewFromString(args[1])
	if err != nil {
		return &model.InputError{Problems: []string{fmt.Sprintf("AMOUNT: %q is not a number", args[1])}}
	}
	id, err := findInvoice(ctx, a, args[0])
	if err != nil {
		return err
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	if date == "" {
		c, err := st.InvoiceCountry(ctx, id)
		if err != nil {
			return err
		}
		if date, err = issuerToday("--date", []string{c}, time.Now()); err != nil {
			return err
		}
	}
	on, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return &model.InputError{Problems: []string{fmt.Sprintf("--date: %q is not a date (YYYY-MM-DD)", date)}}
	}
	if key == "" {
		key = contentKey("pay", id, amount.String(), date)
	}
	r, again, err := st.RecordPayment(ctx, store.Payment{InvoiceID: id, Amount: amount, PaidOn: on, Key: key, Form: form})
	if err != nil {
		return err
	}
	receipt, err := startReceipt(ctx, a, key, w)
	if err != nil {
		return err
	}
	// The receivable as it marshals itself (its amounts in its currency's decimals),
	// with what this command did.
	out, err := withFields(r, map[string]any{"key": key, "again": again, "receipt": receipt})
	if err != nil {
		return err
	}
	return a.emit(out, func() {
		if again {
			fmt.Fprintf(a.out, "invoice %s: payment %s was recorded already (nothing paid again); balance %s of %s (%s)\n", args[0], key, r.Balance, r.Amount, r.Status)
		} else {
			fmt.Fprintf(a.out, "invoice %s: paid %s on %s (key %s); balance %s of %s (%s)\n", args[0], amount, date, key, r.Balance, r.Amount, r.Status)
		}
		if receipt != "" {
			fmt.Fprintf(a.out, "  receipt: %s\n", receipt)
		}
	})
}

// withFields is v as JSON, with more fields ("" and nil ones left out).
func withFields(v any, more map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	for k, x := range more {
		if x != "" && x != nil {
			out[k] = x
		}
	}
	return out, nil
}

// contentKey is a money command's default idempotency key: its kind, what it asks for and
// today, so the same command retried today is the same request.
func contentKey(kind string, parts ...any) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s", kind, time.Now().Format(time.DateOnly))
	for _, p := range parts {
		fmt.Fprintf(h, "|%v", p)
	}
	return kind + "-" + hex.EncodeToString(h.Sum(nil))[:16]
}
