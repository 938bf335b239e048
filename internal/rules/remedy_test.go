package rules

import (
	"strings"
	"testing"
)

func TestEveryKnownFailureNamesItsFix(t *testing.T) {
	for _, c := range []struct{ step, reason, want string }{
		{"stock discharge", "not enough stock of item P2 in warehouse W1: 3 on hand, 5 to discharge", `{"stock": [{"warehouse": "W1", "item": "P2", "on_hand": 10}]}`},
		{"stock discharge", "no stock of item P9 in warehouse CENTRAL (needs 2)", `"item": "P9"`},
		{"pricing", "tax setup: item SERV has no VAT rate in its tax profile", `{"items": [{"code": "SERV", "vat_rate": 16`},
		{"pricing", "tax setup: item X has excise rate 120, outside 0..100", "set item X's excise_rate between 0 and 100"},
		{"completion", "closed period: invoice date 2026-10-01 is not after series A's closing date 2026-10-31", "billrun invoice retry ID --date"},
		{"completion", "CAE: every number of series XT's CAEs is used (the last, ...)", `{"caes": [`},
		{"receivable", "customer MOSTRADOR: credit terms are refused for the generic customer", "give customer MOSTRADOR cash payment terms"},
		{"sealing", "the CSD key cannot be read: open /x/key.key: no such file", "billrun invoice reseal ID"},
		{"stamping", "CFDI40147 El RFC del receptor no existe", "billrun invoice restamp ID"},
		{"delivery", "skipped: customer MOSTRADOR has no e-mail address", `add customer MOSTRADOR's email`},
		{"delivery", "uncertain: an earlier attempt stopped while handing the message over", "billrun invoice resend ID"},
	} {
		if got := Remedy(c.step, c.reason); !strings.Contains(got, c.want) {
			t.Errorf("%s / %s:\n got %q\nwant %q", c.step, c.reason, got, c.want)
		}
	}
	if got := Remedy("pricing", "item X: quantity -1 must be positive"); got != "" {
		t.Errorf("an unknown reason: %q", got)
	}
}
