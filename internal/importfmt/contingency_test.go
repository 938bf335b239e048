package importfmt

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/rules"
)

func contingencyKnown() ContingencyKnown {
	exp, _ := time.Parse(time.DateOnly, "2027-12-31")
	return ContingencyKnown{
		Series: map[string]ContingencySeries{"CT": {Issuer: "UYR", Country: "UY", CFEType: 201}, "CFNC": {Issuer: "UYR", Country: "UY", CFEType: 212},
			"MX": {Issuer: "MXI", Country: "MX", CFEType: 0}},
		CAEs: map[string][]rules.CAE{"CT": {{ID: 7, Number: "90120000201", CFESeries: "CX", First: 1, Last: 50, Expires: exp}},
			"CFNC": {{ID: 8, Number: "90120000212", CFESeries: "CX", First: 1, Last: 50, Expires: exp}}},
		Customers:  map[string]ContingencyCustomer{"LUIS": {PaymentTerms: "CASH"}, "EMP": {PaymentTerms: "NET30"}},
		Items:      map[string]string{"SOP": "Soporte"},
		Currencies: map[string]int32{"UYU": 2},
		Terms:      map[string]ContingencyTerms{"CASH": {Kind: "cash"}, "NET30": {Kind: "credit", Days: 30}},
		Recorded:   map[ContingencyID]string{},
	}
}

func ticketDoc(n int64) ContingencyDocument {
	d := decimal.RequireFromString
	return ContingencyDocument{Series: "CT", CFEType: 201, CFESeries: "CX", Number: n, CAE: "90120000201", Date: "2026-11-25", Customer: "LUIS", Currency: "UYU",
		Lines:   []ContingencyLine{{Item: "SOP", Quantity: d("2"), Price: d("50.25"), VATRate: d("22")}},
		Amounts: []ContingencyAmount{{VATRate: d("22"), Net: d("100.50"), VAT: d("22.11")}}}
}

// The contingency file's rules, each refusal naming its record and field.
func TestCheckContingency(t *testing.T) {
	note := ticketDoc(1)
	note.Series, note.CFEType, note.CAE, note.Customer = "CFNC", 212, "90120000212", "EMP"
	note.Reference = &ContingencyReference{CFEType: 211, CFESeries: "CX", Number: 3, Date: "2026-11-20"}
	recorded := contingencyKnown()
	recorded.Recorded[ContingencyID{"UYR", 201, "CX", 1}] = fingerprint(ticketDoc(1))
	for _, tc := range []struct {
		name  string
		docs  []ContingencyDocument
		known ContingencyKnown
		want  string // the problem "record: field", or "" for none
		check func(t *testing.T, r []ContingencyRecord)
	}{
		{"an e-Ticket contingencia", []ContingencyDocument{ticketDoc(1)}, contingencyKnown(), "", func(t *testing.T, r []ContingencyRecord) {
			if len(r) != 1 || r[0].CAEID != 7 || !r[0].Totals.Total.Equal(decimal.RequireFromString("122.61")) || r[0].Receivable == nil ||
				r[0].Receivable.Kind != "pending_collection" || r[0].Lines[0].Description != "Soporte" || r[0].Recorded {
				t.Errorf("record %+v", r)
			}
		}},
		{"a credit note: no receivable", []ContingencyDocument{note}, contingencyKnown(), "", func(t *testing.T, r []ContingencyRecord) {
			if len(r) != 1 || r[0].Receivable != nil || r[0].RefDate == nil || r[0].Reference.Number != 3 {
				t.Errorf("record %+v", r)
			}
		}},
		{"recorded before from the same record", []ContingencyDocument{ticketDoc(1)}, recorded, "", func(t *testing.T, r []ContingencyRecord) {
			if len(r) != 1 || !r[0].Recorded {
				t.Errorf("record %+v", r)
			}
		}},
		{"the number recorded with other content", []ContingencyDocument{func() ContingencyDocument { d := ticketDoc(1); d.Customer = "EMP"; return d }()}, recorded,
			"contingency_documents[0] (201 CX 1): number", nil},
		{"twice in the file", []ContingencyDocument{ticketDoc(2), ticketDoc(2)}, contingencyKnown(), "contingency_documents[1] (201 CX 2): number", nil},
		{"outside the CAE", []ContingencyDocument{ticketDoc(51)}, contingencyKnown(), "contingency_documents[0] (201 CX 51): number", nil},
		{"a Mexican series", []ContingencyDocument{func() ContingencyDocument { d := ticketDoc(1); d.Series = "MX"; return d }()}, contingencyKnown(),
			"contingency_documents[0] (201 CX 1): series", nil},
		{"a note without reference", []ContingencyDocument{func() ContingencyDocument { d := note; d.Reference = nil; return d }()}, contingencyKnown(),
			"contingency_documents[0] (212 CX 1): reference", nil},
		{"a note of an e-Factura referring to an e-Ticket", []ContingencyDocument{func() ContingencyDocument {
			d := note
			d.Reference = &ContingencyReference{CFEType: 101, CFESeries: "CX", Number: 3, Date: "2026-11-20"}
			return d
		}()}, contingencyKnown(), "contingency_documents[0] (212 CX 1): reference.cfe_type", nil},
		{"a ticket with a reference", []ContingencyDocument{func() ContingencyDocument { d := ticketDoc(1); d.Reference = note.Reference; return d }()}, contingencyKnown(),
			"contingency_documents[0] (201 CX 1): reference", nil},
		{"a VAT rate DGI does not know", []ContingencyDocument{func() ContingencyDocument {
			d := ticketDoc(1)
			d.Lines = []ContingencyLine{{Item: "SOP", Quantity: decimal.NewFromInt(1), Price: decimal.NewFromInt(1), VATRate: decimal.NewFromInt(16)}}
			return d
		}()}, contingencyKnown(), "contingency_documents[0] (201 CX 1): lines[0].vat_rate", nil},
		{"amounts not the lines'", []ContingencyDocument{func() ContingencyDocument {
			d := ticketDoc(1)
			d.Amounts = []ContingencyAmount{{VATRate: decimal.NewFromInt(22), Net: decimal.RequireFromString("100.50"), VAT: decimal.RequireFromString("22.12")}}
			return d
		}()}, contingencyKnown(), "contingency_documents[0] (201 CX 1): amounts[0]", nil},
		{"an unknown customer", []ContingencyDocument{func() ContingencyDocument { d := ticketDoc(1); d.Customer = "GHOST"; return d }()}, contingencyKnown(),
			"contingency_documents[0] (201 CX 1): customer", nil},
	} {
		recs, probs := CheckContingency(&ContingencyFile{Documents: tc.docs}, tc.known)
		var got []string
		for _, p := range probs {
			got = append(got, p.Record+": "+p.Field)
		}
		switch {
		case tc.want == "" && len(probs) > 0:
			t.Errorf("%s: refused: %v", tc.name, probs)
		case tc.want != "" && (len(got) != 1 || got[0] != tc.want):
			t.Errorf("%s: problems %v, want exactly %q", tc.name, strings.Join(got, "; "), tc.want)
		case tc.check != nil:
			tc.check(t, recs)
		}
	}
}

// A contingency file names what does not decode by its record and field, and refuses
// unknown fields and an empty file.
func TestParseContingency(t *testing.T) {
	tooMany := `{"contingency_documents": [` + strings.Repeat(`{"series": "CT"},`, ContingencyFileLimit) + `{"series": "CT"}]}`
	for doc, want := range map[string]string{
		tooMany: "at most 5000",
		`{"contingency_documents": [{"series": "CT", "lines": [{"price": "1,5"}]}]}`: "price",
		`{"contingency_documents": [{"serie": "CT"}]}`:                               "serie",
		`{"contingency_documents": []}`:                                              "no document",
	} {
		if _, _, err := ParseContingency(strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.80s: %v, want %q named", doc, err, want)
		}
	}
}

// A contingency series is of kind contingency with a contingency type, and no source is
// billed or routed in it (in the file or stored).
func TestValidateContingencySeries(t *testing.T) {
	d := &Dataset{
		Issuers: []Issuer{{Code: "UY", Country: "UY", RUT: "219999830019", Name: "X", Currency: "UYU", Branch: "1", Address: "A", City: "C", Department: "D"}},
		Series: []Series{{Code: "CT", Issuer: "UY", DocumentKind: "contingency", CFEType: 201}, {Code: "CX", Issuer: "UY", DocumentKind: "contingency"},
			{Code: "CY", Issuer: "UY", DocumentKind: "ticket", CFEType: 201}},
		DocumentKinds: []DocumentKind{{TaxIDKind: "national_id", DocumentKind: "ticket", Series: "CT"}, {TaxIDKind: "generic", DocumentKind: "ticket", Series: "OLD"}},
		Templates:     []Template{{Name: "T", Sources: []string{"orders"}, Series: "CT"}},
	}
	known := Known{Series: map[string]bool{"OLD": true}, ContingencySeries: map[string]bool{"OLD": true}}
	got := map[string]bool{}
	for _, p := range Validate(d, known) {
		got[p.Record+" "+p.Field] = true
	}
	for _, want := range []string{"series[1] (CX) cfe_type", "series[2] (CY) cfe_type", "document_kinds[0] (/national_id) series",
		"document_kinds[1] (/generic) series", "templates[0] (T) series"} {
		if !got[want] {
			t.Errorf("no problem %q in %v", want, got)
		}
	}
	if got["series[0] (CT) cfe_type"] || got["series[0] (CT) document_kind"] {
		t.Errorf("a contingency series refused: %v", got)
	}
}
