package main

import (
	"context"
	"fmt"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/internal/store"
	"billrun/workflows"

	"github.com/spf13/cobra"
)

// startReceipt starts (or follows) the receipt workflow of the payment recorded with key,
// when the payment takes one (a Mexican invoice paid in installments), and with --wait
// waits for it; it answers what to tell of the receipt ("" when none is made).
func startReceipt(ctx context.Context, a *app, key string, w waitFlags) (string, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return "", err
	}
	paymentID, err := st.PaymentByKey(ctx, key)
	if err != nil || paymentID == 0 {
		return "", err
	}
	return startReceiptOf(ctx, a, paymentID, w, false)
}

// startReceiptOf starts (or follows) the receipt workflow of a payment (the first part of a
// payment of several invoices). The payment of a monthly issuer waits for its month's
// receipt unless asked for by hand (payment receipt KEY).
func startReceiptOf(ctx context.Context, a *app, paymentID int64, w waitFlags, byHand bool) (string, error) {
	if paymentID == 0 {
		return "", nil
	}
	st, err := a.Store(ctx)
	if err != nil {
		return "", err
	}
	ps, err := st.ReadPaymentForReceipt(ctx, paymentID)
	if err != nil {
		return "", err
	}
	p := ps[0]
	if why := activities.ReceiptNotNeeded(p); why != "" {
		return "", nil
	}
	if p.Monthly && !byHand {
		month := p.PaidOn.Format("2006-01")
		return fmt.Sprintf("in %s's receipt of the payments of %s (monthly: billrun payment receipts --month %s --issuer %s, or its schedule)",
			p.Customer, month, month, p.Issuer), nil
	}
	wc, err := a.Workflows(ctx)
	if err != nil {
		return "", err
	}
	run, err := wc.StartPaymentReceipt(ctx, p.InvoiceID, paymentID, p.Invoice)
	if err != nil {
		return "", err
	}
	if !w.wait {
		return fmt.Sprintf("being issued by workflow %s (watch: billrun invoice show %d)", run.GetID(), p.InvoiceID), nil
	}
	var out workflows.PaymentReceiptOutcome
	what := fmt.Sprintf("the receipt of payment %d of invoice %s", paymentID, p.Invoice)
	werr := w.run(ctx, what, workflowURL(a, run.GetID()), func(ctx context.Context) error {
		return waitRun(ctx, a, wc, run, what+" to be recorded, sealed, stamped, printed and e-mailed", &out)
	})
	if werr != nil {
		return "", werr
	}
	if out.Receipt.NotNeeded != "" {
		return "none: " + out.Receipt.NotNeeded, nil
	}
	made := fmt.Sprintf("%s-%d, sealed, stamped, printed and e-mailed", out.Receipt.Series, out.Receipt.Number)
	if out.Receipt.Late != "" {
		made += " (warning: " + out.Receipt.Late + ")"
	}
	return made, nil
}

// paymentReceiptCmd starts again (or follows) the receipt of a payment recorded before,
// by its key: after its workflow failed on something since fixed (a receipt series
// imported, the invoice stamped), or when it could not be started.
func paymentReceiptCmd(a *app) *cobra.Command {
	var w waitFlags
	c := &cobra.Command{
		Use:   "receipt KEY",
		Short: "Issue (again) the receipt (CFDI P) of the payment recorded with KEY; nothing is paid",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			id, err := paymentOfKey(ctx, st, args[0])
			if err != nil {
				return err
			}
			receipt, err := startReceiptOf(ctx, a, id, w, true)
			if err != nil {
				return err
			}
			if receipt == "" {
				receipt = "none: the payment takes no receipt (a PUE or Uruguayan invoice)"
			}
			return a.emit(map[string]any{"key": args[0], "receipt": receipt}, func() { fmt.Fprintf(a.out, "payment %s: receipt %s\n", args[0], receipt) })
		},
	}
	w.bind(c, "until the receipt is sealed, stamped, printed and e-mailed")
	return c
}

// paymentOfKey is the payment recorded with key — one payment, or the first part of one
// paying several invoices — or not found.
func paymentOfKey(ctx context.Context, st *store.Store, key string) (int64, error) {
	id, err := st.PaymentByKey(ctx, key)
	if err == nil && id == 0 {
		id, err = st.GroupPaymentByKey(ctx, key)
	}
	if err == nil && id == 0 {
		err = fmt.Errorf("payment %q: %w", key, model.ErrNotFound)
	}
	return id, err
}
