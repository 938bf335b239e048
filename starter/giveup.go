package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"billrun/internal/model"
)

// Giving up: a draft batch rejected, a failed invoice abandoned.

func batchRejectCmd(a *app) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "reject ID --reason TEXT",
		Short: "Reject a draft batch awaiting approval: its drafts are voided and their sources billable again by a later batch",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, id := cmd.Context(), args[0]
			if reason == "" {
				return &model.InputError{Problems: []string{"--reason: say why the batch is rejected (it is kept in its audit trail)"}}
			}
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			again, err := st.RejectBatch(ctx, id, reason)
			if err != nil {
				return err
			}
			wc, err := a.Workflows(ctx)
			if err != nil {
				return err
			}
			if err := wc.RejectBatch(ctx, id); err != nil {
				return fmt.Errorf("batch %s is rejected, but its workflow was not told (%w): terminate it in the Web UI", id, err)
			}
			return a.emit(map[string]any{"batch_id": id, "rejected": true, "again": again}, func() {
				if again {
					fmt.Fprintf(a.out, "batch %s was rejected already\n", id)
					return
				}
				fmt.Fprintf(a.out, "batch %s rejected: its drafts are voided, their sources billable again (billrun batch report %s)\n", id, id)
			})
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "why (kept in the audit trail)")
	return c
}

func invoiceAbandonCmd(a *app) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "abandon ID --reason TEXT",
		Short: "Give up a failed invoice: its sources are billable again by a later batch; it never takes a number",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if reason == "" {
				return &model.InputError{Problems: []string{"--reason: say why the invoice is abandoned (it is kept in its audit trail)"}}
			}
			id, err := findInvoice(ctx, a, args[0])
			if err != nil {
				return err
			}
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			again, err := st.AbandonInvoice(ctx, id, reason)
			if err != nil {
				return err
			}
			return a.emit(map[string]any{"invoice_id": id, "abandoned": true, "again": again}, func() {
				if again {
					fmt.Fprintf(a.out, "invoice %d was abandoned already\n", id)
					return
				}
				fmt.Fprintf(a.out, "invoice %d abandoned: its sources are billable again\n", id)
			})
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "why (kept in the audit trail)")
	return c
}
