package rules

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func TestCashIn(t *testing.T) {
	d := decimal.RequireFromString
	cases := []struct {
		name                string
		invoice, books, box string
		balance, rate       string
		want                string
		refused             bool
	}{
		{"seed 004: pesos into a peso box", "MXN", "MXN", "MXN", "3654.00", "1", "3654.00", false},
		{"dollars into a dollar box", "USD", "MXN", "USD", "100.00", "17.20", "100.00", false},
		{"dollars into a peso box, at the rate", "USD", "MXN", "MXN", "100.01", "17.2345", "1723.62", false},
		{"pesos into a dollar box", "MXN", "MXN", "USD", "100.00", "1", "", true},
		{"dollars into a euro box", "USD", "MXN", "EUR", "100.00", "17.20", "", true},
		{"dollars into a peso box, no rate", "USD", "MXN", "MXN", "100.00", "0", "", true},
	}
	for _, c := range cases {
		got, err := CashIn(c.invoice, c.books, c.box, d(c.balance), d(c.rate), 2)
		if c.refused {
			if !errors.Is(err, ErrCashBox) {
				t.Errorf("%s: %v, want refused", c.name, err)
			}
			continue
		}
		if err != nil || !got.Equal(d(c.want)) {
			t.Errorf("%s: %s %v, want %s", c.name, got, err, c.want)
		}
	}
}

func TestCashRefund(t *testing.T) {
	d := decimal.RequireFromString
	cases := []struct {
		name          string
		refund        string
		held          CashHeld
		out, box, due string
	}{
		{"seed 004: 100 kg of B returned on 3,654.00 cash", "1160.00", CashHeld{Left: d("3654.00"), BoxLeft: d("3654.00"), Rate: d("1")}, "1160.00", "1160.00", "0"},
		{"the whole sale returned", "3654.00", CashHeld{Left: d("3654.00"), BoxLeft: d("3654.00"), Rate: d("1")}, "3654.00", "3654.00", "0"},
		{"more than the box holds: the rest owed back", "1160.00", CashHeld{Left: d("1000.00"), BoxLeft: d("1000.00"), Rate: d("1")}, "1000.00", "1000.00", "160.00"},
		{"nothing held: all owed back", "232.00", CashHeld{}, "0", "0", "232.00"},
		{"dollars from a peso box, at the rate", "10.00", CashHeld{Left: d("100.00"), BoxLeft: d("1723.45"), Rate: d("17.2345"), BoxDecimals: 2}, "10.00", "172.35", "0"},
		{"the last of a peso box: what it holds, to the cent", "30.00", CashHeld{Left: d("30.00"), BoxLeft: d("517.03"), Rate: d("17.2345"), BoxDecimals: 2}, "30.00", "517.03", "0"},
	}
	for _, c := range cases {
		out, box, due := CashRefund(d(c.refund), c.held)
		if !out.Equal(d(c.out)) || !box.Equal(d(c.box)) || !due.Equal(d(c.due)) {
			t.Errorf("%s: out %s box %s due %s, want %s %s %s", c.name, out, box, due, c.out, c.box, c.due)
		}
		if !out.Add(due).Equal(d(c.refund)) {
			t.Errorf("%s: out + due = %s, not the refund %s", c.name, out.Add(due), c.refund)
		}
	}
}
