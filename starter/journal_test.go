package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// Issue 27, seed 004's accounting entries: invoices, a return, a payment, a cancelled
// invoice and a cancelled payment each write their entry; every entry balances (the
// database refuses one that does not, and refuses to change or delete any); a cancellation
// writes the reverse; the exported journal's receivable account equals what customers owe,
// and its revenue what stands billed, recomputed from the documents.
func TestJournalEntriesBalanceAndAgreeWithTheBooks(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"ledger_accounts": {"cash": "1120"},
		"items": [{"code": "B", "description": "Producto B", "unit_price": 10.0, "vat_rate": 16, "unit_code": "KGM", "unit_name": "Kilogramo",
		           "product_code": "31162800", "revenue_account": "4110", "cost": 6.5}]}`)
	_, first := h.billed("1001") // FORSETI, NET30
	_, cash := h.billed("1002")  // TANGO, CASH
	_, gone := h.billed("1003")  // TANGO, cancelled below
	lineB := h.str(`select l.line_no::text from invoice_lines l join invoices v on v.id = l.invoice_id where v.series || '-' || v.number = $1 and l.item = 'B'`, first)
	h.mustRun("invoice", "return", first, "--line", lineB, "--qty", "1", "--date", "2026-11-24", "--wait")
	h.mustRun("payment", "record", cash, "10.00", "--date", "2026-11-24", "--key", "j-cash")
	h.mustRun("payment", "record", first, "100.00", "--date", "2026-11-25", "--key", "j-first", "--wait")
	h.mustRun("payment", "cancel", "j-cash")
	h.mustRun("invoice", "cancel", gone, "--reason", "02", "--wait")

	out := filepath.Join(t.TempDir(), "journal.csv")
	h.mustRun("journal", "export", "--from", "2026-11-01", "--to", "2099-12-31", "-o", out)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(journalHeader, ",") {
		t.Fatalf("header %v", rows[0])
	}
	byEntry := map[string]decimal.Decimal{}
	byAccount := map[string]decimal.Decimal{} // debit - credit
	kinds := map[string]int{}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		d, c := decimal.RequireFromString(r[6]), decimal.RequireFromString(r[7])
		byEntry[r[0]] = byEntry[r[0]].Add(d).Sub(c)
		byAccount[r[5]] = byAccount[r[5]].Add(d).Sub(c)
		if !seen[r[0]] {
			seen[r[0]], kinds[r[2]] = true, kinds[r[2]]+1
		}
	}
	for e, diff := range byEntry {
		if !diff.IsZero() {
			t.Errorf("entry %s does not balance: %s", e, diff)
		}
	}
	// invoice ×3, its return, the payments, the cash payment's reversal, the cancelled invoice's reverse.
	for kind, n := range map[string]int{"invoice": 3, "credit_note": 1, "payment": 2, "payment_reversal": 1, "cancellation": 1} {
		if kinds[kind] != n {
			t.Errorf("%d %s entries, want %d (all: %v)", kinds[kind], kind, n, kinds)
		}
	}
	owed := h.str(`select sum(balance)::numeric(18,2)::text from receivables where status not in ('cancelled', 'reversed')`)
	if got := byAccount["1105"].StringFixed(2); got != owed {
		t.Errorf("receivable account 1105 stands at %s; customers owe %s", got, owed)
	}
	billed := h.str(`select (sum(case when v.document_kind = 'credit_note' then -l.subtotal else l.subtotal end))::numeric(18,2)::text
		from invoice_lines l join invoices v on v.id = l.invoice_id where v.status = 'completed' and l.item = 'B'`)
	if got := byAccount["4110"].Neg().StringFixed(2); got != billed {
		t.Errorf("revenue account 4110 (item B) stands at %s; item B's billing stands at %s", got, billed)
	}
	if byAccount["1120"].IsZero() || !byAccount["1110"].IsZero() {
		t.Errorf("cash went to %v, not the imported account 1120", byAccount)
	}
	cost := h.str(`select (sum(case when v.document_kind = 'credit_note' then -l.quantity else l.quantity end) * 6.5)::numeric(18,2)::text
		from invoice_lines l join invoices v on v.id = l.invoice_id where v.status = 'completed' and l.item = 'B'`)
	if got := byAccount["6135"].StringFixed(2); got != cost {
		t.Errorf("cost of sales %s, want %s (B's quantity out less returned × 6.5)", got, cost)
	}

	// What the database refuses whatever the code does.
	for _, sql := range []string{
		`insert into journal_entries (entry_date, kind, currency, debit, credit) values (current_date, 'invoice', 'MXN', 10, 9)`,
		`with e as (insert into journal_entries (entry_date, kind, invoice_id, currency, debit, credit) values (current_date, 'payment', null, 'MXN', 10, 10) returning id)
		 insert into journal_lines (entry_id, line_no, account, debit, credit) select id, 1, '1', 10, 0 from e`,
		`update journal_lines set debit = debit + 1`,
		`delete from journal_entries`,
	} {
		if _, err := h.db.Exec(t.Context(), sql); err == nil {
			t.Errorf("the database took: %s", sql)
		}
	}
}
