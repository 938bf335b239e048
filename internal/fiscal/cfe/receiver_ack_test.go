package cfe

import (
	"reflect"
	"strings"
	"testing"
)

// Each answer of a receiver's acknowledgement is held to the CFE it names: it must exist
// and be addressed to the answering RUT; every problem is named.
func TestMatchReceiverAck(t *testing.T) {
	targets := map[AckKey]AckTarget{{211, "A", 1}: {InvoiceID: 10, ReceiverRUT: "215071660012"}, {211, "A", 2}: {InvoiceID: 11, ReceiverRUT: "219999830019"}}
	item := func(ord int, n int64, state string) ReceiverAckItem {
		return ReceiverAckItem{Ordinal: ord, Type: 211, Series: "A", Number: n, State: state}
	}
	ack := ReceiverAck{ReceiverRUT: "215071660012", IssuerRUT: "219999830019", Items: []ReceiverAckItem{item(1, 1, "AE")}}
	recs, probs := MatchReceiverAck(ack, targets)
	if len(probs) != 0 || !reflect.DeepEqual(recs, []AckRecording{{InvoiceID: 10, Item: item(1, 1, "AE")}}) {
		t.Errorf("its own CFE: %v %v", recs, probs)
	}
	ack.Items = []ReceiverAckItem{item(1, 1, "AE"), item(2, 2, "BE"), item(3, 7, "AE")}
	_, probs = MatchReceiverAck(ack, targets)
	if len(probs) != 2 || !strings.Contains(probs[0], "ACKCFE_Det 2 (211 A 2): the CFE is addressed to RUT 219999830019") ||
		!strings.Contains(probs[1], "ACKCFE_Det 3 (211 A 7): no CFE") {
		t.Errorf("another's and an unknown CFE: %v", probs)
	}
}
