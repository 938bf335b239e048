package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/activities"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// receiptTx is a fake of a receipt's transaction: one payment, one series, what it wrote.
type receiptTx struct {
	activities.ReceiptsTx
	payment  store.ReceivedPayment
	next     int64
	inserted time.Time
	numbered int64
}

func (f *receiptTx) LockPaymentForReceipt(int64) ([]store.ReceivedPayment, error) {
	return []store.ReceivedPayment{f.payment}, nil
}
func (f *receiptTx) InsertPaymentReceipt(_ []store.ReceivedPayment, date time.Time) (int64, error) {
	f.inserted = date
	return 70, nil
}
func (f *receiptTx) LockSeries(string) (int64, *time.Time, *time.Time, bool, error) {
	return f.next, nil, nil, false, nil
}
func (f *receiptTx) LockCAEs(string) ([]rules.CAE, error) { return nil, nil }
func (f *receiptTx) Number(_ store.InvoiceHead, n int64) error {
	f.numbered = n
	return nil
}
func (f *receiptTx) Audit(string, int64, string, int, string, string) error { return nil }

// A PPD invoice's payment gets its receipt numbered in the receipt series and dated the
// issuer's today; a PUE or Uruguayan invoice's takes none; a series without a receipt
// series, or an invoice not stamped, is refused naming what to fix, having written nothing.
func TestReceiptsOnAFake(t *testing.T) {
	ppd := store.ReceivedPayment{ID: 9, InvoiceID: 4, Amount: decimal.NewFromInt(500), Country: "MX", Method: "PPD",
		Invoice: "A-4", UUID: "6F35D3B5-0000-4000-8000-000000000004", Series: "P", Parcialidad: 1, SaldoAnt: decimal.NewFromInt(1160)}
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC) // still the 5th in Mexico City
	for _, c := range []struct {
		name           string
		change         func(*store.ReceivedPayment)
		number         int64
		notNeeded, bad string
	}{
		{"PPD", nil, 3, "", ""},
		{"PUE", func(p *store.ReceivedPayment) { p.Method = "PUE" }, 0, "one exhibition", ""},
		{"Uruguay", func(p *store.ReceivedPayment) { p.Country = "UY" }, 0, "not Mexican", ""},
		{"no receipt series", func(p *store.ReceivedPayment) { p.Series = "" }, 0, "", "payment_receipt_series"},
		{"not stamped", func(p *store.ReceivedPayment) { p.UUID = "" }, 0, "", "is not stamped"},
	} {
		p := ppd
		if c.change != nil {
			c.change(&p)
		}
		tx := &receiptTx{payment: p, next: 3}
		a := &activities.Receipts{Store: inTx[activities.ReceiptsTx]{tx}}
		activities.WithReceiptClock(a, func() time.Time { return now })
		res, err := a.IssuePaymentReceipt(context.Background(), activities.PaymentReceiptRequest{PaymentID: 9})
		switch {
		case c.bad != "":
			if got := businessReason(t, err); !strings.Contains(got, c.bad) || !strings.Contains(got, "A-4") || !tx.inserted.IsZero() {
				t.Errorf("%s: reason %q, want %q, nothing written", c.name, got, c.bad)
			}
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		case res.Number != c.number || !strings.Contains(res.NotNeeded, c.notNeeded) || tx.numbered != c.number:
			t.Errorf("%s: %+v (numbered %d)", c.name, res, tx.numbered)
		case c.number > 0 && tx.inserted.Format(time.DateOnly) != "2026-12-05":
			t.Errorf("%s: dated %s, want the issuer's today 2026-12-05", c.name, tx.inserted.Format(time.DateOnly))
		}
	}
}
