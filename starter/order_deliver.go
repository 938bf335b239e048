package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// deliveryFlags are `order deliver`'s flags: --line and --qty paired in the order given.
type deliveryFlags struct {
	lines      []int
	qtys       []string
	date, key  string
	orderInput string
	cancel     string // a note to cancel
}

// orderDeliverCmd records a delivery note (seed 002 remito, seed 004 remisión): its goods
// leave the order's warehouse now, and the invoice that later bills them moves no stock
// for them and marks the note invoiced.
func orderDeliverCmd(a *app) *cobra.Command {
	var f deliveryFlags
	c := &cobra.Command{
		Use:   "deliver ORDER --line N --qty Q [--line M --qty R ...] [--date D] [--key K] | --cancel NOTE",
		Short: "Record a delivery note of an approved order: its goods leave the order's warehouse, once",
		Long: `Records a delivery note (remito) of an approved order, numbered ORDER-1, ORDER-2, ... among the
order's notes: each --line N --qty Q pair delivers Q of the order's line N (a stocked item, at
most what is left to deliver) out of the order's warehouse, refused past the available balance
(on hand less what other orders committed) unless the order's series allows negative stock.
All lines or none. --key names the request (default: made of the order, its lines, the date
and today): the same key again answers the note it made, delivering nothing twice.
The invoice that later bills these lines moves no stock for what the note delivered and
marks the note's lines invoiced; see them with: billrun order deliveries ORDER.
--cancel NOTE (e.g. 1701-1) cancels a note no standing invoice covers: its goods come back
into the warehouse and its order has them to deliver again; a note cancelled before is
answered again, nothing moved twice.`,
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.cancel != "" {
				if len(args) > 0 || len(f.lines) > 0 || len(f.qtys) > 0 {
					return &model.InputError{Problems: []string{"--cancel NOTE: takes no ORDER, --line or --qty (the note names its order)"}}
				}
				return runCancelNote(cmd.Context(), a, f)
			}
			if len(args) != 1 {
				return &model.InputError{Problems: []string{"ORDER: name the order delivered (or --cancel NOTE)"}}
			}
			f.orderInput = args[0]
			return runDeliver(cmd.Context(), a, f)
		},
	}
	c.Flags().IntSliceVar(&f.lines, "line", nil, "an order line number (repeat, each followed by its --qty)")
	c.Flags().StringArrayVar(&f.qtys, "qty", nil, "the quantity delivered of the --line before it")
	c.Flags().StringVar(&f.date, "date", "", "the delivery note's date (default: today where the order's issuer is)")
	c.Flags().StringVar(&f.key, "key", "", "the request's idempotency key (default: made of the order, its lines, the date and today)")
	c.Flags().StringVar(&f.cancel, "cancel", "", "cancel delivery note NOTE (ORDER-N) not invoiced: its goods come back")
	return c
}

// parseDelivery reads the flags, naming every problem.
func parseDelivery(f deliveryFlags) (int64, []rules.DeliveryRequest, []string) {
	var probs []string
	order, err := strconv.ParseInt(f.orderInput, 10, 64)
	if err != nil || order <= 0 {
		probs = append(probs, fmt.Sprintf("ORDER: %q is not an order number", f.orderInput))
	}
	if len(f.lines) != len(f.qtys) {
		probs = append(probs, fmt.Sprintf("--line/--qty: %d lines and %d quantities: give each --line its --qty", len(f.lines), len(f.qtys)))
	}
	var req []rules.DeliveryRequest
	for i := 0; i < len(f.lines) && i < len(f.qtys); i++ {
		q, err := decimal.NewFromString(f.qtys[i])
		if err != nil {
			probs = append(probs, fmt.Sprintf("--line %d --qty: %q is not a number", f.lines[i], f.qtys[i]))
			continue
		}
		req = append(req, rules.DeliveryRequest{Line: f.lines[i], Quantity: q})
	}
	if f.date != "" {
		if _, err := time.Parse(time.DateOnly, f.date); err != nil {
			probs = append(probs, fmt.Sprintf("--date: %q is not a date (YYYY-MM-DD)", f.date))
		}
	}
	return order, req, probs
}

// deliveryResult is what `order deliver` answers.
type deliveryResult struct {
	Order int64                `json:"order"`
	Note  string               `json:"note"`
	Key   string               `json:"key"`
	Again bool                 `json:"again"` // the key's note, made before: nothing delivered now
	Lines []rules.DeliveryLine `json:"lines"`
}

func runDeliver(ctx context.Context, a *app, f deliveryFlags) error {
	order, req, probs := parseDelivery(f)
	if len(probs) > 0 {
		return &model.InputError{Problems: probs}
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	countries, err := st.OrderCountries(ctx, order)
	if err != nil {
		return err
	}
	if f.date == "" {
		if f.date, err = issuerToday("--date", countries, time.Now()); err != nil {
			return err
		}
	} else if err := notAfterToday("--date", f.date, countries, time.Now()); err != nil {
		return err // goods are not delivered in the future
	}
	if f.key == "" { // the same lines in any order of the flags are the same request
		var parts []any
		for _, r := range slices.SortedFunc(slices.Values(req), func(x, y rules.DeliveryRequest) int { return cmp.Compare(x.Line, y.Line) }) {
			parts = append(parts, fmt.Sprintf("%d=%s", r.Line, r.Quantity))
		}
		f.key = contentKey("deliver", append([]any{order, f.date}, parts...)...)
	}
	date, _ := time.Parse(time.DateOnly, f.date)
	res := deliveryResult{Order: order, Key: f.key}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		return deliver(tx, order, req, date, &res)
	})
	if err != nil {
		return err
	}
	return a.emit(res, func() {
		if res.Again {
			fmt.Fprintf(a.out, "delivery note %s was recorded already (key %s): nothing delivered again\n", res.Note, res.Key)
			return
		}
		fmt.Fprintf(a.out, "delivery note %s of order %d (%s, key %s):\n", res.Note, order, f.date, res.Key)
		for _, l := range res.Lines {
			fmt.Fprintf(a.out, "  order line %d  %-10s %s delivered\n", l.Line, l.Item, l.Quantity)
		}
	})
}

// deliver records the note under the order lines' row locks (read before anything is
// decided), then the stock rows', in item order: all lines or none.
func deliver(tx *store.Tx, order int64, req []rules.DeliveryRequest, date time.Time, res *deliveryResult) error {
	o, lines, committing, err := tx.LockOrderForDelivery(order)
	if err != nil {
		return err
	}
	prevOrder, number, prevLines, found, err := tx.NoteByKey(res.Key)
	if err != nil {
		return err
	}
	if found {
		if prevOrder != order || !sameDelivery(prevLines, req) {
			return &model.InputError{Problems: []string{fmt.Sprintf("--key %s: already names delivery note %s, of other lines", res.Key, number)}}
		}
		res.Note, res.Again = number, true
		return nil
	}
	plan, probs := rules.PlanDelivery(order, o.Status, o.Return, lines, req)
	if len(probs) > 0 {
		return &model.InputError{Problems: probs}
	}
	id, seq, err := tx.CreateNote(o.ID, date, res.Key)
	if err != nil {
		return err
	}
	res.Note, res.Lines = fmt.Sprintf("%d-%d", order, seq), plan
	// Every stock row in item order first, as an invoice's discharge takes them: two
	// deliveries (or a delivery and a discharge) never wait for each other in a circle.
	items := make([]string, 0, len(plan))
	for _, l := range plan {
		items = append(items, l.Item)
	}
	slices.Sort(items)
	for _, item := range slices.Compact(items) {
		if _, _, _, err := tx.LockStock(o.Warehouse, item); err != nil {
			return err
		}
	}
	var short []string
	for i, l := range plan {
		onHand, committed, ok, err := tx.LockStock(o.Warehouse, l.Item)
		if err != nil {
			return err
		}
		if !ok && !o.AllowNegative {
			short = append(short, fmt.Sprintf("--line %d: no stock of item %s in warehouse %s (needs %s)", l.Line, l.Item, o.Warehouse, l.Quantity))
			continue
		}
		if !ok {
			if err := tx.CreateStock(o.Warehouse, l.Item); err != nil {
				return err
			}
		}
		release := decimal.Zero
		if committing[l.OrderLineID] {
			release = decimal.Min(committed, l.Quantity)
		}
		if s := rules.DeliveryShortfall(l.Line, l.Item, o.Warehouse, onHand, committed, release, l.Quantity, o.AllowNegative); s != "" {
			short = append(short, s)
			continue
		}
		if err := tx.AddNoteLine(id, i+1, o.Warehouse, l, release); err != nil {
			return err
		}
	}
	if len(short) > 0 {
		return &model.InputError{Problems: append(short, fmt.Sprintf("order %d: nothing delivered", order))}
	}
	return tx.FulfilOrder(o.ID)
}

// sameDelivery is whether a note's lines are the ones asked for.
func sameDelivery(prev map[int]decimal.Decimal, req []rules.DeliveryRequest) bool {
	if len(prev) != len(req) {
		return false
	}
	for _, r := range req {
		if q, ok := prev[r.Line]; !ok || !q.Equal(r.Quantity) {
			return false
		}
	}
	return true
}

// orderDeliveriesCmd lists an order's delivery notes, their lines and the invoices that
// cover each.
func orderDeliveriesCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "deliveries ORDER",
		Short: "List an order's delivery notes, their lines and the invoices that cover each",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			order, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || order <= 0 {
				return &model.InputError{Problems: []string{fmt.Sprintf("ORDER: %q is not an order number", args[0])}}
			}
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			notes, err := st.DeliveryNotes(cmd.Context(), order)
			if err != nil {
				return err
			}
			if notes == nil {
				notes = []store.DeliveryNoteView{}
			}
			return a.emit(notes, func() { printNotes(a, order, notes) })
		},
	}
}

func printNotes(a *app, order int64, notes []store.DeliveryNoteView) {
	if len(notes) == 0 {
		fmt.Fprintf(a.out, "order %d: no delivery notes\n", order)
	}
	for _, n := range notes {
		fmt.Fprintf(a.out, "delivery note %s  %s  %s\n", n.Number, n.Date, n.Status)
		for _, l := range n.Lines {
			state := "not invoiced"
			switch {
			case l.Invoiced.GreaterThanOrEqual(l.Quantity):
				state = "invoiced by " + strings.Join(l.Invoices, ", ")
			case l.Invoiced.IsPositive():
				state = fmt.Sprintf("%s of %s invoiced by %s", l.Invoiced, l.Quantity, strings.Join(l.Invoices, ", "))
			}
			fmt.Fprintf(a.out, "  %d  order line %d  %-10s %-10s %s  %s\n", l.Line, l.OrderLine, l.Item, l.Warehouse, l.Quantity, state)
		}
	}
}
