package activities

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"billrun/internal/store"
)

// A ticket of a series naming another issuer's global invoice series (stored before the
// import refused it) is refused by the global invoice, naming the ticket and both issuers;
// FormaPago is the form of the largest amount.
func TestGlobalTicketsFit(t *testing.T) {
	g := store.GlobalSeries{Code: "G", Issuer: "EKU", Country: "MX", Kind: "global_invoice"}
	tk := func(n, issuer, cur, form, total string) store.GlobalTicket {
		return store.GlobalTicket{Number: n, Issuer: issuer, Currency: cur, Form: form, Total: decimal.RequireFromString(total)}
	}
	form, err := globalTicketsFit([]store.GlobalTicket{tk("T-1", "EKU", "MXN", "01", "10"), tk("T-2", "EKU", "MXN", "04", "30"), tk("T-3", "EKU", "MXN", "01", "15")}, g)
	if err != nil || form != "04" {
		t.Errorf("form %q %v, want 04", form, err)
	}
	_, err = globalTicketsFit([]store.GlobalTicket{tk("T-1", "EKU", "MXN", "01", "10"), tk("X-7", "OTHER", "MXN", "01", "10")}, g)
	if err == nil || !strings.Contains(err.Error(), "ticket X-7 is issuer OTHER's") || !strings.Contains(err.Error(), "issuer EKU's") {
		t.Errorf("another issuer's ticket: %v", err)
	}
	if _, err = globalTicketsFit([]store.GlobalTicket{tk("T-1", "EKU", "USD", "01", "10")}, g); err == nil || !strings.Contains(err.Error(), "USD") {
		t.Errorf("a dollar ticket: %v", err)
	}
}
