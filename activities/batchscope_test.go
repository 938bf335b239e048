package activities_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"billrun/activities"
	"billrun/internal/batching"
	"billrun/internal/model"
)

const scopeData = `{
  "currencies": [{"code": "MXN", "decimals": 2}, {"code": "USD", "decimals": 2}, {"code": "EUR", "decimals": 2}],
  "issuers": [{"code": "I", "rfc": "EKU9003173C9", "name": "ESCUELA KEMPER URGATE", "fiscal_regime": "601", "postal_code": "42501", "currency": "MXN"}],
  "payment_terms": [{"code": "CASH", "kind": "cash"}],
  "customers": [{"code": "C1", "name": "Uno", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration", "fiscal_regime": "601",
                 "postal_code": "65000", "cfdi_use": "G03", "payment_terms": "CASH"},
                {"code": "P1", "name": "Persona", "tax_id": "ID123", "tax_id_kind": "national_id", "payment_terms": "CASH"}],
  "items": [{"code": "S", "description": "Servicio", "unit_price": 100, "vat_rate": 16, "stocked": false}],
  "warehouses": [{"code": "W", "name": "W"}],
  "series": [{"code": "A", "issuer": "I", "document_kind": "invoice"},
             {"code": "P", "issuer": "I", "document_kind": "invoice", "closing_date": "2026-01-31"},
             {"code": "Q", "issuer": "I", "document_kind": "ticket", "closing_date": "2026-11-30"},
             {"code": "T", "issuer": "I", "document_kind": "ticket"}],
  "document_kinds": [{"tax_id_kind": "national_id", "document_kind": "ticket", "series": "T"},
                     {"source_series": "P", "tax_id_kind": "national_id", "document_kind": "ticket", "series": "Q"}],
  "orders": [
    {"number": 1, "customer": "C1", "series": "A", "warehouse": "W", "currency": "USD", "date": "2026-11-01", "lines": [{"item": "S", "ordered": 1}]},
    {"number": 2, "customer": "C1", "series": "A", "warehouse": "W", "currency": "EUR", "date": "2026-11-01", "lines": [{"item": "S", "ordered": 1}]},
    {"number": 3, "customer": "C1", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01", "lines": [{"item": "S", "ordered": 1}]},
    {"number": 4, "customer": "P1", "series": "P", "warehouse": "W", "currency": "MXN", "date": "2026-11-01", "lines": [{"item": "S", "ordered": 1}]},
    {"number": 5, "customer": "C1", "series": "P", "warehouse": "W", "currency": "MXN", "date": "2026-11-01", "lines": [{"item": "S", "ordered": 1}]}
  ]
}`

// Issue 10.5: a foreign currency is never billed at a silent rate 1; the batch records
// where its rates came from.
func TestForeignCurrenciesNeedARate(t *testing.T) {
	a := newActs(t, scopeData)
	ctx := context.Background()
	create := func(from, to int64, rate string) (string, error) {
		p := model.BatchParams{SourceKind: "orders", OrdersFrom: from, OrdersTo: to, Series: "A", InvoiceDate: "2026-11-23", Grouping: "none"}
		if rate != "" {
			p.Rate = decimal.RequireFromString(rate)
		}
		return batching.Create(ctx, a.Store, "", p)
	}
	for _, c := range []struct {
		from, to int64
		rate     string
		refusal  string
	}{
		{1, 1, "", "--rate: the batch bills USD and no exchange rate for USD dated on or before 2026-11-23 is imported"},
		{1, 2, "17.5", "--rate: the batch bills EUR and USD; one rate cannot price them all"},
	} {
		if _, err := create(c.from, c.to, c.rate); err == nil || !strings.Contains(err.Error(), c.refusal) {
			t.Errorf("orders %d-%d rate %q: err = %v, want %q", c.from, c.to, c.rate, err, c.refusal)
		}
	}
	id, err := create(1, 1, "17.5")
	if err != nil {
		t.Fatal(err)
	}
	if got := row(t, a, `select rate_source || ' ' || (rates->>'USD') from batches where id = $1`, id); got != "--rate 17.5 for USD 17.5" {
		t.Errorf("batch with --rate: %s", got)
	}
	// Imported rates: the latest on or before the invoice date, per currency.
	a.DB.Exec(ctx, `insert into exchange_rates values ('USD', '2026-11-20', 18.1), ('USD', '2026-11-22', 18.2), ('USD', '2026-11-24', 99),
		('EUR', '2026-11-01', 20.05)`)
	id, err = create(2, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := row(t, a, `select rate_source from batches where id = $1`, id); got != "exchange_rates: EUR 20.05 of 2026-11-01" {
		t.Errorf("rate source %q", got)
	}
	if _, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id}); err != nil {
		t.Fatal(err)
	}
	if got := row(t, a, `select string_agg(currency || ' ' || rate::text, ', ' order by currency) from invoices where batch_id = $1`, id); got != "EUR 20.050000, MXN 1.000000" {
		t.Errorf("invoice rates: %s", got)
	}
}

// Issue 10.6: the document kind rule maps (order series, tax id kind) to the numbering
// series, and batch creation checks the dates of every series it will number in.
func TestBatchChecksEverySeriesItNumbersIn(t *testing.T) {
	a := newActs(t, scopeData)
	ctx := context.Background()
	p := model.BatchParams{SourceKind: "orders", OrdersFrom: 4, OrdersTo: 5, Series: "P", InvoiceDate: "2026-11-23", Grouping: "none"}
	_, err := batching.Create(ctx, a.Store, "", p)
	if err == nil || !strings.Contains(err.Error(), "invoice date 2026-11-23 is not after series Q's closing date 2026-11-30 (documents of series P for national_id payers are numbered in Q)") {
		t.Fatalf("err = %v", err)
	}
	// After Q's closing date: P numbers C1's order, Q numbers P1's (not T, the rule for any other series).
	p.InvoiceDate = "2026-12-01"
	id, err := batching.Create(ctx, a.Store, "", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Planning.PlanBatch(ctx, activities.BatchRef{BatchID: id}); err != nil {
		t.Fatal(err)
	}
	if got := row(t, a, `select string_agg(customer || ' ' || series || ' ' || document_kind, ', ' order by customer) from invoices where batch_id = $1`, id); got != "C1 P invoice, P1 Q ticket" {
		t.Errorf("routed: %s", got)
	}
}
