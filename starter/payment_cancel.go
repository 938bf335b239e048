package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"billrun/internal/model"
	"billrun/internal/store"
	"billrun/workflows"
)

// paymentCancelCmd cancels a recorded payment. A payment stated by a live receipt (MX: its
// CFDI P) is cancelled by cancelling the receipt at SAT — once SAT has, the payment is
// reversed with it; one with no receipt (a PUE or Uruguayan invoice's, or one whose
// receipt was never issued) is reversed at once. Either way it is owed again, once.
func paymentCancelCmd(a *app) *cobra.Command {
	var f cancelFlags
	c := &cobra.Command{
		Use:   "cancel KEY [--reason 02 | --reason 01 --replaced-by RECEIPT]",
		Short: "Cancel the payment recorded with KEY: its receipt (CFDI P) cancelled at SAT first, then the payment owed again",
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
			var r receiptOfPayment
			var reversed, parts []string
			err = st.InTx(ctx, func(tx *store.Tx) error {
				var err error
				r, reversed, parts, err = reverseUnreceipted(tx, id, args[0])
				return err
			})
			if err != nil {
				return err
			}
			if r.id != 0 {
				if f.reason == "" {
					f.reason = "02"
				}
				return cancelReceipt(ctx, a, st, &f, r, id)
			}
			if cmd.Flags().Changed("reason") || f.replacedBy != "" {
				return &model.InputError{Problems: []string{"--reason: payment " + args[0] + " has no receipt (CFDI P) to cancel at SAT: it is reversed without one"}}
			}
			return a.emit(map[string]any{"key": args[0], "reversed_now": reversed, "parts": parts}, func() {
				fmt.Fprintf(a.out, "payment %s cancelled: %s owed again", args[0], strings.Join(parts, ", "))
				if len(reversed) < len(parts) {
					fmt.Fprintf(a.out, " (reversed before: %d of %d parts)", len(parts)-len(reversed), len(parts))
				}
				fmt.Fprintln(a.out)
			})
		},
	}
	c.Flags().StringVar(&f.reason, "reason", "", "for a payment with a receipt: SAT's motive to cancel the receipt, 02 (default) or 01")
	c.Flags().StringVar(&f.replacedBy, "replaced-by", "", "with motive 01: the receipt replacing it")
	c.Flags().StringVar(&f.key, "cancel-key", "", "the receipt's cancellation request key (default: made of the receipt, motive and today)")
	f.wait.bind(c, "until SAT has cancelled the receipt and the payment is reversed")
	c.Flags().DurationVar(&f.poll, "poll-every", time.Hour, "how often to ask SAT while the receiver has not answered")
	return c
}

// receiptOfPayment is the live receipt stating a payment (id 0: none), and whether its
// cancellation was asked already (this payment is then marked to be reversed with it).
type receiptOfPayment struct {
	id       int64
	standing bool
}

// reverseUnreceipted reverses, under the paid invoices' row locks, a payment's parts when
// no live receipt states them, and answers the receipt that does, the parts reversed now,
// and every part. A receipt whose cancellation is under way marks the payment to be
// reversed with it, under the same locks its completion takes.
func reverseUnreceipted(tx *store.Tx, paymentID int64, key string) (r receiptOfPayment, reversed, parts []string, err error) {
	ps, err := tx.LockRecordedParts(paymentID)
	if err != nil {
		return r, nil, nil, err
	}
	var receipt int64
	standing := false
	for _, p := range ps {
		receipt, standing = max(receipt, p.ReceiptID), standing || !p.Reversed
	}
	// A later payment's live receipt states a parcialidad and balance that follow from this
	// one (asked again once reversed, it answers as before).
	if later, err := tx.LaterLiveReceipts(receipt, []int64{paymentID}); standing && (err != nil || len(later) > 0) {
		if err == nil {
			err = &model.InputError{Problems: []string{fmt.Sprintf("payment %s: later payments of the invoices it paid are stated by receipts %s, whose parcialidades follow from it: cancel those payments first (newest first)", key, strings.Join(later, ", "))}}
		}
		return r, nil, nil, err
	}
	for _, p := range ps {
		if p.CashBox != "" && !p.Reversed {
			return r, nil, nil, &model.InputError{Problems: []string{fmt.Sprintf("payment %s: it is %s's collection on the spot into cash box %s "+
				"(seed 004): it is not cancelled alone — a return or rebate pays back out of the box, and cancelling the invoice gives its money back", key, p.Invoice, p.CashBox)}}
		}
		if p.ReceiptID == 0 {
			continue
		}
		status, err := tx.CancellationStatus(p.ReceiptID)
		if r = (receiptOfPayment{id: p.ReceiptID, standing: status != "" && status != "rejected"}); err == nil && r.standing {
			err = tx.MarkPaymentCancelled(p.ReceiptID, paymentID)
		}
		return r, nil, nil, err
	}
	for _, p := range ps {
		parts = append(parts, p.Invoice)
		now, err := tx.ReversePayment(p.ID)
		if err != nil {
			return r, nil, nil, err
		}
		if now {
			reversed = append(reversed, p.Invoice)
			if err := tx.Audit("", p.InvoiceID, "payment", 0, "ok", fmt.Sprintf("payment %d reversed (payment cancel %s): owed again", p.ID, key)); err != nil {
				return r, nil, nil, err
			}
		}
	}
	return r, reversed, parts, nil
}

// cancelReceipt cancels a payment's receipt as invoice cancel does, asking SAT's
// cancellation to reverse this payment: the receipt's other payments (a monthly receipt's)
// stand, and are stated again in a new receipt. A receipt whose cancellation is under way
// already is followed.
func cancelReceipt(ctx context.Context, a *app, st *store.Store, f *cancelFlags, r receiptOfPayment, paymentID int64) error {
	v, err := st.ReadInvoice(ctx, r.id)
	if err != nil {
		return err
	}
	keyed := f.key != ""
	req, err := f.request(ctx, a, v)
	if err != nil {
		return err
	}
	req.Payments = []int64{paymentID}
	if !keyed {
		req.Key = contentKey("cancel", v.ID, req.Motive, req.Replacement, "payment", paymentID)
	}
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	run, again := wc.Temporal.GetWorkflow(ctx, workflows.CancelWorkflowID(wc.Installation, v.ID), ""), true
	if !r.standing {
		if run, again, err = f.startOrFollow(ctx, st, wc, v, req); err != nil {
			return err
		}
	}
	if !a.jsonOut {
		fmt.Fprintf(a.out, "its receipt %s is cancelled at SAT first; the payment is reversed once it is (any other payment it states stands, stated again in a new receipt)\n", invoiceNumber(v))
		printCancellationKey(a, req.Key, again)
	}
	return f.waitAndShow(ctx, a, st, wc, run, v)
}
