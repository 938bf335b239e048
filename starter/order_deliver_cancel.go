package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// noteCancelResult is what `order deliver --cancel` answers.
type noteCancelResult struct {
	Note      string `json:"note"`
	Cancelled bool   `json:"cancelled"`
	Again     bool   `json:"again"` // cancelled before: nothing moved now
}

// parseNote reads a delivery note's number, ORDER-SEQ.
func parseNote(s string) (order int64, seq int, err error) {
	o, q, ok := strings.Cut(s, "-")
	order, err1 := strconv.ParseInt(o, 10, 64)
	seq, err2 := strconv.Atoi(q)
	if !ok || err1 != nil || err2 != nil || order <= 0 || seq <= 0 {
		return 0, 0, &model.InputError{Problems: []string{fmt.Sprintf("--cancel: %q is not a delivery note number (ORDER-N, as order deliveries lists them)", s)}}
	}
	return order, seq, nil
}

// runCancelNote cancels a delivery note no standing invoice covers, under its order
// lines' row locks (taken first, as a delivery and an invoice's completion take them): its
// goods come back, its order has them to deliver again.
func runCancelNote(ctx context.Context, a *app, f deliveryFlags) error {
	order, seq, err := parseNote(f.cancel)
	if err != nil {
		return err
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	res := noteCancelResult{Note: f.cancel, Cancelled: true}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		o, _, _, err := tx.LockOrderForDelivery(order)
		if err != nil {
			return err
		}
		id, n, lines, err := tx.NoteForCancel(o.ID, seq)
		if errors.Is(err, model.ErrNotFound) {
			return fmt.Errorf("delivery note %s: %w", f.cancel, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		again, problem := rules.CancelDelivery(n)
		if problem != "" {
			return &model.InputError{Problems: []string{problem}}
		}
		if res.Again = again; again {
			return nil
		}
		for _, l := range lines {
			if _, _, _, err := tx.LockStock(l.Warehouse, l.Item); err != nil {
				return err
			}
			if err := tx.UndeliverNoteLine(l); err != nil {
				return err
			}
		}
		return tx.CancelNote(id, o.ID)
	})
	if err != nil {
		return err
	}
	return a.emit(res, func() {
		if res.Again {
			fmt.Fprintf(a.out, "delivery note %s was cancelled already: nothing moved again\n", res.Note)
			return
		}
		fmt.Fprintf(a.out, "delivery note %s cancelled: its goods are back in the warehouse, to deliver again\n", res.Note)
	})
}
