package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"billrun/internal/model"
	"billrun/internal/store"
)

func journalCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "journal", Short: "The accounting journal: every invoice, credit note, payment and cancellation's entry"}
	c.AddCommand(journalExportCmd(a))
	return c
}

// journalHeader is the export's first row.
var journalHeader = []string{"entry", "date", "kind", "document", "customer", "account", "debit", "credit", "currency", "memo"}

func journalExportCmd(a *app) *cobra.Command {
	var from, to, out string
	c := &cobra.Command{
		Use:   "export --from DATE --to DATE [-o FILE]",
		Short: "Write the journal's entries dated FROM..TO as CSV (one row per posting) for an accountant to import",
		Long: `Writes one CSV row per posting of every entry dated FROM..TO, in entry order: the entry,
its date and kind (invoice, credit_note, payment, payment_reversal, cancellation,
cash_refund), the document (invoice number), the customer, the account, debit, credit (in the issuer's
currency, with a point for decimals), the currency and a memo. Every entry balances; a
cancellation is the reverse of the entry it cancels, never a deletion.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err1 := time.Parse(time.DateOnly, from)
			t, err2 := time.Parse(time.DateOnly, to)
			var probs []string
			if err1 != nil {
				probs = append(probs, fmt.Sprintf("--from: %q is not a date (YYYY-MM-DD)", from))
			}
			if err2 != nil {
				probs = append(probs, fmt.Sprintf("--to: %q is not a date (YYYY-MM-DD)", to))
			}
			if err1 == nil && err2 == nil && t.Before(f) {
				probs = append(probs, fmt.Sprintf("--to: %s is before --from %s", to, from))
			}
			if len(probs) > 0 {
				return &model.InputError{Problems: probs}
			}
			st, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			lines, err := st.Journal(cmd.Context(), f, t)
			if err != nil {
				return err
			}
			w := a.out
			if out != "" {
				file, err := os.Create(out)
				if err != nil {
					return err
				}
				defer file.Close()
				w = file
			}
			if err := writeJournal(w, lines); err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintf(a.out, "wrote %d postings to %s\n", len(lines), out)
			}
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", "first date (YYYY-MM-DD)")
	c.Flags().StringVar(&to, "to", "", "last date (YYYY-MM-DD)")
	c.Flags().StringVarP(&out, "out", "o", "", "the file to write (default: standard output)")
	return c
}

func writeJournal(w io.Writer, lines []store.JournalLine) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(journalHeader); err != nil {
		return err
	}
	for _, l := range lines {
		if err := cw.Write([]string{strconv.FormatInt(l.Entry, 10), l.Date.Format(time.DateOnly), l.Kind, l.Document, l.Customer,
			l.Account, l.Debit.StringFixed(2), l.Credit.StringFixed(2), l.Currency, l.Memo}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
