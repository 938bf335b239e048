package store_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"billrun/internal/batching"
	"billrun/internal/fiscal"
	"billrun/internal/importfmt"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
	"billrun/schema/testdb"
)

// world is a writer test's ground: the demo's data in a database of its own (as
// demoStore), the store on it, and a connection of the test's own to check what a writer
// wrote and to arrange what the rest of billrun would have done.
type world struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	db  *pgxpool.Pool
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	url := testdb.New(t)
	st, err := store.Open(ctx, url, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	db, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	f, err := os.Open("../../examples/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := importfmt.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	d.BaseDir = "../../examples"
	if _, err := st.Import(ctx, d); err != nil {
		t.Fatal(err)
	}
	return &world{t: t, ctx: ctx, st: st, db: db}
}

// row answers one value of a query as text (cast numerics: balance::text).
func (w *world) row(sql string, args ...any) string {
	w.t.Helper()
	var s *string
	if err := w.db.QueryRow(w.ctx, sql, args...).Scan(&s); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
	if s == nil {
		return "<null>"
	}
	return *s
}

// count answers a count(*) query.
func (w *world) count(sql string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.db.QueryRow(w.ctx, sql, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// id answers an id a query finds.
func (w *world) id(sql string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.db.QueryRow(w.ctx, sql, args...).Scan(&id); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
	return id
}

// exec runs SQL behind the store's back (what another part of billrun would have done).
func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	if _, err := w.db.Exec(w.ctx, sql, args...); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

// tx runs fn in one of the store's transactions.
func (w *world) tx(fn func(*store.Tx) error) error { return w.st.InTx(w.ctx, fn) }

func (w *world) mustTx(fn func(*store.Tx) error) {
	w.t.Helper()
	if err := w.tx(fn); err != nil {
		w.t.Fatal(err)
	}
}

// orders are the parameters of a batch of the orders from..to, series A, one invoice per order.
func orders(from, to int64) model.BatchParams {
	return model.BatchParams{SourceKind: model.SourceOrders, OrdersFrom: from, OrdersTo: to, Series: "A",
		InvoiceDate: "2026-11-23", Rate: decimal.NewFromInt(1), Grouping: rules.GroupNone}
}

// create records a batch.
func (w *world) create(id string, p model.BatchParams) {
	w.t.Helper()
	if _, err := batching.Create(w.ctx, w.st, id, p); err != nil {
		w.t.Fatal(err)
	}
}

// selectAll selects, screens and claims all of the batch's sources, as planning's
// selection does; the batch is then grouping.
func (w *world) selectAll(batchID string) {
	w.t.Helper()
	w.mustTx(func(tx *store.Tx) error {
		b, err := tx.LockBatch(batchID)
		if err != nil {
			return err
		}
		sel, err := tx.SelectLines(b)
		if err != nil {
			return err
		}
		lines, err := batching.SourceLines(sel)
		if err != nil {
			return err
		}
		routes, err := tx.DocumentRoutes()
		if err != nil {
			return err
		}
		rules.RouteDocumentKinds(lines, routes)
		billed, skipped := rules.Screen(lines, b.Params.AllowZeroPrice)
		if err := tx.RecordSelected(batchID, billed, groupKeys(billed), skipped); err != nil {
			return err
		}
		return tx.SetPlanState(batchID, "grouping", 0)
	})
}

// groupKeys are the lines' group keys, as planning records them.
func groupKeys(lines []rules.SourceLine) []string {
	keys := make([]string, len(lines))
	for i, l := range lines {
		keys[i] = rules.GroupKey(l.Billable)
	}
	return keys
}

// group turns the batch's selected lines into drafts, as planning's grouping does.
func (w *world) group(batchID string) {
	w.t.Helper()
	keys, err := w.st.SelectedKeys(w.ctx, batchID)
	if err != nil {
		w.t.Fatal(err)
	}
	ids := make([]int64, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	w.mustTx(func(tx *store.Tx) error {
		b, err := tx.LockBatch(batchID)
		if err != nil {
			return err
		}
		lines, err := tx.SelectedLines(batchID, ids)
		if err != nil || len(lines) == 0 {
			return err
		}
		opts, err := tx.PlanOptions(b)
		if err != nil {
			return err
		}
		first, err := tx.NextGroupNo(batchID)
		if err != nil {
			return err
		}
		if err := tx.WriteInvoices(b, rules.GroupInvoices(lines, opts, first)); err != nil {
			return err
		}
		return tx.SetPlanState(batchID, "planned", 0)
	})
}

// plan creates a batch and plans it through the store's planning writers; it answers
// its drafts' ids in group order.
func (w *world) plan(id string, p model.BatchParams) []int64 {
	w.t.Helper()
	w.create(id, p)
	w.selectAll(id)
	w.group(id)
	return w.invoices(id)
}

// invoices are a batch's invoices' ids in group order.
func (w *world) invoices(batchID string) []int64 {
	w.t.Helper()
	rows, err := w.db.Query(w.ctx, `select id from invoices where batch_id = $1 order by group_no`, batchID)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// invoice plans a batch of the one order and answers its draft.
func (w *world) invoice(batchID string, order int64) int64 {
	w.t.Helper()
	ids := w.plan(batchID, orders(order, order))
	if len(ids) != 1 {
		w.t.Fatalf("order %d made %d invoices, not 1", order, len(ids))
	}
	return ids[0]
}

// price prices a draft and moves it to processing, as the pricing step does.
func (w *world) price(id int64) {
	w.t.Helper()
	w.mustTx(func(tx *store.Tx) error {
		policy, decimals, lines, err := tx.PricingInputs(id)
		if err != nil {
			return err
		}
		var priced []rules.LineAmounts
		for _, l := range lines {
			a, err := rules.PriceLine(l.Input, decimals, policy)
			if err != nil {
				return err
			}
			if err := tx.SaveLineAmounts(l.ID, a); err != nil {
				return err
			}
			priced = append(priced, a)
		}
		if err := tx.SaveTotals(id, rules.SumLines(priced)); err != nil {
			return err
		}
		return tx.MarkProcessing(id)
	})
}

// complete prices a draft, posts its receivable by its terms and numbers it, as the
// invoice workflow's steps do (stock is left alone), and answers it as it then is.
func (w *world) complete(id int64) store.InvoiceHead {
	w.t.Helper()
	w.price(id)
	var h store.InvoiceHead
	w.mustTx(func(tx *store.Tx) error {
		h, terms, err := tx.LockForReceivable(id) // the receivable and completion steps' own statements
		if err != nil {
			return err
		}
		audit := func(step string) store.AuditRow {
			return store.AuditRow{BatchID: h.BatchID, InvoiceID: id, Step: step, Attempt: h.Attempt, Outcome: "ok"}
		}
		if r, ok, err := rules.ReceivableFor(terms.Kind, terms.Days, terms.Generic, h.InvoiceDate); err != nil {
			return err
		} else if ok {
			if err := tx.PostReceivableAudited(h, r.Kind, r.DueDate, audit(model.StepReceivable)); err != nil {
				return err
			}
		}
		lock, err := tx.SettleAndLockSeries(id, h.SourceKinds, store.JournalHead{}, nil, h.Series)
		if err != nil {
			return err
		}
		return tx.NumberAudited(h, lock.Next, audit(model.StepComplete))
	})
	w.mustTx(func(tx *store.Tx) (err error) {
		h, err = tx.LockInvoice(id)
		return err
	})
	return h
}

// number gives the invoice its series' next number and completes it (the demo's Mexican
// series number no CFE: no CAE), as completion does.
func number(tx *store.Tx, h store.InvoiceHead) error {
	next, _, _, _, err := tx.LockSeries(h.Series)
	if err != nil {
		return err
	}
	return tx.Number(h, next)
}

// completed plans and completes an invoice of the one order.
func (w *world) completed(batchID string, order int64) store.InvoiceHead {
	w.t.Helper()
	return w.complete(w.invoice(batchID, order))
}

// fail records the invoice's attempt failed, as the invoice workflow's undo does.
func (w *world) fail(id int64, step, reason string) {
	w.t.Helper()
	w.mustTx(func(tx *store.Tx) error {
		if err := tx.ReverseReceivable(id); err != nil {
			return err
		}
		return tx.MarkFailed(id, step, reason)
	})
}

// pay records a payment on the invoice dated 2026-11-24.
func (w *world) pay(id int64, amount, key string) (model.ReceivableView, bool, error) {
	return w.st.RecordPayment(w.ctx, store.Payment{InvoiceID: id, Amount: dec(amount), PaidOn: day(24), Key: key})
}

// returned records the return of qty of the invoice's first line as its credit note number
// seq, as the credit note activity does (no stock moved): the note and its lines, what it
// applies to the invoice's receivable and what is owed back, its number. It answers the
// credit note's id, what it applied and the refund due.
func (w *world) returned(invoiceID int64, seq int, qty string) (id int64, applied, refund decimal.Decimal) {
	w.t.Helper()
	w.mustTx(func(tx *store.Tx) error {
		h, err := tx.LockCredited(invoiceID)
		if err != nil {
			return err
		}
		l := h.Lines[0]
		a, err := rules.PriceCredit(rules.CreditReturn, l.InvoicedLine, rules.CreditLine{LineNo: l.LineNo, Quantity: dec(qty)}, h.Decimals, h.Policy)
		if err != nil {
			return err
		}
		n := store.NewCreditNote{Kind: rules.CreditReturn, Seq: seq, Date: day(25), Totals: rules.SumLines([]rules.LineAmounts{a}),
			Lines: []store.NewCreditLine{{Of: l, Quantity: dec(qty), UnitPrice: a.Amount.Div(dec(qty)).Round(6), Amounts: a}}}
		if id, _, err = tx.InsertCreditNote(h, n); err != nil {
			return err
		}
		rec, balance, err := tx.LockLiveReceivable(invoiceID)
		if err != nil {
			return err
		}
		applied, refund = rules.ApplyCredit(balance, n.Totals.Total)
		if err := tx.RecordCreditApplication(id, rec, applied, refund); err != nil {
			return err
		}
		return number(tx, store.InvoiceHead{ID: id, Series: h.CreditSeries, InvoiceDate: n.Date})
	})
	return id, applied, refund
}

// day is a day of November 2026, after series A's closing date.
func day(d int) time.Time { return time.Date(2026, time.November, d, 0, 0, 0, 0, time.UTC) }

// document is a made-up fiscal document of the invoice (no certificate, no PAC).
func document(id int64, uuid string) fiscal.Document {
	n := strconv.FormatInt(id, 10)
	return fiscal.Document{XML: "<cfdi:Comprobante Folio=\"" + n + "\"/>", Certificate: "00001000000500000001", Signature: "sello-" + n,
		UUID: uuid, StampedAt: "2026-11-23T10:00:00", StampCertificate: "00001000000500000002"}
}

// stamped seals and stamps a completed invoice with a made-up document: uuid is its folio fiscal.
func (w *world) stamped(id int64, uuid string) {
	w.t.Helper()
	w.mustTx(func(tx *store.Tx) error {
		if err := tx.SaveSealed(id, document(id, "")); err != nil {
			return err
		}
		_, err := tx.SaveStamped(id, document(id, uuid))
		return err
	})
}

// refusedBy tells whether err is the database refusing a write: by the named constraint,
// or by a trigger whose message says what.
func refusedBy(err error, what string) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.ConstraintName == what || strings.Contains(pg.Message, what))
}

// isInput tells whether err is bad input the store refused, with nothing written.
func isInput(err error) bool {
	var in *model.InputError
	return errors.As(err, &in)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
