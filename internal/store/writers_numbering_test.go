package store_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"billrun/internal/rules"
	"billrun/internal/store"
)

// Numbering's writers: a series' numbers are taken under its row lock (LockSeries), a
// number completes its invoice once in its series and the series' next follows it
// (Number), and a series that numbers CFE takes each number of a CAE once, in order, with
// no gap (LockCAEs, UseCAE).

// locked tells whether a row is locked by another transaction: err is what a
// "for update nowait" of it answered.
func locked(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "55P03" // lock_not_available
}

func TestNumberCompletesTheInvoiceOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first, second := w.invoice("NUM-1", 1001), w.invoice("NUM-2", 1002)
	w.price(first)
	w.price(second)
	lockAndNumber := func(id int64, number func(next int64) int64) error {
		return w.tx(func(tx *store.Tx) error {
			next, _, _, _, err := tx.LockSeries("A")
			if err != nil {
				return err
			}
			h, err := tx.LockInvoice(id)
			if err != nil {
				return err
			}
			return tx.Number(h, number(next))
		})
	}
	series := func() string {
		return w.row(`select next_number || ' ' || coalesce(last_date::text, '<none>') from series where code = 'A'`)
	}
	invoice := func(id int64) string {
		return w.row(`select concat_ws(' ', status, coalesce(number::text, '<no number>'), case when completed_at is null then 'not completed' else 'completed_at set' end) from invoices where id = $1`, id)
	}

	// The demo's series A: its first number, closed until October 31st, nothing numbered.
	w.mustTx(func(tx *store.Tx) error {
		next, closing, last, byCAE, err := tx.LockSeries("A")
		if err != nil {
			return err
		}
		if next != 1 || closing == nil || !closing.Equal(time.Date(2026, time.October, 31, 0, 0, 0, 0, time.UTC)) || last != nil || byCAE {
			t.Errorf("series A: next %d, closing %v, last %v, by CAE %v; want 1, 2026-10-31, none, false", next, closing, last, byCAE)
		}
		// Its row is locked until the transaction ends: numbers are taken one at a time.
		if _, err := w.db.Exec(w.ctx, `select 1 from series where code = 'A' for update nowait`); !locked(err) {
			t.Errorf("series A while its next number is read: %v, want it locked", err)
		}
		return nil
	})

	if err := lockAndNumber(first, func(next int64) int64 { return next }); err != nil {
		t.Fatal(err)
	}
	if got := invoice(first); got != "completed 1 completed_at set" {
		t.Errorf("numbered: invoice %q, want completed 1", got)
	}
	if got := series(); got != "2 2026-11-23" {
		t.Errorf("numbered: series A %q, want next 2, last dated 2026-11-23", got)
	}

	// Number 1 again in series A: the database refuses it, and nothing of it stays.
	if err := lockAndNumber(second, func(int64) int64 { return 1 }); !refusedBy(err, "invoices_series_number_key") {
		t.Errorf("number 1 twice in series A: %v, want refused by invoices_series_number_key", err)
	}
	if got := invoice(second); got != "processing <no number> not completed" {
		t.Errorf("after the refused number: invoice %q, want processing", got)
	}
	if got := series(); got != "2 2026-11-23" {
		t.Errorf("after the refused number: series A %q, want next 2", got)
	}

	// The series' next follows the number given (a CAE's may be ahead of it).
	if err := lockAndNumber(second, func(int64) int64 { return 7 }); err != nil {
		t.Fatal(err)
	}
	if got := series(); got != "8 2026-11-23" {
		t.Errorf("numbered 7: series A %q, want next 8", got)
	}
	w.mustTx(func(tx *store.Tx) error {
		next, _, last, _, err := tx.LockSeries("A")
		if next != 8 || last == nil || !last.Equal(day(23)) {
			t.Errorf("series A read again: next %d, last %v; want 8, 2026-11-23", next, last)
		}
		return err
	})
}

// uyInvoice records a Uruguayan invoice of series EF, processing (its lines priced), in the
// batch of a draft of order 1001 (the demo has no Uruguayan order).
func uyInvoice(w *world, batchID string, groupNo int) store.InvoiceHead {
	w.t.Helper()
	id := w.id(`insert into invoices (batch_id, group_no, issuer, series, document_kind, customer, currency, payment_terms, invoice_date, status, total)
		values ($1, $2, 'UYE', 'EF', 'invoice', 'BINALOR', 'UYU', 'NET30', '2026-11-23', 'processing', 1220) returning id`, batchID, groupNo)
	return store.InvoiceHead{ID: id, Series: "EF", InvoiceDate: day(23)}
}

func TestUseCAEInOrderOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.invoice("CFE", 1001)
	x, y, z := uyInvoice(w, "CFE", 2), uyInvoice(w, "CFE", 3), uyInvoice(w, "CFE", 4)

	// takeNumber is the completion's numbering of a CFE: the series' lock, its CAEs', the
	// number the CAE gives (or n, when given), the invoice completed with it.
	takeNumber := func(h store.InvoiceHead, n int64) error {
		return w.tx(func(tx *store.Tx) error {
			_, _, _, byCAE, err := tx.LockSeries("EF")
			if err != nil {
				return err
			}
			if !byCAE {
				t.Errorf("series EF: not numbered by CAE")
			}
			caes, err := tx.LockCAEs("EF")
			if err != nil {
				return err
			}
			if n == 0 {
				n = caes[0].Next
			}
			if err := tx.UseCAE(h.ID, caes[0].ID, n); err != nil {
				return err
			}
			return tx.Number(h, n)
		})
	}

	var cae rules.CAE
	w.mustTx(func(tx *store.Tx) error {
		caes, err := tx.LockCAEs("EF")
		if err != nil {
			return err
		}
		if len(caes) != 1 {
			t.Fatalf("series EF has %d CAEs, want the demo's 1", len(caes))
		}
		cae = caes[0]
		want := rules.CAE{ID: cae.ID, Number: "90110000111", CFESeries: "A", First: 1, Last: 100, Next: 1, Expires: time.Date(2027, time.December, 31, 0, 0, 0, 0, time.UTC)}
		if !cae.Expires.Equal(want.Expires) {
			t.Errorf("CAE expires %s, want 2027-12-31", cae.Expires)
		}
		cae.Expires = want.Expires
		if cae != want {
			t.Errorf("series EF's CAE: %+v, want %+v", cae, want)
		}
		// Its rows are locked until the transaction ends.
		if _, err := w.db.Exec(w.ctx, `select 1 from caes where series = 'EF' for update nowait`); !locked(err) {
			t.Errorf("series EF's CAEs while read for a number: %v, want them locked", err)
		}
		if _, err := w.db.Exec(w.ctx, `select 1 from caes where series = 'ET' for update nowait`); err != nil {
			t.Errorf("series ET's CAEs while EF's are read: %v, want them free", err)
		}
		return nil
	})

	numbered := func(h store.InvoiceHead) string {
		return w.row(`select concat_ws(' ', status, coalesce(number::text, '<no number>'), coalesce(cae::text, '<no CAE>')) from invoices where id = $1`, h.ID)
	}
	caeNext := func() string { return w.row(`select next_number::text from caes where id = $1`, cae.ID) }
	caeID := strconv.FormatInt(cae.ID, 10)

	if err := takeNumber(x, 0); err != nil {
		t.Fatal(err)
	}
	if got, want := numbered(x), "completed 1 "+caeID; got != want {
		t.Errorf("the first CFE: %q, want %q", got, want)
	}
	if got := caeNext(); got != "2" {
		t.Errorf("the CAE's next number %s, want 2", got)
	}
	if got := w.row(`select next_number || ' ' || last_date from series where code = 'EF'`); got != "2 2026-11-23" {
		t.Errorf("series EF %q, want next 2, last dated 2026-11-23", got)
	}

	// A number that is not the CAE's next is refused, and UseCAE writes nothing of it even
	// in a transaction that goes on to commit.
	for _, c := range []struct {
		name   string
		number int64
	}{{"the number given before", 1}, {"a number past the next (a gap)", 3}, {"a number before the CAE's range", 0}} {
		err := w.tx(func(tx *store.Tx) error {
			err := tx.UseCAE(y.ID, cae.ID, c.number)
			if err == nil || !strings.Contains(err.Error(), "numbering refused") {
				t.Errorf("%s (%d): %v, want refused", c.name, c.number, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := numbered(y); got != "processing <no number> <no CAE>" {
			t.Errorf("after %s: %q, want the invoice as it was", c.name, got)
		}
		if got := caeNext(); got != "2" {
			t.Errorf("after %s: the CAE's next %s, want 2", c.name, got)
		}
	}

	// Two numberings of the CAE's next at once: the second, queued on its row, finds it
	// taken.
	held, done := make(chan struct{}), make(chan error)
	go func() {
		<-held
		done <- w.tx(func(tx *store.Tx) error { return tx.UseCAE(z.ID, cae.ID, 2) })
	}()
	err := w.tx(func(tx *store.Tx) error {
		if err := tx.UseCAE(y.ID, cae.ID, 2); err != nil {
			return err
		}
		close(held)
		time.Sleep(200 * time.Millisecond) // the other waits on the CAE's row meanwhile
		return tx.Number(y, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), "numbering refused") {
		t.Errorf("number 2 of the CAE taken twice at once: %v, want the second refused", err)
	}
	if got, want := numbered(y), "completed 2 "+caeID; got != want {
		t.Errorf("the second CFE: %q, want %q", got, want)
	}
	if got := numbered(z); got != "processing <no number> <no CAE>" {
		t.Errorf("the CFE refused its number: %q, want it as it was", got)
	}

	// The CAE's last number is given once; past its range the database refuses.
	w.exec(`update caes set next_number = 100 where id = $1`, cae.ID)
	if err := takeNumber(z, 0); err != nil {
		t.Fatalf("the CAE's last number: %v", err)
	}
	if got := caeNext(); got != "101" {
		t.Errorf("the CAE's next after its last %s, want 101", got)
	}
	other := uyInvoice(w, "CFE", 5)
	if err := w.tx(func(tx *store.Tx) error { return tx.UseCAE(other.ID, cae.ID, 101) }); !refusedBy(err, "caes_check1") {
		t.Errorf("a number past the CAE's range: %v, want refused by caes_check1", err)
	}
	if got := numbered(other); got != "processing <no number> <no CAE>" {
		t.Errorf("the CFE past the CAE's range: %q", got)
	}
}
