package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestCheckTicketThreshold(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	dec := decimal.RequireFromString
	ui := &UIValue{Date: day("2026-11-23"), Value: dec("6.2")} // 5,000 UI = 31,000.00 UYU; 10,000 UI = 62,000.00
	ten := &TicketThreshold{From: day("2026-11-01"), UI: dec("10000")}
	later := &TicketThreshold{From: day("2026-12-01"), UI: dec("10000")}
	ticket := func(total, vat, rate string) Ticket {
		return Ticket{CFEType: 101, Customer: "CONSUMIDOR", Anonymous: true, Currency: "UYU", Total: dec(total), VAT: dec(vat), Rate: dec(rate), Date: day("2026-11-23")}
	}
	usd := ticket("900", "0", "40")
	usd.Currency = "USD"
	identified := ticket("100000", "18032.79", "1")
	identified.Anonymous = false
	factura := ticket("100000", "18032.79", "1")
	factura.CFEType = 111
	credit := ticket("100000", "18032.79", "1")
	credit.CFEType = 102
	for _, tc := range []struct {
		name    string
		t       Ticket
		ui      *UIValue
		th      *TicketThreshold
		problem string // "" passes
	}{
		{"below the default threshold", ticket("30000", "5409.84", "1"), ui, nil, ""},
		{"exactly the limit without VAT passes", ticket("37820", "6820", "1"), ui, nil, ""},
		{"a cent above the limit without VAT fails", ticket("37820.01", "6820", "1"), ui, nil,
			"31000.01 UYU without VAT is above 5000 UI (the default, no uy_eticket_thresholds in force) × 6.2 UYU per UI of 2026-11-23 = 31000.00 UYU"},
		{"VAT is not counted: the total is above, the net is not", ticket("37000", "6700", "1"), ui, nil, ""},
		{"the setting in force raises the limit", ticket("50000", "9016.39", "1"), ui, ten, ""},
		{"above the raised limit", ticket("80000", "14426.23", "1"), ui, ten,
			"65573.77 UYU without VAT is above 10000 UI (in force since 2026-11-01) × 6.2 UYU per UI of 2026-11-23 = 62000.00 UYU"},
		{"a setting from a later date is not in force", ticket("50000", "9016.39", "1"), ui, later, "above 5000 UI (the default"},
		{"a foreign currency at the invoice's rate", usd, ui, nil, "900.00 USD × 40 = 36000.00 UYU without VAT is above"},
		{"the latest UI value before the date serves", ticket("30000", "0", "1"), &UIValue{Date: day("2026-10-31"), Value: dec("6.1")}, nil, ""},
		{"no UI value: the rule cannot be checked", ticket("10", "0", "1"), nil, nil, "no UI value (Unidad Indexada) on or before 2026-11-23"},
		{"a UI value after the date does not serve", ticket("10", "0", "1"), &UIValue{Date: day("2026-11-24"), Value: dec("6.2")}, nil, "no UI value"},
		{"an identified consumer passes, UI or not", identified, nil, nil, ""},
		{"an e-Factura is not held", factura, nil, nil, ""},
		{"a credit note is not held", credit, nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckTicketThreshold(tc.t, tc.ui, tc.th)
			if tc.problem == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrTicketThreshold) || !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("err %v, want ErrTicketThreshold with %q", err, tc.problem)
			}
			if strings.Contains(tc.problem, "above") && (!strings.Contains(err.Error(), "identify the consumer") || !strings.Contains(err.Error(), "CONSUMIDOR")) {
				t.Errorf("the refusal does not say what to do: %v", err)
			}
		})
	}
}

func TestTicketLimitAbove(t *testing.T) {
	day, _ := time.Parse(time.DateOnly, "2026-11-23")
	l, err := TicketLimitOn(day, &UIValue{Date: day, Value: decimal.RequireFromString("6.2147")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pesos string
		above bool
	}{{"31073.49", false}, {"31073.50", false}, {"31073.51", true}, {"0", false}} {
		if got := l.Above(decimal.RequireFromString(tc.pesos)); got != tc.above {
			t.Errorf("%s above %s: %v", tc.pesos, l.Pesos, got)
		}
	}
}
