package main

import (
	"context"
	"fmt"

	"billrun/activities"
	"billrun/workflows"
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
	return startReceiptOf(ctx, a, paymentID, w)
}

// startReceiptOf starts (or follows) the receipt workflow of a payment (the first part of a
// payment of several invoices).
func startReceiptOf(ctx context.Context, a *app, paymentID int64, w waitFlags) (string, error) {
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
	return fmt.Sprintf("%s-%d, sealed, stamped, printed and e-mailed", out.Receipt.Series, out.Receipt.Number), nil
}
