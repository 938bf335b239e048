package activities

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/rules"
	"billrun/internal/store"
)

// Cash sales (seed 004, "pago de contado"): an invoice on cash terms that name a cash box
// is collected on the spot as it completes; a return or rebate on it is paid back out of
// the box; its cancellation gives the money back. Each in the transaction of the step that
// makes it, under the invoice's row lock, once.

// CashCollector collects a cash sale into its box.
type CashCollector interface {
	CollectCash(invoiceID int64, s store.CashSale, boxAmount decimal.Decimal) (bool, error)
}

// CashRefunder pays a credit note's refund out of its cash sale's box.
type CashRefunder interface {
	CashHeld(saleID int64) (box string, h rules.CashHeld, found bool, err error)
	RefundCash(creditNoteID, saleID int64, out, box decimal.Decimal, on time.Time) error
}

// CashGiver gives back the cash a cancelled document moved.
type CashGiver interface {
	GiveCashBack(documentID int64) (decimal.Decimal, error)
}

// collectCash collects a completed invoice on the spot when its terms name a cash box:
// its receivable's balance (what credits settled is not collected) is paid, in the box's
// currency by rules.CashIn — a box that cannot take the sale's currency is a business
// error of the step, naming the box. It answers what it says of it ("" when nothing).
func collectCash(tx CashCollector, h store.InvoiceHead, s store.CashSale, step string) (string, error) {
	amount, err := rules.CashIn(s.InvoiceCurrency, s.BooksCurrency, s.BoxCurrency, s.Balance, s.Rate, s.BoxDecimals)
	if errors.Is(err, rules.ErrCashBox) {
		return "", businessf(step, "invoice %d (customer %s), payment terms' cash box %s: %s", h.ID, h.Customer, s.Box, err.Error())
	}
	if err != nil {
		return "", err
	}
	collected, err := tx.CollectCash(h.ID, s, amount)
	if err != nil || !collected {
		return "", err
	}
	return fmt.Sprintf("; collected on the spot: %s %s into cash box %s", amount, s.BoxCurrency, s.Box), nil
}

// refundCash pays what a credit note owes back on a cash sale out of the sale's box, as
// far as the box holds what the sale brought in (rules.CashRefund); it answers what is
// left owed back (refund due) and what it paid out, in the sale's currency.
func refundCash(tx CashRefunder, creditNoteID, saleID int64, refund decimal.Decimal, on time.Time) (due, paid decimal.Decimal, box string, err error) {
	if !refund.IsPositive() {
		return refund, decimal.Zero, "", nil
	}
	box, held, found, err := tx.CashHeld(saleID)
	if err != nil || !found {
		return refund, decimal.Zero, "", err
	}
	out, boxOut, due := rules.CashRefund(refund, held)
	if out.IsPositive() {
		if err := tx.RefundCash(creditNoteID, saleID, out, boxOut, on); err != nil {
			return refund, decimal.Zero, box, err
		}
	}
	return due, out, box, nil
}

// giveCashBack reverses the cash a cancelled document moved, and says so ("" when none).
func giveCashBack(tx CashGiver, id int64) (string, error) {
	amount, err := tx.GiveCashBack(id)
	if err != nil || amount.IsZero() {
		return "", err
	}
	return fmt.Sprintf(", %s given back from the cash box", amount), nil
}
