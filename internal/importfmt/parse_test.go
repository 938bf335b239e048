package importfmt

import (
	"strings"
	"testing"
)

// Hostile files get the clear refusal every other bad input gets: a value that is not a
// decimal is named by record and field, anything after the document is refused, a syntax
// error is placed by line and column.
func TestParseNamesWhatItCannotRead(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"items": [{"code": "A"}, {"code": "B", "unit_price": "NaN"}]}`, `items[1]: unit_price: "NaN" is not a decimal number`},
		{`{"items": [{"code": "B", "unit_price": "Infinity"}]}`, `items[0]: unit_price: "Infinity" is not a decimal number`},
		{`{"orders": [{"number": 1, "lines": [{"item": "P", "ordered": "abc"}]}]}`, `orders[0].lines[0]: ordered: "abc" is not a decimal number`},
		{`{"exchange_rates": [{"currency": "USD", "rate": "1,5"}]}`, `exchange_rates[0]: rate: "1,5" is not a decimal number`},
		{`{"items": []} trailing`, "file: json: something follows the document at line 1, column 15 (invalid character"},
		{`{"items": []}{"items": []}`, "file: json: something follows the document at line 1, column 14"},
		{"{\n  \"items\": [NaN]}", "file: json: line 2, column 13: invalid character 'N'"},
	} {
		_, err := Parse(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s", c.in, err, c.want)
		}
	}
	if _, err := Parse(strings.NewReader("{\"items\": []}\n\n")); err != nil {
		t.Errorf("white space after the document: %v", err)
	}
}

// Credit terms for the generic customer are refused at import whichever file brought the
// terms or the customer, and on orders, contracts and plans that bill it.
func TestCreditTermsForTheGenericCustomerAreRefusedAtImport(t *testing.T) {
	known := Known{CreditTerms: map[string]bool{"30D": true}, GenericCustomers: map[string]bool{"PG": true},
		PaymentTerms: map[string]bool{"30D": true, "CASH": true}, Customers: map[string]bool{"PG": true, "C1": true}}
	d, err := Parse(strings.NewReader(`{
  "customers": [{"code": "MOSTRADOR", "name": "Público en general", "tax_id_kind": "generic", "generic": true, "payment_terms": "30D"}],
  "contracts": [{"number": "K1", "partner": "C1", "payer": "PG", "series": "A", "currency": "MXN", "payment_terms": "30D"}],
  "orders": [{"number": 1, "customer": "PG", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01", "payment_terms": "30D"}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range Validate(d, known) {
		if p.Field == "payment_terms" {
			got = append(got, p.String())
		}
	}
	want := []string{"customers[0] (MOSTRADOR): payment_terms: credit terms 30D are refused for the generic customer",
		"contracts[0] (K1): payment_terms: credit terms 30D are refused for the generic customer PG",
		"orders[0] (number 1): payment_terms: credit terms 30D are refused for the generic customer PG"}
	for _, w := range want {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("missing %q in:\n%s", w, strings.Join(got, "\n"))
		}
	}
}
