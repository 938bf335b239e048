package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// StepReceipt is the step that records a payment's receipt.
const StepReceipt = "receipt"

// PaymentReceiptRequest asks for the receipt of a recorded payment.
type PaymentReceiptRequest struct {
	PaymentID int64 `json:"payment_id"`
}

// PaymentReceiptResult is the receipt recorded, numbered, for the payment; NotNeeded says
// why a payment takes none (an invoice paid in one exhibition, PUE, has its CFDI as the
// receipt; a Uruguayan invoice has no such document).
type PaymentReceiptResult struct {
	ID        int64  `json:"id,omitempty"`
	Series    string `json:"series,omitempty"`
	Number    int64  `json:"number,omitempty"`
	NotNeeded string `json:"not_needed,omitempty"`
	// Late says the receipt was issued after the 5th of the month after a payment it states
	// (RMF 2.7.1.32): issued all the same, and said.
	Late string `json:"late,omitempty"`
	// Unpublished are the receiver's earlier receipts of the month, made but not yet
	// published (a run stopped midway): taken on before the new one.
	Unpublished []int64 `json:"unpublished,omitempty"`
}

// IssuePaymentReceipt records the receipt of a payment of an invoice paid in installments
// (MX: MetodoPago PPD) — numbered in its series' receipt series, dated today in Mexico —
// in one transaction under the paid invoice's row lock. Issuing it again answers the
// receipt made. A series with no receipt series, or an invoice not stamped yet, is a
// business error: nothing is written, and the receipt is issued once it is fixed.
func (a *Receipts) IssuePaymentReceipt(ctx context.Context, in PaymentReceiptRequest) (PaymentReceiptResult, error) {
	var res PaymentReceiptResult
	err := a.Store.InTx(ctx, func(tx ReceiptsTx) error {
		ps, err := tx.LockPaymentForReceipt(in.PaymentID)
		if err != nil {
			return err
		}
		p := ps[0]
		if p.ReceiptID != 0 { // made before (read unlocked: its cancellation locks it, then these invoices)
			series, number, _, err := tx.DocumentNumber(p.ReceiptID)
			if err != nil || number == 0 {
				return err
			}
			res = PaymentReceiptResult{ID: p.ReceiptID, Series: series, Number: number}
			return nil
		}
		if p.Reversed {
			res.NotNeeded = "the payment was cancelled (payment cancel, or its receipt was cancelled, and the payment reversed): it takes no receipt"
			return nil
		}
		if res.NotNeeded = ReceiptNotNeeded(p); res.NotNeeded != "" {
			return nil
		}
		for _, x := range ps {
			if err := checkReceipt(x, p); err != nil {
				return err
			}
		}
		date, _ := time.Parse(time.DateOnly, fiscal.Today(p.Country, a.now()))
		id, err := tx.InsertPaymentReceipt(ps, date)
		if err != nil {
			return err
		}
		n, err := takeNumber(tx, id, p.Series, date)
		if errors.Is(err, rules.ErrClosedPeriod) || errors.Is(err, rules.ErrNoCAE) {
			return businessf(StepReceipt, "%s", err.Error())
		}
		if err == nil {
			err = tx.Number(store.InvoiceHead{ID: id, Series: p.Series, InvoiceDate: date}, n)
		}
		if err != nil {
			return err
		}
		res = PaymentReceiptResult{ID: id, Series: p.Series, Number: n, Late: rules.LateReceipt(p.PaidOn, date)}
		var paid []string
		for _, x := range ps {
			paid = append(paid, fmt.Sprintf("%s (parcialidad %d, %s of %s)", x.Invoice, x.Parcialidad, x.Amount, x.SaldoAnt))
		}
		detail := strings.TrimSuffix(fmt.Sprintf("%s-%d: payment %d of %s; %s", p.Series, n, p.ID, strings.Join(paid, ", "), res.Late), "; ")
		if err := tx.Audit("", id, StepReceipt, 1, "ok", detail); err != nil {
			return err
		}
		for _, x := range ps {
			if err := tx.Audit("", x.InvoiceID, StepReceipt, x.Parcialidad, "ok", detail); err != nil {
				return err
			}
		}
		return nil
	})
	return res, temporalError(StepReceipt, err)
}

// ReceiptNotNeeded says why a payment takes no receipt ("": it takes one).
func ReceiptNotNeeded(p store.ReceivedPayment) string {
	switch {
	case p.Country != "MX":
		return fmt.Sprintf("invoice %s is not Mexican: its payments take no CFDI de Recepción de Pagos", p.Invoice)
	case p.Method != "PPD":
		return fmt.Sprintf("invoice %s is paid in one exhibition (PUE): its CFDI is the receipt", p.Invoice)
	}
	return ""
}

// checkReceipt refuses a receipt that cannot be issued yet, naming what to fix: each
// invoice it relates must be stamped, and take receipts in the first one's series.
func checkReceipt(p, first store.ReceivedPayment) error {
	switch {
	case ReceiptNotNeeded(p) != "" || p.Series != first.Series:
		return businessf(StepReceipt, "invoices %s and %s take their payments' receipts in different series (%q, %q) or not at all: record their payments apart", first.Invoice, p.Invoice, first.Series, p.Series)
	case p.Series == "":
		return businessf(StepReceipt, "the series of invoice %s names no payment_receipt_series: import one (document kind payment_receipt) and issue the receipt again (billrun payment receipt KEY)", p.Invoice)
	case p.UUID == "":
		return businessf(StepReceipt, "invoice %s is not stamped: its payment's receipt relates to its folio fiscal; stamp it (invoice restamp) and issue the receipt again (billrun payment receipt KEY)", p.Invoice)
	}
	return nil
}

// now is when the receipt is dated.
func (a *Receipts) now() time.Time {
	if a.clock != nil {
		return a.clock()
	}
	return time.Now()
}

// WithReceiptClock sets the day a stage's receipts are dated (tests).
func WithReceiptClock(a *Receipts, now func() time.Time) { a.clock = now }
