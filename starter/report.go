package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"billrun/activities"
	"billrun/internal/catalogs"
	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

func reportCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "report", Short: "Reports to the tax authority: Uruguay's daily report of CFE"}
	c.AddCommand(reportDailyCmd(a))
	return c
}

// dailyFlags are what report daily is told.
type dailyFlags struct {
	date, issuer string
	send         bool
	wait         waitFlags
}

// dailyView is a day's report as report daily shows it: the day as the database states it
// now, and each sending with DGI's answer.
type dailyView struct {
	Issuer     string              `json:"issuer"`
	RUT        string              `json:"rut"`
	Day        string              `json:"day"`
	CFE        int                 `json:"cfe"`
	Types      []cfe.TypeSummary   `json:"types"`
	NotReady   string              `json:"not_ready,omitempty"` // why the day cannot be reported yet
	Sendings   []store.DailyReport `json:"sendings"`
	WorkflowID string              `json:"workflow_id,omitempty"`
	Failure    string              `json:"failure,omitempty"` // how the sending workflow ended, with --wait
	// Revisit says why the issuer's daily-report Schedule reports the day again at its next
	// run (a day failed, rejected, unanswered, or with documents recorded since it was received).
	Revisit string `json:"revisit,omitempty"`
}

func reportDailyCmd(a *app) *cobra.Command {
	var f dailyFlags
	c := &cobra.Command{
		Use:   "daily [--date YYYY-MM-DD] [--issuer CODE] [--send [--wait]]",
		Short: "UY: a day's Reporte Diario to DGI — its counts, number ranges, sequence and DGI's answer; --send sends it now",
		Long: `Every Uruguayan issuer reports each calendar day's CFE to DGI, even a day with none (its
Schedule: billrun schedule create NAME --daily-report). report daily shows a day: per CFE
type the numbers used, issued and annulled (DGI rejected them), their ranges, the e-Tickets
above the threshold, and every sending of the day's report with its sequence and DGI's
answer (received, or rejected with DGI's reasons). --send sends it now — a day DGI received
already is sent again with the next sequence — and --wait waits for DGI's answer.`,
		Example: `  billrun report daily --date 2026-11-30
  billrun report daily --date 2026-11-30 --send --wait`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.runDaily(cmd.Context(), a) },
	}
	c.Flags().StringVar(&f.date, "date", "", "the day reported (default: yesterday in Montevideo)")
	c.Flags().StringVar(&f.issuer, "issuer", "", "the Uruguayan issuer (default: the only one)")
	c.Flags().BoolVar(&f.send, "send", false, "send the day's report now (the next sequence if DGI received one already)")
	f.wait.bind(c, "with --send, until DGI answers the report")
	return c
}

func (f *dailyFlags) runDaily(ctx context.Context, a *app) error {
	if f.date == "" {
		f.date = time.Now().In(fiscal.Zone("UY")).AddDate(0, 0, -1).Format(time.DateOnly)
	}
	day, err := time.Parse(time.DateOnly, f.date)
	var probs []string
	if err != nil {
		probs = append(probs, fmt.Sprintf("--date: %q is not a date (YYYY-MM-DD)", f.date))
	} else if f.send && f.date >= fiscal.Today("UY", time.Now()) {
		probs = append(probs, fmt.Sprintf("--date: %s is not over yet in Montevideo: a day is reported once it has ended", f.date))
	}
	if f.wait.wait && !f.send {
		probs = append(probs, "--wait: only with --send")
	}
	if len(probs) > 0 {
		return &model.InputError{Problems: probs}
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	if err := f.pickIssuer(ctx, st); err != nil {
		return err
	}
	var v dailyView
	if f.send {
		if v, err = f.sendNow(ctx, a); err != nil {
			return err
		}
	}
	if err := dayView(ctx, st, f.issuer, day, &v); err != nil {
		return err
	}
	if err := a.emit(v, func() { printDaily(a.out, v) }); err != nil {
		return err
	}
	if v.Failure != "" {
		return fmt.Errorf("the daily report of %s for %s: %s", f.issuer, f.date, v.Failure)
	}
	return nil
}

// pickIssuer takes the only Uruguayan issuer when none is named, and refuses another.
func (f *dailyFlags) pickIssuer(ctx context.Context, st *store.Store) error {
	uy, err := st.UruguayanIssuers(ctx)
	if err != nil {
		return err
	}
	switch {
	case f.issuer == "" && len(uy) == 1:
		f.issuer = uy[0]
	case f.issuer == "":
		return &model.InputError{Problems: []string{fmt.Sprintf("--issuer: give the Uruguayan issuer (issuers with country UY: %v)", uy)}}
	case !slices.Contains(uy, f.issuer):
		return &model.InputError{Problems: []string{fmt.Sprintf("--issuer: %s is not a Uruguayan issuer (issuers with country UY: %v)", f.issuer, uy)}}
	}
	return nil
}

// sendNow starts (or follows) the day's report workflow and, with --wait, waits for it. A
// report DGI rejected is shown with its reasons, and exits 1.
func (f *dailyFlags) sendNow(ctx context.Context, a *app) (dailyView, error) {
	v := dailyView{}
	wc, err := a.Workflows(ctx)
	if err != nil {
		return v, err
	}
	run, err := wc.StartDailyReport(ctx, f.issuer, f.date, true)
	if err != nil {
		return v, err
	}
	v.WorkflowID = run.GetID()
	if !f.wait.wait {
		return v, nil
	}
	what := fmt.Sprintf("DGI's answer to the daily report of %s for %s", f.issuer, f.date)
	var res activities.DailyReportResult
	err = f.wait.run(ctx, what, workflowURL(a, run.GetID()), func(ctx context.Context) error {
		return waitRun(ctx, a, wc, run, what, &res)
	})
	var timeout *waitTimeout
	if errors.As(err, &timeout) {
		return v, err
	}
	if err != nil {
		v.Failure = err.Error()
	}
	return v, nil
}

// dayView reads the day as the database states it now, and its sendings.
func dayView(ctx context.Context, st *store.Store, issuer string, day time.Time, v *dailyView) error {
	v.Day = day.Format(time.DateOnly)
	return st.InTx(ctx, func(tx *store.Tx) error {
		is, err := tx.ReportIssuer(issuer)
		if err != nil {
			return err
		}
		v.Issuer, v.RUT = is.Code, is.RUT
		rows, err := tx.DayCFE(issuer, day)
		if err != nil {
			return err
		}
		ui, th, err := tx.UILimit(day)
		if err != nil {
			return err
		}
		r, err := activities.DayReport(is, day, rows, ui, th)
		if err != nil {
			v.NotReady = err.Error()
		}
		v.CFE, v.Types = len(rows), r.Summaries()
		if v.Types == nil {
			v.Types = []cfe.TypeSummary{}
		}
		if v.Sendings, err = tx.DailyReports(issuer, day); err != nil {
			return err
		}
		if v.Sendings == nil {
			v.Sendings = []store.DailyReport{}
		}
		days, err := tx.ReportDays(issuer, day, day)
		if again := rules.RevisitDays(days); len(again) == 1 && len(v.Sendings) > 0 {
			v.Revisit = again[0].Why
		}
		return err
	})
}

func printDaily(w io.Writer, v dailyView) {
	fmt.Fprintf(w, "daily report of %s (RUT %s) for %s: %d CFE\n", v.Issuer, v.RUT, v.Day, v.CFE)
	for _, t := range v.Types {
		fmt.Fprintf(w, "  %d %-24s used %d, issued %d, annulled %d", t.Type, catalogs.CFETypeNames[fmt.Sprint(t.Type)]+":", t.Used, t.Issued, t.Annulled)
		if cfe.IsTicket(t.Type) {
			fmt.Fprintf(w, ", above the UI threshold %d", t.AboveThreshold)
		}
		fmt.Fprintf(w, "; numbers %s", ranges(t.UsedRanges))
		if len(t.AnnulledRange) > 0 {
			fmt.Fprintf(w, "; annulled %s", ranges(t.AnnulledRange))
		}
		fmt.Fprintln(w)
	}
	if len(v.Types) == 0 {
		fmt.Fprintln(w, "  no CFE: the report states zeros")
	}
	if v.NotReady != "" {
		fmt.Fprintf(w, "  not ready: %s\n", v.NotReady)
	}
	if len(v.Sendings) == 0 {
		fmt.Fprintln(w, "  not sent yet")
	}
	for _, s := range v.Sendings {
		fmt.Fprintf(w, "  sequence %d, %s: %d CFE, recorded %s", s.Sequence, stateWords[s.State], s.CFE, s.CreatedAt.UTC().Format(time.RFC3339))
		if s.AnsweredAt != nil {
			fmt.Fprintf(w, ", answered %s", s.AnsweredAt.UTC().Format(time.RFC3339))
		}
		if s.Reason != "" {
			fmt.Fprintf(w, "\n    %s", s.Reason)
		}
		fmt.Fprintln(w)
	}
	if v.WorkflowID != "" {
		fmt.Fprintf(w, "  workflow: %s\n", v.WorkflowID)
	}
	if v.Failure != "" {
		fmt.Fprintf(w, "  failed: %s\n", v.Failure)
	}
	if v.Revisit != "" {
		fmt.Fprintf(w, "  to report again: %s (by the issuer's daily-report Schedule at its next run, or --send now)\n", v.Revisit)
	}
}

var stateWords = map[string]string{"sending": "sent, DGI's answer awaited", "received": "received by DGI (AR)", "rejected": "rejected by DGI (BR)"}

func ranges(rs []cfe.NumberRange) string {
	var out []string
	for _, r := range rs {
		if r.From == r.To {
			out = append(out, fmt.Sprintf("%s %d", r.Series, r.From))
			continue
		}
		out = append(out, fmt.Sprintf("%s %d-%d", r.Series, r.From, r.To))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
