package batching

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// The review projects stock and CAE numbers in run order and names each draft's problems.
func TestProblemsProjectInRunOrder(t *testing.T) {
	d := decimal.RequireFromString
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	draft := func(id int64, customer, series string, byCAE bool) store.ReviewedDraft {
		return store.ReviewedDraft{DraftInvoice: model.DraftInvoice{InvoiceID: id, GroupNo: int(id), Customer: customer, Series: series},
			TaxIDKind: "tax_registration", Country: "MX", Regime: "601", Postal: "06000", TaxID: "AAA010101AAA", Use: "G03", ByCAE: byCAE, Date: day}
	}
	generic := draft(3, "PUBLICO", "A", false)
	generic.Generic, generic.TermsKind = true, rules.TermsCredit
	noRegime := draft(4, "SINREG", "A", false)
	noRegime.Regime = ""
	uy1, uy2 := draft(5, "ANA", "XT", true), draft(6, "ANA", "XT", true)
	uy1.Country, uy2.Country = "UY", "UY"
	uy1.TaxIDKind, uy2.TaxIDKind = "national_id", "national_id"
	f := store.ReviewFacts{
		Drafts: []store.ReviewedDraft{draft(1, "ACME", "A", false), draft(2, "BETA", "A", false), generic, noRegime, uy1, uy2},
		Stock: []rules.DraftStockLine{
			{Invoice: 1, Warehouse: "W1", Item: "BOLT", Quantity: d("6")},
			{Invoice: 2, Warehouse: "W1", Item: "BOLT", Quantity: d("6")}, // 10 on hand: the second runs short
		},
		Balances: map[[2]string]rules.StockBalance{{"W1", "BOLT"}: {OnHand: d("10")}},
		CAEs:     map[string][]rules.CAE{"XT": {{ID: 1, Number: "90110000201", CFESeries: "A", First: 1, Last: 1, Next: 1, Expires: day.AddDate(1, 0, 0)}}},
	}
	got := map[int64]string{}
	for _, x := range Problems(f) {
		got[x.InvoiceID] = x.Problem
	}
	for id, want := range map[int64]string{
		1: "",
		2: "fails at stock discharge",
		3: "fails at receivable",
		4: "completes unsealed: customer SINREG has no fiscal regime",
		5: "",
		6: "fails at numbering",
	} {
		if want == "" && got[id] != "" || !strings.Contains(got[id], want) {
			t.Errorf("draft %d: %q, want %q", id, got[id], want)
		}
	}
}
