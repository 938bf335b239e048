package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"billrun/internal/model"
	"billrun/internal/store"
)

// batchExcludeCmd takes drafts out of a draft batch before its approval (seed 003).
func batchExcludeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "exclude ID INVOICE[,INVOICE...]",
		Short: "Take draft invoices out of a draft batch awaiting approval: voided, their sources billable again by a later batch",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			done, err := excludeDrafts(cmd.Context(), a, st, args[0], args[1])
			if err != nil {
				return err
			}
			return a.emit(map[string]any{"batch_id": args[0], "excluded": done}, func() { sayExcluded(a, args[0], done) })
		},
	}
}

// excludeDrafts excludes the drafts listed (ids, comma-separated) from the batch, and
// answers those excluded now.
func excludeDrafts(ctx context.Context, a *app, st *store.Store, batchID, list string) ([]int64, error) {
	var ids []int64
	for _, x := range splitList(list) {
		id, err := strconv.ParseInt(x, 10, 64)
		if err != nil || id <= 0 {
			return nil, &model.InputError{Problems: []string{fmt.Sprintf("--exclude: %q is not an invoice id", x)}}
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, &model.InputError{Problems: []string{"--exclude: name the draft invoices to exclude (their ids, from batch report)"}}
	}
	return st.ExcludeDrafts(ctx, batchID, ids, "excluded by the operator before approval")
}

func sayExcluded(a *app, batchID string, done []int64) {
	var names []string
	for _, id := range done {
		names = append(names, strconv.FormatInt(id, 10))
	}
	fmt.Fprintf(a.out, "batch %s: %d drafts excluded (%s), their sources billable again\n", batchID, len(done), strings.Join(names, ", "))
}
