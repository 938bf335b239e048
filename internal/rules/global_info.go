package rules

import (
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// RIF is SAT's régimen 621 (Incorporación Fiscal), the only one whose global invoices may
// be bimonthly (Periodicidad 05).
const RIF = "621"

// GlobalPeriodEnded refuses a global invoice's period that has not ended on today (the
// issuer's day, Mexico City): a period's sales are declared once it is over.
func GlobalPeriodEnded(g GlobalPeriod, today time.Time) error {
	if !today.After(g.To) {
		return fmt.Errorf("--period: %s..%s has not ended (today is %s in Mexico City): a global invoice declares a period once it is over",
			g.From.Format(time.DateOnly), g.To.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	return nil
}

// GlobalInfoProblems are what SAT's validations (Anexo 20, InformacionGlobal) refuse in a
// global invoice's period, issued on fecha by an issuer of the given régimen: Año is the
// year of Fecha or the year before; Periodicidad 05 (bimonthly) is for régimen 621 alone;
// Meses 13–18 (bimesters) go with Periodicidad 05 and only with it, 01–12 otherwise.
func GlobalInfoProblems(periodicidad, meses string, año int, fecha time.Time, regime string) []string {
	var probs []string
	if y := fecha.Year(); año != y && año != y-1 {
		probs = append(probs, fmt.Sprintf("InformacionGlobal Año %d: it is the year of Fecha (%d) or the year before", año, y))
	}
	if periodicidad == "05" && regime != RIF {
		probs = append(probs, fmt.Sprintf("InformacionGlobal Periodicidad 05 (bimonthly) is for régimen %s (Incorporación Fiscal) only, not the issuer's %s", RIF, regime))
	}
	bimester := slices.Contains([]string{"13", "14", "15", "16", "17", "18"}, meses)
	month := len(meses) == 2 && meses >= "01" && meses <= "12"
	switch {
	case periodicidad == "05" && !bimester:
		probs = append(probs, fmt.Sprintf("InformacionGlobal Meses %q: Periodicidad 05 wants a bimester, 13 to 18", meses))
	case periodicidad != "05" && !month:
		probs = append(probs, fmt.Sprintf("InformacionGlobal Meses %q: Periodicidad %s wants a month, 01 to 12 (13 to 18 go with 05 only)", meses, periodicidad))
	}
	return probs
}

// GlobalDue is when a global invoice of a period ending on `to` (a day) is due: within the
// 24 hours after the period closes (RMF 2.7.1.21), i.e. by the end of the next day, in the
// zone given.
func GlobalDue(to time.Time, zone *time.Location) time.Time {
	return time.Date(to.Year(), to.Month(), to.Day()+2, 0, 0, 0, 0, zone)
}

// GlobalLateWarning is a warning (never a refusal: the sales must still be declared) when
// a global invoice of a period ending on `to` is issued at `at`, past its due time.
func GlobalLateWarning(to, at time.Time, zone *time.Location) string {
	due := GlobalDue(to, zone)
	if !at.After(due) {
		return ""
	}
	return fmt.Sprintf("late: SAT wants the global invoice of a period within 24 hours after it closes (by %s), it is issued %s",
		due.Add(-time.Second).Format("2006-01-02 15:04:05 MST"), at.In(zone).Format("2006-01-02 15:04 MST"))
}

// TicketPayment is what a ticket was paid with (SAT's c_FormaPago) and its total.
type TicketPayment struct {
	Number string
	Form   string
	Total  decimal.Decimal
}

// GlobalFormaPago is a global invoice's FormaPago as SAT's guide for the global CFDI wants
// it: the form of payment with which the largest amount was received — the tickets' totals
// summed per form, the largest sum; on a tie the lowest code. A ticket whose form is 99
// (to be defined) or unknown counts for none; with none known it is an error.
func GlobalFormaPago(tickets []TicketPayment) (string, error) {
	sums := map[string]decimal.Decimal{}
	var forms []string
	for _, t := range tickets {
		if t.Form == "" || t.Form == "99" {
			continue
		}
		if _, ok := sums[t.Form]; !ok {
			forms = append(forms, t.Form)
		}
		sums[t.Form] = sums[t.Form].Add(t.Total)
	}
	if len(forms) == 0 {
		return "", fmt.Errorf("no ticket states its form of payment (forma_pago of its payment terms other than 99): a global invoice's FormaPago is the form of the largest amount received")
	}
	slices.Sort(forms)
	best := forms[0]
	for _, f := range forms[1:] {
		if sums[f].GreaterThan(sums[best]) {
			best = f
		}
	}
	return best, nil
}

// GoesGlobal tells whether a Mexican sale has no CFDI of its own but goes in its period's
// global invoice (SAT's factura global to the general public): its series names a global
// invoice series, it is a ticket or an invoice (not a credit note or receipt), its
// receiver is the general public — a customer without a tax registration, billed to SAT's
// generic RFC XAXX010101000 — it is in MXN, as a global invoice is, and paid in one
// exhibition (PUE). Any other sale of such a series (to a customer with an RFC, a
// foreigner, in dollars, on credit) gets its own CFDI.
func GoesGlobal(globalSeries, kind, taxIDKind string, generic bool, currency, method string) bool {
	publicRFC := generic || taxIDKind == "generic" || taxIDKind == "national_id"
	// A sale paid in installments (PPD) takes payment receipts relating its own CFDI.
	return globalSeries != "" && (kind == "ticket" || kind == "invoice") && publicRFC && currency == "MXN" && method != "PPD"
}
