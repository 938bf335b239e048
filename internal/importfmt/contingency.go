package importfmt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/rules"
)

// ContingencyFile is what billrun invoice contingency import reads (Uruguay, issue 26):
// the paper documents written on DGI's contingency series while billrun could not issue
// electronically.
type ContingencyFile struct {
	Documents []ContingencyDocument `json:"contingency_documents"`
}

// ContingencyDocument is one paper document as written: its series (a billrun series of
// the contingency type), type, DGI's series letter and number, the CAE of the contingency
// range it falls in, its date, customer, lines and the amounts it states by VAT rate.
type ContingencyDocument struct {
	Series       string                `json:"series"`
	CFEType      int                   `json:"cfe_type"`
	CFESeries    string                `json:"cfe_series"`
	Number       int64                 `json:"number"`
	CAE          string                `json:"cae"`
	Date         string                `json:"date"`
	Customer     string                `json:"customer"`
	Currency     string                `json:"currency"`
	Rate         *decimal.Decimal      `json:"rate"`          // pesos per unit; default 1 (UYU)
	PaymentTerms string                `json:"payment_terms"` // default: the customer's
	Reference    *ContingencyReference `json:"reference"`     // a note's: the CFE it corrects
	Lines        []ContingencyLine     `json:"lines"`
	Amounts      []ContingencyAmount   `json:"amounts"`
}

// ContingencyReference is the CFE (electronic or contingency) a note corrects.
type ContingencyReference struct {
	CFEType   int    `json:"cfe_type"`
	CFESeries string `json:"cfe_series"`
	Number    int64  `json:"number"`
	Date      string `json:"date"`
	Reason    string `json:"reason"`
}

// ContingencyLine is one line of a paper document.
type ContingencyLine struct {
	Item        string          `json:"item"`
	Description string          `json:"description"` // default: the item's
	Quantity    decimal.Decimal `json:"quantity"`
	Price       decimal.Decimal `json:"price"`
	Discount    decimal.Decimal `json:"discount"` // %
	VATRate     decimal.Decimal `json:"vat_rate"` // 0 (exempt), 10 or 22
}

// ContingencyAmount is what the paper states at one VAT rate.
type ContingencyAmount struct {
	VATRate decimal.Decimal `json:"vat_rate"`
	Net     decimal.Decimal `json:"net"`
	VAT     decimal.Decimal `json:"vat"`
}

// ContingencyFileLimit is the most documents one contingency file records: their sending
// (ContingencyWorkflow) seals each by a step of its own, a few history events apiece, and
// stays far below Temporal's 51,200 events.
const ContingencyFileLimit = 5000

// ParseContingency reads a contingency file, refusing unknown fields and a second document.
func ParseContingency(r io.Reader) (*ContingencyFile, []byte, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f ContingencyFile
	if err := dec.Decode(&f); err != nil {
		return nil, nil, &Invalid{Problems: []Problem{decodeProblemOf(data, err, reflect.TypeOf(f))}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, &Invalid{Problems: []Problem{{Record: "file", Field: "json", Error: "something follows the document: a file holds one JSON document"}}}
	}
	if len(f.Documents) == 0 {
		return nil, nil, &Invalid{Problems: []Problem{{Record: "file", Field: "contingency_documents", Error: "no document to record"}}}
	}
	if len(f.Documents) > ContingencyFileLimit {
		return nil, nil, &Invalid{Problems: []Problem{{Record: "file", Field: "contingency_documents",
			Error: fmt.Sprintf("%d documents: a file holds at most %d (its sending is one workflow, sealing each in its history); split it", len(f.Documents), ContingencyFileLimit)}}}
	}
	return &f, data, nil
}

// ContingencyKnown is what is stored that a contingency file refers to.
type ContingencyKnown struct {
	Series     map[string]ContingencySeries // by code
	CAEs       map[string][]rules.CAE       // by series, with their ids
	Customers  map[string]ContingencyCustomer
	Items      map[string]string // code → description
	Currencies map[string]int32  // code → decimals
	Terms      map[string]ContingencyTerms
	// Recorded are the contingency documents recorded already: the fingerprint of the record
	// each was imported from.
	Recorded map[ContingencyID]string
}

// ContingencySeries is a series as a contingency document needs it.
type ContingencySeries struct {
	Issuer, Country string
	CFEType         int
}

// ContingencyCustomer is a customer as a contingency document needs it.
type ContingencyCustomer struct {
	PaymentTerms string
	Generic      bool
}

// ContingencyTerms are payment terms as a receivable needs them.
type ContingencyTerms struct {
	Kind string
	Days int
}

// ContingencyID is how DGI knows a CFE: its issuer, type, series letter and number.
type ContingencyID struct {
	Issuer    string
	CFEType   int
	CFESeries string
	Number    int64
}

// ContingencyRecord is a checked document, ready to be written.
type ContingencyRecord struct {
	Name                             string // how problems name it: contingency_documents[i] (201 C 17)
	Issuer, Series, CFESeries        string
	CFEType                          int
	Number                           int64
	CAEID                            int64
	Date                             time.Time
	Customer, Currency, PaymentTerms string
	Rate                             decimal.Decimal
	Lines                            []ContingencyLineAmounts
	Totals                           rules.Totals
	Receivable                       *rules.Receivable // nil: none (a credit note, terms none)
	Reference                        *ContingencyReference
	RefDate                          *time.Time
	Fingerprint                      string
	Recorded                         bool // the same record was imported before: nothing to write
}

// ContingencyLineAmounts is a line as priced.
type ContingencyLineAmounts struct {
	Item, Description string
	Quantity, Price   decimal.Decimal
	Amounts           rules.LineAmounts
}

// fingerprint is a record's digest, as imported (its JSON, re-encoded).
func fingerprint(d ContingencyDocument) string {
	b, _ := json.Marshal(d)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
