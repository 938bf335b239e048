package importfmt

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// Issue 9.6 and 10.4: amounts beyond what billrun stores and decimals it would round are
// refused at import, naming the record and the field; nothing is rounded quietly.
func TestMagnitudesAndDecimalsAreRefusedAtImport(t *testing.T) {
	d, err := Parse(strings.NewReader(`{
  "items": [{"code": "P", "description": "P", "unit_price": 10, "vat_rate": 16.12345}],
  "orders": [
    {"number": 1, "customer": "C", "series": "A", "warehouse": "W", "currency": "MXN", "date": "2026-11-01",
     "lines": [{"item": "P", "ordered": "2.00004"},
               {"item": "P", "ordered": 99999999999999, "price": 999999999999},
               {"item": "P", "ordered": 3, "price": "1.0000001"},
               {"item": "P", "ordered": 1, "price": 1000000000000}]}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	known := Known{Customers: map[string]bool{"C": true}, Series: map[string]bool{"A": true}, Warehouses: map[string]bool{"W": true},
		Currencies: map[string]bool{"MXN": true}}
	got := map[string]string{}
	for _, p := range Validate(d, known) {
		got[p.Record+": "+p.Field] = p.Error
	}
	for want, says := range map[string]string{
		"items[0] (P): vat_rate":                 "more than 4 decimals",
		"orders[0] (number 1) lines[0]: ordered": "more than 4 decimals",
		"orders[0] (number 1) lines[1]: ordered": "beyond 10^13",
		"orders[0] (number 1) lines[2]: price":   "more than 6 decimals",
	} {
		if !strings.Contains(got[want], says) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", want, got[want], says, got)
		}
	}
}

// Issue 10.2 and 10.3: what SAT's schema would refuse, or XML cannot carry, is refused at
// import with the record and the field.
func TestFiscalTextIsRefusedAtImport(t *testing.T) {
	d, err := Parse(strings.NewReader(`{
  "currencies": [{"code": "MXN", "decimals": 2}],
  "issuers": [{"code": "I", "rfc": "EKU9003173C9", "name": "ESCUELA | KEMPER", "fiscal_regime": "699", "postal_code": "4250", "currency": "MXN",
               "email": "Facturación <f@x.example>"}],
  "payment_terms": [{"code": "T", "kind": "cash", "forma_pago": "77"}],
  "customers": [
    {"code": "C1", "name": "Bad\u0001Name", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration", "payment_terms": "T", "cfdi_use": "X99"},
    {"code": "C2", "name": "` + strings.Repeat("ñ", 301) + `", "tax_id": "URE181329TM6", "tax_id_kind": "tax_registration", "payment_terms": "T",
     "postal_code": "6500O", "email": "not an address"},
    {"code": "C3", "name": "Ok\uFFFF", "tax_id_kind": "generic", "payment_terms": "T"},
    {"code": "C4", "name": "   ", "tax_id_kind": "generic", "payment_terms": "T", "fiscal_regime": "601"}],
  "items": [{"code": "P", "description": "` + strings.Repeat("x", 1001) + `", "unit_price": 10, "vat_rate": 16, "unit_code": "ZZZ", "product_code": "5020220"}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range Validate(d, Known{}) {
		got[p.Record+": "+p.Field] = p.Error
	}
	for want, says := range map[string]string{
		"issuers[0] (I): name":             `has a "|"`,
		"issuers[0] (I): fiscal_regime":    "not in SAT's catalog c_RegimenFiscal",
		"issuers[0] (I): postal_code":      "not a postal code of 5 digits",
		"issuers[0] (I): email":            "not an e-mail address",
		"payment_terms[0] (T): forma_pago": "c_FormaPago",
		"customers[0] (C1): name":          "U+0001",
		"customers[0] (C1): cfdi_use":      "c_UsoCFDI",
		"customers[1] (C2): name":          "has 301 characters; SAT's schema allows at most 300",
		"customers[1] (C2): tax_id":        "not an RFC",
		"customers[1] (C2): postal_code":   "5 digits",
		"customers[1] (C2): email":         "not an e-mail address",
		"customers[2] (C3): name":          "U+FFFF",
		"customers[3] (C4): name":          "is required",
		"items[0] (P): description":        "at most 1000",
		"items[0] (P): unit_code":          "c_ClaveUnidad",
		"items[0] (P): product_code":       "8 digits",
	} {
		if !strings.Contains(got[want], says) {
			t.Errorf("%s: %q, want it to say %q", want, got[want], says)
		}
	}
	if _, ok := got["customers[3] (C4): fiscal_regime"]; ok {
		t.Errorf("a catalog code was refused: %v", got)
	}
}

// Uruguayan records are checked by DGI's rules, each problem named.
func TestValidateUruguay(t *testing.T) {
	d := &Dataset{
		Issuers: []Issuer{{Code: "UY", Country: "UY", RUT: "219999830018", Name: "X", Currency: "UYU", Branch: "1", Address: "A", City: "C"}},
		Customers: []Customer{
			{Code: "CI", Name: "N", TaxID: "12345673", TaxIDKind: "national_id", Country: "UY", PaymentTerms: "T"},
			{Code: "RUT", Name: "N", TaxID: "215071660012", TaxIDKind: "tax_registration", Country: "UY", PaymentTerms: "T"},
		},
		Series: []Series{{Code: "EF", Issuer: "UY", DocumentKind: "ticket", CFEType: 111}, {Code: "MX", Issuer: "UY", DocumentKind: "invoice"}},
		CAEs: []CAE{
			{Series: "EF", CAE: "90110000111", CFESeries: "A", From: 1, To: 10, Expires: "2027-12-31"},
			{Series: "EF", CAE: "90110000112", CFESeries: "A", From: 5, To: 20, Expires: "2027-12-31"},
			{Series: "MX", CAE: "9011", CFESeries: "a", From: 0, To: 10, Expires: "2027-13-01"},
		},
	}
	known := Known{Currencies: map[string]bool{"UYU": true}, PaymentTerms: map[string]bool{"T": true}}
	got := map[string]bool{}
	for _, p := range Validate(d, known) {
		got[p.Record+" "+p.Field] = true
	}
	for _, want := range []string{
		"issuers[0] (UY) rut", "issuers[0] (UY) department",
		"customers[0] (CI) tax_id", "customers[1] (RUT) address",
		"series[0] (EF) cfe_type",
		"caes[1] (90110000112) from",
		"caes[2] (9011) series", "caes[2] (9011) cae", "caes[2] (9011) cfe_series", "caes[2] (9011) from", "caes[2] (9011) expires",
	} {
		if !got[want] {
			t.Errorf("no problem %q in %v", want, got)
		}
	}
}

// A global invoice series is named only by a Mexican ticket or invoice series (its sales to
// the general public go in it), must be one, and the same issuer's — in the file or stored.
func TestValidateGlobalInvoiceSeries(t *testing.T) {
	d := &Dataset{
		Issuers: []Issuer{{Code: "MX", RFC: "EKU9003173C9", Name: "X", FiscalRegime: "601", PostalCode: "42501", Currency: "MXN"},
			{Code: "MX2", RFC: "XIA190128J61", Name: "Y", FiscalRegime: "601", PostalCode: "42501", Currency: "MXN"}},
		Series: []Series{{Code: "G", Issuer: "MX", DocumentKind: "global_invoice"}, {Code: "T", Issuer: "MX", DocumentKind: "ticket", GlobalInvoiceSeries: "G"},
			{Code: "A", Issuer: "MX", DocumentKind: "invoice", GlobalInvoiceSeries: "G"}, {Code: "T2", Issuer: "MX", DocumentKind: "ticket", GlobalInvoiceSeries: "A"},
			{Code: "NC", Issuer: "MX", DocumentKind: "credit_note", GlobalInvoiceSeries: "G"},
			{Code: "T3", Issuer: "MX2", DocumentKind: "ticket", GlobalInvoiceSeries: "G"},
			{Code: "T4", Issuer: "MX2", DocumentKind: "ticket", GlobalInvoiceSeries: "GS"}},
	}
	probs := map[string]string{}
	known := Known{Currencies: map[string]bool{"MXN": true}, Series: map[string]bool{"GS": true}, SeriesIssuers: map[string]string{"GS": "MX"}}
	for _, p := range Validate(d, known) {
		probs[p.Record+" "+p.Field] += p.Error
	}
	for rec, want := range map[string]string{"series[1] (T)": "", "series[2] (A)": "", "series[3] (T2)": "not a series of document kind global_invoice",
		"series[4] (NC)": "not a series of kind credit_note", "series[5] (T3)": "issuer MX's series, not MX2's", "series[6] (T4)": "issuer MX's series, not MX2's"} {
		got := probs[rec+" global_invoice_series"]
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("%s global_invoice_series: %q, want %q", rec, got, want)
		}
	}
}

// Issue 27 (seed 004): an exempt item with a rate, an excise by quota and by rate at once,
// a quota with too many decimals, a residence that is no country or a Mexican customer's,
// and an export customer without what SAT needs are each refused with record and field.
func TestTaxFactorsAndExportsAreCheckedAtImport(t *testing.T) {
	d, err := Parse(strings.NewReader(`{
  "payment_terms": [{"code": "T", "kind": "cash", "forma_pago": "03"}],
  "customers": [
    {"code": "F1", "name": "Acme", "tax_id": "123456789", "tax_id_kind": "foreign", "fiscal_residence": "USA", "export": true, "payment_terms": "T"},
    {"code": "F2", "name": "Acme", "tax_id": "", "tax_id_kind": "foreign", "export": true, "payment_terms": "T"},
    {"code": "F3", "name": "Acme", "tax_id": "1", "tax_id_kind": "foreign", "fiscal_residence": "XYZ", "payment_terms": "T"},
    {"code": "M1", "name": "Nacional", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration", "fiscal_residence": "USA", "export": true, "payment_terms": "T"}],
  "items": [
    {"code": "OK1", "description": "Refresco", "vat_rate": 16, "excise_quota": "1.6451"},
    {"code": "OK2", "description": "Consulta", "vat_exempt": true},
    {"code": "E1", "description": "x", "vat_rate": 0, "vat_exempt": true},
    {"code": "Q1", "description": "x", "vat_rate": 16, "excise_rate": 8, "excise_quota": 1},
    {"code": "Q2", "description": "x", "vat_rate": 16, "excise_quota": "0.0000001"},
    {"code": "Q3", "description": "x", "vat_rate": 16, "excise_quota": -1}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range Validate(d, Known{}) {
		got[p.Record+": "+p.Field] = p.Error
	}
	for want, says := range map[string]string{
		"customers[1] (F2): export":           "needs fiscal_residence and tax_id",
		"customers[2] (F3): fiscal_residence": "XYZ",
		"customers[3] (M1): fiscal_residence": "foreign customer's",
		"customers[3] (M1): export":           "only a foreign customer's",
		"items[2] (E1): vat_rate":             "exempt item has no VAT rate",
		"items[3] (Q1): excise_quota":         "by rate or by quota, not both",
		"items[4] (Q2): excise_quota":         "more than 6 decimals",
		"items[5] (Q3): excise_quota":         "negative",
	} {
		if !strings.Contains(got[want], says) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", want, got[want], says, got)
		}
	}
	for _, ok := range []string{"customers[0] (F1)", "items[0] (OK1)", "items[1] (OK2)"} {
		for k, v := range got {
			if strings.HasPrefix(k, ok) {
				t.Errorf("%s refused: %s", k, v)
			}
		}
	}
}

// The UI's values and the e-Ticket threshold settings are checked, each problem named; a
// valid pair passes.
func TestValidateUIValues(t *testing.T) {
	dec := decimal.RequireFromString
	d := &Dataset{
		UIValues: []UIValue{{Date: "2026-11-23", Value: dec("6.2147")}, {Date: "2026-11-31", Value: dec("6.2")},
			{Date: "2026-11-24", Value: dec("0")}, {Date: "2026-11-25", Value: dec("6.12345")}, {Date: "2026-11-23", Value: dec("6.3")}},
		TicketThresholds: []TicketThreshold{{From: "2018-01-01", UI: dec("5000")}, {From: "2026-01-01", UI: dec("-1")},
			{From: "2026-02-01", UI: dec("10000.001")}, {From: "2018-01-01", UI: dec("10000")}},
	}
	got := map[string]bool{}
	for _, p := range Validate(d, Known{}) {
		got[p.Record+" "+p.Field] = true
	}
	want := []string{
		"uy_ui_values[1] (2026-11-31) date", "uy_ui_values[2] (2026-11-24) value", "uy_ui_values[3] (2026-11-25) value",
		"uy_ui_values[4] (2026-11-23) date", "uy_eticket_thresholds[1] (2026-01-01) ui", "uy_eticket_thresholds[2] (2026-02-01) ui",
		"uy_eticket_thresholds[3] (2018-01-01) from",
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("no problem %q in %v", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems %v, want only %v", got, want)
	}
}
