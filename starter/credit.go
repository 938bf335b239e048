package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
	"billrun/workflows"
)

// creditFlags are a credit note command's flags: lines named by number, each with its own
// quantity (returns), amount or percent (rebates), given in pairs in the order written.
type creditFlags struct {
	lines            []int
	qtys, amounts    []string
	percents         []string
	date, key        string
	wait             waitFlags
	kind             string
	needQty, rebates bool
}

func invoiceReturnCmd(a *app) *cobra.Command {
	f := &creditFlags{kind: rules.CreditReturn, needQty: true}
	c := &cobra.Command{
		Use:   "return INVOICE --line N --qty Q [--line N --qty Q ...]",
		Short: "Issue a credit note for goods the customer gives back: stock comes back to the warehouse it left, the receivable goes down",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return issueCredit(cmd.Context(), a, args[0], f) },
	}
	f.bind(c)
	c.Flags().StringArrayVar(&f.qtys, "qty", nil, "quantity returned of the --line before it")
	return c
}

func invoiceRebateCmd(a *app) *cobra.Command {
	f := &creditFlags{kind: rules.CreditRebate, rebates: true}
	c := &cobra.Command{
		Use:   "rebate INVOICE --line N (--amount A | --percent P) [--qty Q] [--line ...]",
		Short: "Issue a credit note lowering the price of goods the customer keeps (per unit, on the quantity not returned unless --qty)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return issueCredit(cmd.Context(), a, args[0], f) },
	}
	f.bind(c)
	c.Flags().StringArrayVar(&f.amounts, "amount", nil, "rebate per unit (list price) of the --line before it")
	c.Flags().StringArrayVar(&f.percents, "percent", nil, "rebate in percent of the price of the --line before it")
	c.Flags().StringArrayVar(&f.qtys, "qty", nil, "quantity rebated of the --line before it (default: all not returned)")
	return c
}

func (f *creditFlags) bind(c *cobra.Command) {
	c.Flags().IntSliceVar(&f.lines, "line", nil, "invoice line number (see billrun invoice show)")
	c.Flags().StringVar(&f.date, "date", "", "the credit note's date"+todayHelp)
	f.wait.bind(c, "until it is sealed, stamped, printed and e-mailed, then show it")
	c.Flags().StringVar(&f.key, "key", "", "the request's idempotency key (default: made of the invoice, the request and today); the same key again answers the same credit note")
}

// requestLines pairs each --line with the values given for it, refusing what does not pair.
func (f *creditFlags) requestLines() ([]rules.CreditLine, error) {
	var problems []string
	if len(f.lines) == 0 {
		problems = append(problems, "--line: name at least one invoice line")
	}
	// Each value flag is absent (when allowed) or given once per --line.
	paired := func(flag string, vals []string, required bool) bool {
		if len(vals) == len(f.lines) && len(vals) > 0 {
			return true
		}
		if required || len(vals) > 0 {
			problems = append(problems, fmt.Sprintf("--%s: give one per --line (%d lines, %d values)", flag, len(f.lines), len(vals)))
		}
		return false
	}
	parse := func(flag, v string, line int) decimal.Decimal {
		d, err := decimal.NewFromString(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--%s %q of line %d is not a number", flag, v, line))
		}
		return d
	}
	qtys := paired("qty", f.qtys, f.needQty)
	var amounts, percents bool
	if f.rebates {
		if len(f.amounts) > 0 && len(f.percents) > 0 {
			problems = append(problems, "--amount and --percent: give one of them")
		} else if len(f.percents) > 0 {
			percents = paired("percent", f.percents, true)
		} else {
			amounts = paired("amount", f.amounts, true)
		}
	}
	out := make([]rules.CreditLine, len(f.lines))
	for i, n := range f.lines {
		out[i].LineNo = n
		if qtys {
			out[i].Quantity = parse("qty", f.qtys[i], n)
		}
		if amounts {
			out[i].UnitAmount = parse("amount", f.amounts[i], n)
		}
		if percents {
			out[i].Percent = parse("percent", f.percents[i], n)
		}
	}
	if len(problems) > 0 {
		return nil, &model.InputError{Problems: problems}
	}
	return out, nil
}

// issueCredit checks the request against the invoice (refused with nothing written when it
// cannot take it), then starts the credit note's workflow.
func issueCredit(ctx context.Context, a *app, ref string, f *creditFlags) error {
	if f.date != "" {
		if _, err := time.Parse(time.DateOnly, f.date); err != nil {
			return &model.InputError{Problems: []string{fmt.Sprintf("--date: %q is not a date (YYYY-MM-DD)", f.date)}}
		}
	}
	lines, err := f.requestLines()
	if err != nil {
		return err
	}
	v, err := readInvoice(ctx, a, ref)
	if err != nil {
		return err
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	c, err := st.InvoiceCountry(ctx, v.ID)
	if err != nil {
		return err
	}
	if f.date == "" {
		if f.date, err = issuerToday("--date", []string{c}, time.Now()); err != nil {
			return err
		}
	} else if err := notAfterToday("--date", f.date, []string{c}, time.Now()); err != nil {
		return err
	}
	// The request's number among the invoice's credit notes is given by the database under
	// its key: the same command retried (after a lost answer) finds its own credit note.
	content, err := json.Marshal(struct {
		Kind, Date string
		Lines      any
	}{f.kind, f.date, lines})
	if err != nil {
		return err
	}
	key := f.key
	if key == "" {
		key = contentKey("credit", v.ID, string(content))
	}
	seq, again, err := st.RegisterCreditRequest(ctx, v.ID, key, string(content))
	if errors.Is(err, store.ErrKeyTaken) {
		return &model.InputError{Problems: []string{"--key " + err.Error()}}
	}
	if err != nil {
		return err
	}
	req := activities.CreditNoteRequest{InvoiceID: v.ID, Seq: seq, Kind: f.kind, Date: f.date, Lines: lines}
	if err := activities.CheckCreditNote(ctx, st, req); err != nil {
		return err
	}
	if !a.jsonOut {
		how := "new request"
		if again {
			how = "made before: its credit note is answered, none is made again"
		}
		fmt.Fprintf(a.out, "key %s (%s)\n", key, how)
	}
	return startCredit(ctx, a, req, invoiceNumber(v), f.wait)
}

func invoiceNumber(v model.InvoiceView) string {
	if v.Number == nil {
		return fmt.Sprintf("invoice %d", v.ID)
	}
	return fmt.Sprintf("%s-%d", v.Series, *v.Number)
}

// startCredit starts a credit note's workflow and, with --wait, shows the credit note it made.
func startCredit(ctx context.Context, a *app, req activities.CreditNoteRequest, corrects string, w waitFlags) error {
	wc, err := a.Workflows(ctx)
	if err != nil {
		return err
	}
	summary := fmt.Sprintf("Credit note (%s) %d of %s", req.Kind, req.Seq, corrects)
	run, err := wc.StartCreditNote(ctx, req, corrects, summary)
	if errors.Is(err, workflows.ErrUnderWay) {
		// The same request is being made: follow it.
		run, err = wc.Temporal.GetWorkflow(ctx, workflows.CreditNoteWorkflowID(wc.Installation, req.InvoiceID, req.Seq), ""), nil
	}
	if err != nil {
		return err
	}
	if !w.wait {
		return a.emit(map[string]any{"invoice_id": req.InvoiceID, "seq": req.Seq, "workflow_id": run.GetID()}, func() {
			fmt.Fprintf(a.out, "%s: started; watch with 'billrun invoice show %d' (its credit notes are listed there)\n", summary, req.InvoiceID)
		})
	}
	var out struct {
		CreditNote activities.CreditNoteResult `json:"credit_note"`
	}
	werr := w.run(ctx, strings.ToLower(summary[:1])+summary[1:], workflowURL(a, run.GetID()), func(ctx context.Context) error {
		return waitRun(ctx, a, wc, run, "the credit note to be recorded, sealed, stamped, printed and e-mailed", &out)
	})
	var late *waitTimeout
	if errors.As(werr, &late) {
		return werr
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	id := out.CreditNote.ID
	if id == 0 { // failed before it was recorded, or after: find it by its request
		if id, err = st.CreditNoteID(ctx, req.InvoiceID, req.Seq); err != nil || id == 0 {
			if werr != nil {
				return werr
			}
			return err
		}
	}
	cn, err := st.ReadInvoice(ctx, id)
	if err != nil {
		return err
	}
	if err := a.emit(cn, func() { printInvoice(a.out, cn) }); err != nil {
		return err
	}
	return werr
}
