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
// the batch allows it. One read (the invoice, its policy, its lines and their stock rows,
// locked) and one write (the movements, the stock and the audit row).
func (a *Invoicing) DischargeStock(ctx context.Context, in InvoiceStep) error {
	invoiceID, attempt := in.InvoiceID, in.Attempt
	err := a.Store.InTx(ctx, func(tx InvoicingTx) error {
		h, f, err := tx.LockForDischarge(invoiceID, attempt)
		if err != nil {
			return err
		}
		if h.Status != "processing" || h.Attempt != attempt {
			return nil // completed, failed or superseded: this run has nothing to do
		}
		if !f.Discharge {
			return tx.Audit(h.BatchID, invoiceID, model.StepStock, attempt, "ok", "series does not discharge stock")
		}
		if batchReturn(h) {
			return returnStock(tx, h, f.Lines, attempt)
		}
		levels := stockLevels{}
		var moves []store.Movement
		for _, l := range f.Lines {
			lv := levels.of(l)
			if !lv.found {
				if !f.AllowNegative {
					return businessf(model.StepStock, "no stock of item %s in warehouse %s (needs %s)", l.Item, l.Warehouse, l.Quantity)
				}
				if err := tx.CreateStock(l.Warehouse, l.Item); err != nil {
					return err
				}
				lv.found = true
			}
			release := decimal.Zero
			if l.Committed {
				release = decimal.Min(lv.committed, l.Quantity)
			}
			if l.MovedOut {
				continue // moved by an earlier run of this activity
			}
			// Checked on the stock as this run's earlier moves leave it (the row stays locked).
			if available := rules.StockAvailable(lv.onHand, lv.committed, release); available.LessThan(l.Quantity) && !f.AllowNegative {
				return businessf(model.StepStock, "not enough stock of item %s in warehouse %s: %s on hand, %s of it committed to other orders, %s to discharge",
					l.Item, l.Warehouse, lv.onHand, lv.committed.Sub(release), l.Quantity)
			}
			lv.onHand, lv.committed = lv.onHand.Sub(l.Quantity), lv.committed.Sub(release)
			moves = append(moves, store.Movement{Line: l.ID, Attempt: attempt, Direction: "out", Reason: "sale",
				Warehouse: l.Warehouse, Item: l.Item, Quantity: l.Quantity, Released: release})
		}
		return tx.MoveStock(moves, store.AuditRow{BatchID: h.BatchID, InvoiceID: invoiceID, Step: model.StepStock,
			Attempt: attempt, Outcome: "ok", Detail: fmt.Sprintf("%d movements", len(moves))})
	})
	return temporalError(model.StepStock, err)
}

// stockLevel is a stock row as read under its lock, then as this run's moves leave it.
type stockLevel struct {
	found             bool
	onHand, committed decimal.Decimal
}

// stockLevels are the run's stock rows by warehouse and item, each read once: a second
// line of the same item sees what the first moved, as one movement after another would.
type stockLevels map[[2]string]*stockLevel

func (s stockLevels) of(l store.DischargeLine) *stockLevel {
	k := [2]string{l.Warehouse, l.Item}
	if lv, ok := s[k]; ok {
		return lv
	}
	lv := &stockLevel{found: l.Found, onHand: l.OnHand, committed: l.InStock}
	s[k] = lv
	return lv
}

// returnStock brings a batch's return credit note's goods back into the warehouse of
// their return order (seed 001), one incoming movement per stocked line of the attempt,
// once (the movement's unique key).
func returnStock(tx InvoicingTx, h store.InvoiceHead, lines []store.DischargeLine, attempt int) error {
	levels := stockLevels{}
	var moves []store.Movement
	for _, l := range lines {
		if lv := levels.of(l); !lv.found {
			if err := tx.CreateStock(l.Warehouse, l.Item); err != nil {
				return err
			}
			lv.found = true
		}
		if l.MovedIn {
			continue // moved by an earlier run of this step
		}
		moves = append(moves, store.Movement{Line: l.ID, Attempt: attempt, Direction: "in", Reason: "return",
			Warehouse: l.Warehouse, Item: l.Item, Quantity: l.Quantity})
	}
	return tx.MoveStock(moves, store.AuditRow{BatchID: h.BatchID, InvoiceID: h.ID, Step: model.StepStock, Attempt: attempt,
		Outcome: "ok", Detail: fmt.Sprintf("%d movements in (returned)", len(moves))})
}
