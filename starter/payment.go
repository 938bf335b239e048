package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"billrun/internal/fiscal/cfdi"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

func paymentCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "payment", Short: "Record what customers pay against their invoices' receivables"}
	c.AddCommand(paymentRecordCmd(a), paymentReceiptCmd(a), paymentReceiptsCmd(a), paymentCancelCmd(a))
	return c
}

func paymentRecordCmd(a *app) *cobra.Command {
	var f paymentFlags
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
An issuer with monthly receipts states its month's payments in one receipt per receiver
instead (billrun payment receipts).

One payment covering several invoices of one customer names each invoice's part with
--invoices A-1=1000,A-2=500 (AMOUNT, when given, must be their sum): every part is paid or
none, and one receipt relates them all.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.split != "" {
				return cobra.MaximumNArgs(1)(cmd, args)
			}
			return cobra.ExactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if f.split != "" {
				return recordSplitPayment(ctx, a, args, f)
			}
			return recordPayment(ctx, a, args, f)
		},
	}
	c.Flags().StringVar(&f.date, "date", "", "the day it was paid"+todayHelp)
	c.Flags().StringVar(&f.key, "key", "", "the payment's idempotency key (default: made of the invoice, amount, date and today)")
	c.Flags().StringVar(&f.split, "invoices", "", "one payment of several invoices of one customer: INVOICE=AMOUNT,... (one receipt relates them all)")
	c.Flags().StringVar(&f.form, "form", "03", "how it was paid: SAT's c_FormaPago (01 cash, 02 check, 03 transfer, 04 card, ...)")
	c.Flags().StringVar(&f.currency, "currency", "", "the currency paid, when not the invoice's (one of the two is MXN); AMOUNT is in it")
	c.Flags().StringVar(&f.rate, "rate", "", "with --currency: pesos per unit of the currency that is not MXN, on the day paid")
	f.wait.bind(c, "until the payment's receipt (CFDI P) is sealed, stamped, printed and e-mailed")
	return c
}

// paymentFlags are payment record's flags.
type paymentFlags struct {
	date, key, form, split string
	currency, rate         string
	wait                   waitFlags
}

// recordPayment records one payment of one invoice, then starts its receipt.
func recordPayment(ctx context.Context, a *app, args []string, f paymentFlags) error {
	date, key := f.date, f.key
	f.currency = strings.ToUpper(strings.TrimSpace(f.currency)) // mxn is MXN
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
	on, err := checkPayment(ctx, st, id, amount, date, f)
	if err != nil {
		return err
	}
	if key == "" {
		key = contentKey("pay", id, amount.String(), f.currency, f.rate, date)
	}
	pay := store.Payment{InvoiceID: id, Amount: amount, PaidOn: on, Key: key, Form: f.form}
	if err := paidIn(ctx, st, &pay, f); err != nil {
		return err
	}
	r, again, err := st.RecordPayment(ctx, pay)
	if err != nil {
		return err
	}
	receipt, err := startReceipt(ctx, a, key, f.wait)
	if err != nil { // the payment stands: say how to issue its receipt
		return fmt.Errorf("payment %s recorded; its receipt: %w (issue it with: billrun payment receipt %s)", key, err, key)
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
			fmt.Fprintf(a.out, "invoice %s: paid %s on %s (key %s); balance %s of %s (%s)\n", args[0], pay.Amount, date, key, r.Balance, r.Amount, r.Status)
		}
		if receipt != "" {
			fmt.Fprintf(a.out, "  receipt: %s\n", receipt)
		}
	})
}

// checkPayment refuses what a payment's receipt could never say: a form of payment not in
// SAT's catalog (or 99, "to be defined"), more decimals than the currency paid has, a day
// after the issuer's today.
func checkPayment(ctx context.Context, st *store.Store, invoiceID int64, amount decimal.Decimal, date string, f paymentFlags) (time.Time, error) {
	var probs []string
	if in, ok := cfdi.Catalog("c_FormaPago", f.form); f.form == "99" || ok && !in {
		probs = append(probs, fmt.Sprintf("--form: %q is not a form of payment of SAT's c_FormaPago (01 cash, 02 check, 03 transfer, 04 card, …; 99 is not one)", f.form))
	}
	currency, decimals, err := st.InvoiceCurrency(ctx, invoiceID)
	if err != nil {
		return time.Time{}, err
	}
	if f.currency != "" && f.currency != currency {
		if currency, decimals, err = st.CurrencyDecimals(ctx, f.currency); err != nil {
			return time.Time{}, err
		}
	}
	if amount.Exponent() < -decimals {
		probs = append(probs, fmt.Sprintf("AMOUNT: %s has more decimals than %s has (%d)", amount, currency, decimals))
	}
	country, err := st.InvoiceCountry(ctx, invoiceID)
	if err != nil {
		return time.Time{}, err
	}
	if err := notAfterToday("--date", date, []string{country}, time.Now()); err != nil {
		return time.Time{}, err
	}
	if len(probs) > 0 {
		return time.Time{}, &model.InputError{Problems: probs}
	}
	return time.Parse(time.DateOnly, date)
}

// paidIn makes a payment in another currency than the invoice's (--currency, --rate) the
// amount it pays of the invoice, keeping what was paid.
func paidIn(ctx context.Context, st *store.Store, p *store.Payment, f paymentFlags) error {
	if f.currency == "" {
		if f.rate != "" {
			return &model.InputError{Problems: []string{"--rate: give it with --currency, the currency paid"}}
		}
		return nil
	}
	inv, decimals, err := st.InvoiceCurrency(ctx, p.InvoiceID)
	if err != nil || f.currency == inv {
		return err
	}
	rate, err := decimal.NewFromString(f.rate)
	if err != nil {
		return &model.InputError{Problems: []string{fmt.Sprintf("--rate: %q is not a rate (pesos per unit)", f.rate)}}
	}
	paid, err := rules.PaidInInvoiceCurrency(p.Amount, f.currency, inv, rate, decimals)
	if err != nil {
		return &model.InputError{Problems: []string{"--currency: " + err.Error()}}
	}
	p.PaidIn = &store.PaidIn{Currency: f.currency, Amount: p.Amount, Rate: rate}
	p.Amount = paid
	return nil
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
