package rules

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestPaidInInvoiceCurrency(t *testing.T) {
	d := decimal.RequireFromString
	for _, c := range []struct {
		amount, paid, inv, rate, want, err string
	}{
		{"500.00", "MXN", "MXN", "0", "500.00", ""},
		{"17200.00", "MXN", "USD", "17.20", "1000.00", ""},
		{"100.00", "MXN", "USD", "17.20", "5.81", ""}, // 5.8139…: down, never past what was paid
		{"1000.00", "USD", "MXN", "18.3115", "18311.50", ""},
		{"10.00", "MXN", "USD", "0", "", "needs the exchange rate"},
		{"10.00", "EUR", "USD", "1.1", "", "must be pesos"},
	} {
		got, err := PaidInInvoiceCurrency(d(c.amount), c.paid, c.inv, d(c.rate), 2)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%+v: error %v", c, err)
		case c.err == "" && (err != nil || !got.Equal(d(c.want))):
			t.Errorf("%+v: %s, %v", c, got, err)
		}
	}
}
