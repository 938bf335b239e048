package activities

import (
	"context"
	"errors"
	"fmt"
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
}

// IssuePaymentReceipt records the receipt of a payment of an invoice paid in installments
// (MX: MetodoPago PPD) — numbered in its series' receipt series, dated today in Mexico —
// in one transaction under the paid invoice's row lock. Issuing it again answers the
// receipt made. A series with no receipt series, or an invoice not stamped yet, is a
// business error: nothing is written, and the receipt is issued once it is fixed.
func (a *Receipts) IssuePaymentReceipt(ctx context.Context, in PaymentReceiptRequest) (PaymentReceiptResult, error) {
	var res PaymentReceiptResult
	err := a.Store.InTx(ctx, func(tx ReceiptsTx) error {
		p, err := tx.LockPaymentForReceipt(in.PaymentID)
		if err != nil {
			return err
		}
		if p.ReceiptID != 0 { // made before
			h, err := tx.LockInvoice(p.ReceiptID)
			if err != nil || h.Number == nil {
				return err
			}
			res = PaymentReceiptResult{ID: h.ID, Series: h.Series, Number: *h.Number}
			return nil
		}
		if res.NotNeeded = ReceiptNotNeeded(p); res.NotNeeded != "" {
			return nil
		}
		if err := checkReceipt(p); err != nil {
			return err
		}
		date, _ := time.Parse(time.DateOnly, fiscal.Today(p.Country, a.now()))
		id, err := tx.InsertPaymentReceipt(p, date)
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
		res = PaymentReceiptResult{ID: id, Series: p.Series, Number: n}
		detail := fmt.Sprintf("%s-%d: payment %d of %s (parcialidad %d, %s of %s)", p.Series, n, p.ID, p.Invoice, p.Parcialidad, p.Amount, p.SaldoAnt)
		if err := tx.Audit("", id, StepReceipt, 1, "ok", detail); err != nil {
			return err
		}
		return tx.Audit("", p.InvoiceID, StepReceipt, p.Parcialidad, "ok", detail)
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

// checkReceipt refuses a receipt that cannot be issued yet, naming what to fix.
func checkReceipt(p store.ReceivedPayment) error {
	switch {
	case p.Series == "":
		return businessf(StepReceipt, "the series of invoice %s names no payment_receipt_series: import one (document kind payment_receipt) and issue the receipt again", p.Invoice)
	case p.UUID == "":
		return businessf(StepReceipt, "invoice %s is not stamped: its payment's receipt relates to its folio fiscal; stamp it (invoice restamp) and issue the receipt again", p.Invoice)
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
