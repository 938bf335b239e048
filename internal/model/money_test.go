package model

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// An invoice's JSON carries money as strings with its currency's decimals, and reads back.
func TestInvoiceViewJSONMoney(t *testing.T) {
	d := decimal.RequireFromString
	v := InvoiceView{ID: 1, Currency: "MXN", Decimals: 2, Total: d("1160"), Subtotal: d("1000.0000"),
		Lines:      []InvoiceLineView{{LineNo: 1, Quantity: d("100"), UnitPrice: d("10"), Total: d("1160")}},
		Receivable: &ReceivableView{Amount: d("3654"), Balance: d("2494.5"), Decimals: 2, Payments: []PaymentView{{Amount: d("5"), PaidOn: "2026-11-25"}}}}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"total":"1160.00"`, `"subtotal":"1000.00"`, `"balance":"2494.50"`, `"amount":"5.00"`, `"quantity":"100"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("JSON lacks %s: %s", want, raw)
		}
	}
	var back InvoiceView
	if err := json.Unmarshal(raw, &back); err != nil || !back.Total.Equal(d("1160")) || !back.Lines[0].Total.Equal(d("1160")) || !back.Receivable.Balance.Equal(d("2494.5")) {
		t.Errorf("read back: %+v %v", back, err)
	}
}

func TestReceivableViewJSONMoney(t *testing.T) {
	d := decimal.RequireFromString
	raw, err := json.Marshal(ReceivableView{Kind: "open", Amount: d("3654"), Balance: d("0"), Decimals: 2,
		Payments: []PaymentView{{Amount: d("3654"), PaidOn: "2026-11-24"}}})
	if err != nil || !strings.Contains(string(raw), `"amount":"3654.00","balance":"0.00","payments":[{"amount":"3654.00","paid_on":"2026-11-24"}]`) {
		t.Errorf("%s %v", raw, err)
	}
}
