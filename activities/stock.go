package activities

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// DischargeStock posts one outgoing movement per stocked, undelivered line of the invoice's
// attempt, releasing committed stock. The movement's unique key (line, direction, attempt)
// makes a second run a no-op. Stock going negative fails the invoice unless the series or
// the batch allows it.
func (a *Invoicing) DischargeStock(ctx context.Context, in InvoiceStep) error {
	invoiceID, attempt := in.InvoiceID, in.Attempt
	err := a.Store.InTx(ctx, func(tx InvoicingTx) error {
		h, err := tx.LockInvoice(invoiceID)
		if err != nil {
			return err
		}
		if h.Status != "processing" || h.Attempt != attempt {
			return nil // completed, failed or superseded: this run has nothing to do
		}
		discharge, allowNegative, err := tx.StockPolicy(invoiceID)
		if err != nil {
			return err
		}
		if !discharge {
			return tx.Audit(h.BatchID, invoiceID, model.StepStock, attempt, "ok", "series does not discharge stock")
		}
		lines, err := tx.StockLines(invoiceID)
		if err != nil {
			return err
		}
		if batchReturn(h) {
			return returnStock(tx, h, lines, attempt)
		}
		moved := 0
		for _, l := range lines {
			onHand, committed, found, err := tx.LockStock(l.Warehouse, l.Item)
			if err != nil {
				return err
			}
			if !found {
				if !allowNegative {
					return businessf(model.StepStock, "no stock of item %s in warehouse %s (needs %s)", l.Item, l.Warehouse, l.Quantity)
				}
				if err := tx.CreateStock(l.Warehouse, l.Item); err != nil {
					return err
				}
			}
			release := decimal.Zero
			if l.Committed {
				release = decimal.Min(committed, l.Quantity)
			}
			ok, err := tx.Move(store.Movement{Line: l.ID, Attempt: attempt, Direction: "out", Reason: "sale",
				Warehouse: l.Warehouse, Item: l.Item, Quantity: l.Quantity, Released: release})
			if err != nil {
				return err
			}
			if !ok {
				continue // moved by an earlier run of this activity
			}
			// Checked on what was read before this run's move (the row stays locked).
			if available := rules.StockAvailable(onHand, committed, release); available.LessThan(l.Quantity) && !allowNegative {
				return businessf(model.StepStock, "not enough stock of item %s in warehouse %s: %s on hand, %s of it committed to other orders, %s to discharge",
					l.Item, l.Warehouse, onHand, committed.Sub(release), l.Quantity)
			}
			moved++
		}
		return tx.Audit(h.BatchID, invoiceID, model.StepStock, attempt, "ok", fmt.Sprintf("%d movements", moved))
	})
	return temporalError(model.StepStock, err)
}

// returnStock brings a batch's return credit note's goods back into the warehouse of
// their return order (seed 001), one incoming movement per stocked line of the attempt,
// once (the movement's unique key).
func returnStock(tx InvoicingTx, h store.InvoiceHead, lines []store.StockLine, attempt int) error {
	moved := 0
	for _, l := range lines {
		_, _, found, err := tx.LockStock(l.Warehouse, l.Item)
		if err != nil {
			return err
		}
		if !found {
			if err := tx.CreateStock(l.Warehouse, l.Item); err != nil {
				return err
			}
		}
		ok, err := tx.Move(store.Movement{Line: l.ID, Attempt: attempt, Direction: "in", Reason: "return",
			Warehouse: l.Warehouse, Item: l.Item, Quantity: l.Quantity})
		if err != nil {
			return err
		}
		if ok {
			moved++
		}
	}
	return tx.Audit(h.BatchID, h.ID, model.StepStock, attempt, "ok", fmt.Sprintf("%d movements in (returned)", moved))
}
