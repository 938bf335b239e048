package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
	"billrun/internal/store"
)

func invoiceReceiverAckCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "receiver-ack FILE",
		Short: "Uruguay: record an electronic receiver's acknowledgement of its CFE (the signed ACKCFE it sent back, DGI's ACKCFE_Partes.xsd); the same file again records nothing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return receiverAck(cmd.Context(), a, args[0])
		},
	}
}

// receiverAckLine is one CFE's answer as the command reports it.
type receiverAckLine struct {
	CFE       string `json:"cfe"`
	InvoiceID int64  `json:"invoice_id"`
	State     string `json:"state"`
	Reasons   string `json:"reasons,omitempty"`
	Recorded  bool   `json:"recorded"` // false: recorded before
}

// receiverAck reads and checks the acknowledgement, then records each answer against its
// CFE's invoice in one transaction: every answer, or none.
func receiverAck(ctx context.Context, a *app, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ack, err := cfe.ReadReceiverAck(ctx, string(raw))
	if err != nil {
		return &model.InputError{Problems: []string{path + ": " + err.Error()}}
	}
	response, err := strconv.ParseInt(ack.ResponseID, 10, 64)
	if err != nil {
		return &model.InputError{Problems: []string{path + ": IDRespuesta " + ack.ResponseID + " is not a number"}}
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	var lines []receiverAckLine
	err = st.InTx(ctx, func(tx *store.Tx) error {
		types, series, numbers := make([]int32, len(ack.Items)), make([]string, len(ack.Items)), make([]int64, len(ack.Items))
		for i, it := range ack.Items {
			types[i], series[i], numbers[i] = int32(it.Type), it.Series, it.Number
		}
		found, err := tx.AckTargets(ack.IssuerRUT, types, series, numbers)
		if err != nil {
			return err
		}
		targets := map[cfe.AckKey]cfe.AckTarget{}
		for _, f := range found {
			targets[cfe.AckKey{Type: f.Type, Series: f.Series, Number: f.Number}] = cfe.AckTarget{InvoiceID: f.InvoiceID, ReceiverRUT: f.ReceiverRUT}
		}
		recs, probs := cfe.MatchReceiverAck(ack, targets)
		if len(probs) > 0 {
			return &model.InputError{Problems: probs}
		}
		for _, r := range recs {
			l := receiverAckLine{CFE: fmt.Sprintf("%d %s %d", r.Item.Type, r.Item.Series, r.Item.Number), InvoiceID: r.InvoiceID,
				State: r.Item.State, Reasons: strings.Join(r.Item.Reasons, "; ")}
			if l.Recorded, err = tx.RecordReceiverAck(store.ReceiverAck{InvoiceID: r.InvoiceID, ResponseID: response, ReceiverRUT: ack.ReceiverRUT,
				State: l.State, Reasons: l.Reasons}, string(raw)); err != nil {
				return err
			}
			lines = append(lines, l)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return a.emit(lines, func() {
		fmt.Fprintf(a.out, "acknowledgement %s of RUT %s (received %s):\n", ack.ResponseID, ack.ReceiverRUT, ack.ReceivedAt)
		for _, l := range lines {
			state := map[string]string{cfe.AckReceived: "received", cfe.AckRejected: "rejected", cfe.AckObserved: "observed"}[l.State]
			fmt.Fprintf(a.out, "  %s (invoice %d): %s by the receiver (%s)", l.CFE, l.InvoiceID, state, l.State)
			if l.Reasons != "" {
				fmt.Fprintf(a.out, ": %s", l.Reasons)
			}
			if !l.Recorded {
				fmt.Fprint(a.out, "; recorded before")
			}
			fmt.Fprintln(a.out)
		}
	})
}
