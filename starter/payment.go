package main

import (
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
	var date, key, form string
	var w waitFlags
	c := &cobra.Command{
		Use:   "record INVOICE AMOUNT",
		Short: "Apply a payment to an invoice's receivable (never more than its balance); a paid invoice can no longer be cancelled",
		Long: `Applies a payment to an invoice's receivable, once: --key names the payment (default: a key
made of the invoice, amount, date and today, printed), and the same key again answers the
receivable as it is without paying twice — a command retried after a lost answer is safe.
A second payment of the same amount on the same day needs its own --key. Refused while the
invoice's cancellation is requested or awaits the receiver.

A payment of a Mexican invoice paid in installments (MetodoPago PPD) gets its receipt, the
CFDI de Recepción de Pagos (type P, complement Pagos 2.0), in its series' receipt series:
recorded, sealed, stamped, printed and e-mailed by a workflow of its own (--wait follows it).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
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
			receipt, err := startReceipt(ctx, a, id, key, w)
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
		},
	}
	c.Flags().StringVar(&date, "date", "", "the day it was paid"+todayHelp)
	c.Flags().StringVar(&key, "key", "", "the payment's idempotency key (default: made of the invoice, amount, date and today)")
	c.Flags().StringVar(&form, "form", "03", "how it was paid: SAT's c_FormaPago (01 cash, 02 check, 03 transfer, 04 card, ...)")
	w.bind(c, "until the payment's receipt (CFDI P) is sealed, stamped, printed and e-mailed")
	return c
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
