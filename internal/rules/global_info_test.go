package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestGlobalPeriodEnded(t *testing.T) {
	nov, _ := ParseGlobalPeriod("2026-11", "")
	d, _ := ParseGlobalPeriod("2026-11-05", "")
	for _, c := range []struct {
		g     GlobalPeriod
		today string
		ok    bool
	}{
		{nov, "2026-11-15", false}, {nov, "2026-11-30", false}, {nov, "2026-12-01", true}, {nov, "2027-01-10", true},
		{d, "2026-11-05", false}, {d, "2026-11-06", true}, {d, "2026-11-04", false},
	} {
		err := GlobalPeriodEnded(c.g, day(c.today))
		if (err == nil) != c.ok || err != nil && !strings.Contains(err.Error(), "--period") {
			t.Errorf("%s..%s on %s: %v, want ended %v", c.g.From, c.g.To, c.today, err, c.ok)
		}
	}
}

func TestGlobalInfoProblems(t *testing.T) {
	for _, c := range []struct {
		per, meses string
		año        int
		fecha      string
		regime     string
		no         string // a word of the problem; "" none
	}{
		{"04", "11", 2026, "2026-12-01", "601", ""},
		{"04", "12", 2026, "2027-01-01", "601", ""},            // December declared in January
		{"04", "12", 2025, "2027-01-01", "601", "Año 2025"},    // two years back
		{"04", "01", 2027, "2026-12-31", "601", "Año 2027"},    // a year ahead
		{"05", "18", 2026, "2027-01-01", "621", ""},            // RIF, bimonthly
		{"05", "18", 2026, "2027-01-01", "601", "régimen 621"}, // bimonthly for RIF only
		{"05", "11", 2026, "2026-12-01", "621", "13 to 18"},
		{"04", "13", 2026, "2026-12-01", "601", "05 only"},
		{"01", "13", 2026, "2026-12-01", "621", "05 only"},
		{"02", "00", 2026, "2026-12-01", "601", "01 to 12"},
		{"03", "11", 2026, "2026-12-01", "612", ""},
	} {
		probs := strings.Join(GlobalInfoProblems(c.per, c.meses, c.año, day(c.fecha), c.regime), "; ")
		if c.no == "" && probs != "" || c.no != "" && !strings.Contains(probs, c.no) {
			t.Errorf("%s/%s/%d on %s (régimen %s): %q, want %q", c.per, c.meses, c.año, c.fecha, c.regime, probs, c.no)
		}
	}
}

func TestGlobalLateWarning(t *testing.T) {
	mx, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Skip(err)
	}
	at := func(s string) time.Time { x, _ := time.ParseInLocation("2006-01-02 15:04", s, mx); return x }
	for _, c := range []struct {
		to, at string
		late   bool
	}{
		{"2026-11-30", "2026-12-01 00:00", false},
		{"2026-11-30", "2026-12-01 23:59", false}, // within the 24 hours after November closes
		{"2026-11-30", "2026-12-02 00:01", true},
		{"2026-11-30", "2026-12-06 10:00", true},
		{"2026-11-05", "2026-11-06 12:00", false},
		{"2026-11-05", "2026-11-07 00:01", true},
	} {
		w := GlobalLateWarning(day(c.to), at(c.at), mx)
		if (w != "") != c.late || c.late && !strings.Contains(w, "late") {
			t.Errorf("period to %s issued %s: %q, want late %v", c.to, c.at, w, c.late)
		}
	}
}

func TestGlobalFormaPago(t *testing.T) {
	tk := func(form, total string) TicketPayment {
		return TicketPayment{Number: "T-" + form, Form: form, Total: decimal.RequireFromString(total)}
	}
	for _, c := range []struct {
		name    string
		tickets []TicketPayment
		want    string // "" an error
	}{
		{"one form", []TicketPayment{tk("01", "10.00")}, "01"},
		{"the largest sum, not the most tickets", []TicketPayment{tk("01", "10.00"), tk("01", "20.00"), tk("04", "31.00")}, "04"},
		{"summed per form beats the largest ticket", []TicketPayment{tk("01", "20.00"), tk("01", "20.00"), tk("04", "31.00")}, "01"},
		{"a tie: the lowest code", []TicketPayment{tk("28", "50.00"), tk("03", "50.00")}, "03"},
		{"99 counts for none", []TicketPayment{tk("99", "500.00"), tk("03", "1.00")}, "03"},
		{"none known", []TicketPayment{tk("99", "5.00"), tk("", "1.00")}, ""},
		{"no tickets", nil, ""},
	} {
		got, err := GlobalFormaPago(c.tickets)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("%s: %q %v, want %q", c.name, got, err, c.want)
		}
	}
}

func TestGoesGlobal(t *testing.T) {
	for _, c := range []struct {
		series, kind, taxIDKind string
		generic                 bool
		currency, method        string
		want                    bool
	}{
		{"G", "ticket", "national_id", false, "MXN", "PUE", true},
		{"G", "invoice", "generic", false, "MXN", "PUE", true}, // a sale, not only a ticket, to the general public
		{"G", "invoice", "tax_registration", true, "MXN", "PUE", true},
		{"", "ticket", "national_id", false, "MXN", "PUE", false},       // the series names no global invoice series
		{"G", "ticket", "tax_registration", false, "MXN", "PUE", false}, // a customer with an RFC: its own CFDI
		{"G", "invoice", "foreign", false, "MXN", "PUE", false},         // XEXX010101000 is not the general public
		{"G", "ticket", "national_id", false, "USD", "PUE", false},      // a global invoice is in MXN
		{"G", "credit_note", "national_id", false, "MXN", "PUE", false}, // a credit note relates to a CFDI
		{"G", "payment_receipt", "generic", false, "MXN", "PUE", false},
		{"G", "invoice", "national_id", false, "MXN", "PPD", false}, // paid later: its payments' receipts relate its own CFDI
		{"G", "ticket", "generic", true, "MXN", "", true},           // terms without a method: paid on the spot
	} {
		if got := GoesGlobal(c.series, c.kind, c.taxIDKind, c.generic, c.currency, c.method); got != c.want {
			t.Errorf("%+v: %v", c, got)
		}
	}
}
