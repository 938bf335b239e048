package rules

import (
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Contingency (Uruguay, issue 26): while billrun cannot issue electronically, documents are
// written on DGI's pre-printed contingency series (CFC) and recorded later. Their numbers
// are the paper's: each inside a CAE of the contingency range, used once.

// ContingencyTypes are DGI's contingency CFE types billrun records, each with the
// electronic type it stands for and whether it corrects another CFE (a note).
var ContingencyTypes = map[int]struct {
	Name string
	Note bool
}{
	201: {"e-Ticket contingencia", false}, 202: {"nota de crédito de e-Ticket contingencia", true},
	203: {"nota de débito de e-Ticket contingencia", true},
	211: {"e-Factura contingencia", false}, 212: {"nota de crédito de e-Factura contingencia", true},
	213: {"nota de débito de e-Factura contingencia", true},
}

// ETicketContingencyType is the e-Ticket contingencia: above the UI threshold it is sent to
// DGI alone, as an e-Ticket is (ReporteDiarioCFE.xsd: "CFE y CFC … uno a uno").
const ETicketContingencyType = 201

// IsContingencyCredit tells a contingency credit note: it owes the customer, it bills nothing.
func IsContingencyCredit(cfeType int) bool { return cfeType == 202 || cfeType == 212 }

// FieldError is a refusal naming the field of the record at fault.
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// CheckContingencyNumber holds a contingency document to its series and CAE: its type is
// its series' (a contingency type), its CFE series letter the CAE's, its number inside the
// CAE's range and its date on or before the CAE's expiry. caes are the series' CAEs; the
// one named cae is taken. It answers the CAE.
func CheckContingencyNumber(seriesType, cfeType int, cfeSeries string, number int64, date time.Time, cae string, caes []CAE) (CAE, error) {
	if _, ok := ContingencyTypes[cfeType]; !ok {
		return CAE{}, fieldErr("cfe_type", "%d is not a contingency CFE type (201, 202, 203, 211, 212, 213)", cfeType)
	}
	if seriesType != cfeType {
		return CAE{}, fieldErr("cfe_type", "%d is not its series' CFE type (%d)", cfeType, seriesType)
	}
	i := slices.IndexFunc(caes, func(c CAE) bool { return c.Number == cae })
	if i < 0 {
		return CAE{}, fieldErr("cae", "CAE %q is not one of its series' (import it with its range first)", cae)
	}
	c := caes[i]
	if cfeSeries != c.CFESeries {
		return c, fieldErr("cfe_series", "%q is not CAE %s's series %q", cfeSeries, c.Number, c.CFESeries)
	}
	if number < c.First || number > c.Last {
		return c, fieldErr("number", "%d is outside CAE %s's range %s %d-%d", number, c.Number, c.CFESeries, c.First, c.Last)
	}
	if date.After(c.Expires) {
		return c, fieldErr("date", "%s is after CAE %s's expiry %s", date.Format(time.DateOnly), c.Number, c.Expires.Format(time.DateOnly))
	}
	return c, nil
}

// RateAmount is what a paper document states at one VAT rate: its net amount and VAT.
type RateAmount struct {
	VATRate, Net, VAT decimal.Decimal
}

// CheckContingencyAmounts holds the amounts the paper states by VAT rate to its lines as
// billrun prices them (rounded per line): each rate's net and VAT equal, no rate missing
// or extra. A difference names the rate.
func CheckContingencyAmounts(lines []LineAmounts, stated []RateAmount) error {
	sums := map[string]*RateAmount{}
	var order []string
	for _, l := range lines {
		k := l.VATRate.String()
		if sums[k] == nil {
			sums[k] = &RateAmount{VATRate: l.VATRate}
			order = append(order, k)
		}
		sums[k].Net, sums[k].VAT = sums[k].Net.Add(l.Subtotal), sums[k].VAT.Add(l.VAT)
	}
	seen := map[string]bool{}
	for i, s := range stated {
		k := s.VATRate.String()
		if seen[k] {
			return fieldErr(fmt.Sprintf("amounts[%d]", i), "VAT rate %s%% is stated twice", s.VATRate)
		}
		seen[k] = true
		got := sums[k]
		if got == nil {
			return fieldErr(fmt.Sprintf("amounts[%d]", i), "no line is at VAT rate %s%%", s.VATRate)
		}
		if !got.Net.Equal(s.Net) || !got.VAT.Equal(s.VAT) {
			return fieldErr(fmt.Sprintf("amounts[%d]", i), "at VAT rate %s%% the paper states net %s and VAT %s, its lines make net %s and VAT %s",
				s.VATRate, s.Net, s.VAT, got.Net.StringFixed(2), got.VAT.StringFixed(2))
		}
	}
	for _, k := range order {
		if !seen[k] {
			return fieldErr("amounts", "the lines at VAT rate %s%% (net %s) have no stated amount", sums[k].VATRate, sums[k].Net.StringFixed(2))
		}
	}
	return nil
}
