package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"

	"billrun/internal/importfmt"
	"billrun/internal/store"
	"billrun/workflows"
)

func invoiceContingencyCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "contingency", Short: "Uruguay: record the paper documents written on DGI's contingency series, and send them to DGI"}
	var w waitFlags
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Record contingency documents (JSON; see README) — checked whole, all or nothing; the same file again records nothing new — and send each to DGI as a CFE",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return contingencyImport(cmd.Context(), a, args[0], w)
		},
	}
	w.bind(imp, "until DGI has answered each document")
	c.AddCommand(imp)
	return c
}

// contingencyDoc is one document of the file as the import answers it.
type contingencyDoc struct {
	Record    string `json:"record"`
	InvoiceID int64  `json:"invoice_id"`
	Number    string `json:"number"` // 201 C 17
	Recorded  bool   `json:"recorded_before"`
	State     string `json:"state,omitempty"` // with --wait: received by DGI, or its refusal
	Issuer    string `json:"issuer"`
	Day       string `json:"day"`
}

// contingencyImport records the file's documents in one transaction (checked against what
// is stored then), then starts their sending to DGI.
func contingencyImport(ctx context.Context, a *app, path string, w waitFlags) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	f, _, err := importfmt.ParseContingency(fh)
	if err != nil {
		return err
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	var docs []contingencyDoc
	err = st.InTx(ctx, func(tx *store.Tx) error {
		docs, err = recordContingency(tx, f)
		return err
	})
	if err != nil {
		return err
	}
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	ids := make([]int64, len(docs))
	for i, d := range docs {
		ids[i] = d.InvoiceID
	}
	run, err := wc.StartContingency(ctx, ids, fmt.Sprintf("%d contingency documents to DGI (%s…)", len(docs), docs[0].Number))
	if err != nil {
		return err
	}
	res := contingencyImported{WorkflowID: run.GetID(), Documents: docs}
	if res.Reported, err = reportedBefore(ctx, st, docs); err != nil {
		return err
	}
	if w.wait {
		what := fmt.Sprintf("%d contingency documents", len(docs))
		var out workflows.ContingencyOutcome
		if err := w.run(ctx, what, workflowURL(a, run.GetID()), func(ctx context.Context) error {
			return waitRun(ctx, a, wc, run, what+" to be sealed and answered by DGI", &out)
		}); err != nil {
			return err
		}
		for i := range docs {
			if docs[i].State, err = contingencyState(ctx, a, docs[i].InvoiceID); err != nil {
				return err
			}
		}
	}
	return a.emit(res, func() {
		fmt.Fprintf(a.out, "%d contingency documents; to DGI by workflow %s\n", len(docs), res.WorkflowID)
		for _, d := range docs {
			state := "recorded"
			if d.Recorded {
				state = "recorded before"
			}
			fmt.Fprintf(a.out, "  %s: %s, invoice %d", d.Number, state, d.InvoiceID)
			if d.State != "" {
				fmt.Fprintf(a.out, "; %s", d.State)
			}
			fmt.Fprintln(a.out)
		}
		for _, r := range res.Reported {
			fmt.Fprintf(a.out, "  DGI received the daily report of %s for %s before these were recorded: the issuer's daily-report Schedule resends it at its next run "+
				"(or billrun report daily --date %s --issuer %s --send)\n", r[0], r[1], r[1], r[0])
		}
	})
}

// contingencyImported is what the import answers.
type contingencyImported struct {
	WorkflowID string           `json:"workflow_id"`
	Documents  []contingencyDoc `json:"documents"`
	// Reported are the issuers' days (issuer, day) DGI received a report of before new
	// documents of the day were recorded: it must be resent.
	Reported [][2]string `json:"reported_before,omitempty"`
}

// reportedBefore are the days of the newly recorded documents whose last report DGI received.
func reportedBefore(ctx context.Context, st *store.Store, docs []contingencyDoc) ([][2]string, error) {
	var out [][2]string
	seen := map[[2]string]bool{}
	for _, d := range docs {
		k := [2]string{d.Issuer, d.Day}
		if d.Recorded || seen[k] {
			continue
		}
		seen[k] = true
		day, err := time.Parse(time.DateOnly, d.Day)
		if err != nil {
			return nil, err
		}
		sent, err := st.DailyReports(ctx, d.Issuer, day)
		if err != nil {
			return nil, err
		}
		if n := len(sent); n > 0 && sent[n-1].State == "received" {
			out = append(out, k)
		}
	}
	return out, nil
}

// contingencyState is where a document stands with DGI: received, or DGI's refusal.
func contingencyState(ctx context.Context, a *app, id int64) (string, error) {
	v, err := readInvoice(ctx, a, fmt.Sprint(id))
	switch {
	case err != nil:
		return "", err
	case v.FiscalStatus == "stamped" || v.FiscalStatus == "pdf":
		return "received by DGI", nil
	case v.FiscalError != "":
		return "not received: " + v.FiscalError, nil
	}
	return "fiscal status " + v.FiscalStatus, nil
}

// recordContingency checks the file against what is stored and writes its new documents.
func recordContingency(tx *store.Tx, f *importfmt.ContingencyFile) ([]contingencyDoc, error) {
	var series, customers, items []string
	for _, d := range f.Documents {
		series, customers = append(series, d.Series), append(customers, d.Customer)
		for _, l := range d.Lines {
			items = append(items, l.Item)
		}
	}
	known, ids, err := tx.ContingencyKnown(slices.Compact(series), customers, items)
	if err != nil {
		return nil, err
	}
	recs, probs := importfmt.CheckContingency(f, known)
	if len(probs) > 0 {
		return nil, &importfmt.Invalid{Problems: probs}
	}
	var docs []contingencyDoc
	for _, r := range recs {
		d := contingencyDoc{Record: r.Name, Number: fmt.Sprintf("%d %s %d", r.CFEType, r.CFESeries, r.Number), Recorded: r.Recorded,
			Issuer: r.Issuer, Day: r.Date.Format(time.DateOnly)}
		if r.Recorded {
			d.InvoiceID = ids[importfmt.ContingencyID{Issuer: r.Issuer, CFEType: r.CFEType, CFESeries: r.CFESeries, Number: r.Number}]
		} else if d.InvoiceID, err = tx.InsertContingency(r); err != nil {
			var pg *pgconn.PgError
			if errors.As(err, &pg) && pg.Code == "23505" { // recorded meanwhile by another import
				return nil, &importfmt.Invalid{Problems: []importfmt.Problem{{Record: r.Name, Field: "number",
					Error: fmt.Sprintf("%s is recorded already (%s): a contingency number is used once", d.Number, pg.ConstraintName)}}}
			}
			return nil, fmt.Errorf("%s: %w", r.Name, err)
		}
		docs = append(docs, d)
	}
	return docs, nil
}
