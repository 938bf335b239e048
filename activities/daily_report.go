package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// StepDailyReport names the daily report's failures.
const StepDailyReport = "daily report"

// Daily report states, as stored.
const (
	ReportSending  = "sending"  // recorded, DGI's answer not kept yet
	ReportReceived = "received" // DGI received it (AR)
	ReportRejected = "rejected" // DGI rejected it (BR): resent with the next sequence
)

// DailyReportRequest asks for a Uruguayan issuer's report of a day.
type DailyReportRequest struct {
	Issuer string `json:"issuer"`
	Day    string `json:"day"` // YYYY-MM-DD
	// Resend sends a day DGI received already again, with the next sequence; without it, a
	// day received answers that sending.
	Resend bool `json:"resend,omitempty"`
}

// DailyReportResult is a sending of a day's report and where it stands.
type DailyReportResult struct {
	Issuer   string `json:"issuer"`
	Day      string `json:"day"`
	Sequence int    `json:"sequence"`
	CFE      int    `json:"cfe"`
	State    string `json:"state"`
	Reason   string `json:"reason,omitempty"`
}

// Reporting sends Uruguay's daily reports to DGI.
type Reporting struct {
	Store  ReportingStore
	Fiscal fiscal.Profiles

	clock func() time.Time // tests: when reports are signed (nil: now)
}

// PrepareDailyReport records the day's next sending: the report built from the day's CFE,
// signed with the issuer's certificate and held to DGI's schema, under the next sequence.
// A sending still waiting for DGI's answer is answered as it is (sent again, it is the same
// report); so is a day DGI received, unless asked to resend it. A day whose CFE still wait
// for DGI's answer is retried (transient); a CFE that will get none without an operator
// (its sealing or sending failed, not refused by DGI) is a business error naming it.
func (a *Reporting) PrepareDailyReport(ctx context.Context, in DailyReportRequest) (DailyReportResult, error) {
	day, err := time.Parse(time.DateOnly, in.Day)
	if err != nil {
		return DailyReportResult{}, temporalError(StepDailyReport, businessf(StepDailyReport, "day %q is not YYYY-MM-DD", in.Day))
	}
	res := DailyReportResult{Issuer: in.Issuer, Day: in.Day}
	err = a.Store.InTx(ctx, func(tx ReportingTx) error {
		is, err := tx.ReportIssuer(in.Issuer)
		if err != nil {
			return err
		}
		if is.Country != "UY" {
			return businessf(StepDailyReport, "issuer %s is not Uruguayan (country %s): only CFE issuers send DGI a daily report", is.Code, is.Country)
		}
		sent, err := tx.DailyReports(in.Issuer, day)
		if err != nil {
			return err
		}
		seq := 1
		if n := len(sent); n > 0 {
			last := sent[n-1]
			if last.State == ReportSending || last.State == ReportReceived && !in.Resend {
				res = resultOf(last)
				return nil
			}
			seq = last.Sequence + 1
		}
		rows, err := tx.DayCFE(in.Issuer, day)
		if err != nil {
			return err
		}
		ui, th, err := tx.UILimit(day)
		if err != nil {
			return err
		}
		r, err := DayReport(is, day, rows, ui, th)
		if err != nil {
			return err
		}
		r.Sequence, r.SignedAt = seq, a.now()
		cred, err := credentialsOf(is)
		if err != nil {
			return err
		}
		xml, err := cfe.SignedReport(ctx, r, cred)
		if err != nil {
			return err
		}
		rec := store.DailyReport{Issuer: in.Issuer, Day: day, Sequence: seq, XML: xml, CFE: len(rows), State: ReportSending}
		ok, err := tx.RecordDailyReport(rec)
		if err == nil && !ok {
			err = fmt.Errorf("the daily report of %s for %s was recorded meanwhile (another run): read again", in.Issuer, in.Day)
		}
		res = resultOf(rec)
		return err
	})
	return res, temporalError(StepDailyReport, businessOrFiscal(err))
}

// SendDailyReport hands a recorded sending to DGI and keeps DGI's answer: received (AR) or
// rejected (BR, with DGI's codes and text). A sending answered already answers that; DGI
// unreachable is transient (sent again, the same report).
func (a *Reporting) SendDailyReport(ctx context.Context, in DailyReportResult) (DailyReportResult, error) {
	day, err := time.Parse(time.DateOnly, in.Day)
	if err != nil {
		return in, temporalError(StepDailyReport, businessf(StepDailyReport, "day %q is not YYYY-MM-DD", in.Day))
	}
	var is store.ReportIssuer
	var rec store.DailyReport
	err = a.Store.InTx(ctx, func(tx ReportingTx) error {
		if is, err = tx.ReportIssuer(in.Issuer); err != nil {
			return err
		}
		sent, err := tx.DailyReports(in.Issuer, day)
		for _, s := range sent {
			if s.Sequence == in.Sequence {
				rec = s
			}
		}
		if err == nil && rec.Sequence == 0 {
			err = businessf(StepDailyReport, "the daily report of %s for %s has no sending %d", in.Issuer, in.Day, in.Sequence)
		}
		return err
	})
	if err != nil || rec.State != ReportSending {
		return resultOf(rec), temporalError(StepDailyReport, err)
	}
	cred, err := credentialsOf(is)
	if err != nil {
		return in, temporalError(StepDailyReport, businessOrFiscal(err))
	}
	p, ok := a.profile().(cfe.Profile)
	if !ok {
		return in, temporalError(StepDailyReport, businessf(StepDailyReport, "the Uruguayan fiscal profile is not DGI's CFE"))
	}
	sent, err := p.SendSignedReport(ctx, rec.XML, cred)
	if err != nil {
		return in, temporalError(StepDailyReport, businessOrFiscal(err))
	}
	rec.State, rec.Ack = ReportReceived, sent.Ack
	if sent.Receipt.State != cfe.ReportReceived {
		rec.State, rec.Reason = ReportRejected, fmt.Sprintf("DGI rejected it (%s): %s", sent.Receipt.State, fiscal.Clip(sent.Receipt.Reason()))
	}
	err = a.Store.InTx(ctx, func(tx ReportingTx) error {
		_, err := tx.AnswerDailyReport(rec.Issuer, day, rec.Sequence, rec.State, rec.Ack, rec.Reason)
		return err
	})
	return resultOf(rec), temporalError(StepDailyReport, err)
}

// DayReport is an issuer's day as its report states it: every CFE number used that day,
// issued or annulled (DGI rejected it), with its amounts in pesos by VAT rate, and the
// issued e-Tickets (and their notes) above the UI threshold of the day (ui, th: the latest
// UI value on or before it and the threshold in force; rules.TicketLimitOn) counted apart.
// A CFE DGI has not answered yet, while the publication is at it, is transient (the report
// waits); one with a fiscal error DGI did not give, or e-Tickets without a UI value to hold
// them to, wait for an operator: a business error.
func DayReport(is store.ReportIssuer, day time.Time, rows []store.DayCFE, ui *rules.UIValue, th *rules.TicketThreshold) (cfe.DailyReport, error) {
	r := cfe.DailyReport{RUT: is.RUT, Day: day}
	var awaiting, stuck []string
	var tickets []rules.Ticket // the issued e-Tickets' amounts, by index in r.CFE
	var ticketAt []int
	for _, c := range rows {
		name := fmt.Sprintf("%d %s %d (invoice %d)", c.Type, c.Series, c.Number, c.InvoiceID)
		x := cfe.ReportedCFE{Type: c.Type, Series: c.Series, Number: c.Number, Branch: c.Branch}
		switch cfe.DayState(c.AuthorityAck, c.FiscalStatus == "stamped" || c.FiscalStatus == "pdf", c.Type, c.Series, c.Number) {
		case cfe.DayAnnulled:
			x.Annulled = true
		case cfe.DayAwaiting:
			if c.FiscalError != "" {
				stuck = append(stuck, name+": "+c.FiscalError)
			} else {
				awaiting = append(awaiting, name)
			}
			continue
		default:
			x.Total = cfe.Pesos(c.Total, c.Rate)
			t := rules.Ticket{CFEType: c.Type, Total: c.Total, Rate: c.Rate}
			for _, a := range c.Rates {
				if err := x.AddRate(a.Rate, a.Net, a.VAT, c.Rate); err != nil {
					return r, businessf(StepDailyReport, "%s", err.Error())
				}
				t.VAT = t.VAT.Add(a.VAT)
			}
			if cfe.IsTicket(c.Type) {
				tickets, ticketAt = append(tickets, t), append(ticketAt, len(r.CFE))
			}
		}
		r.CFE = append(r.CFE, x)
	}
	date := day.Format(time.DateOnly)
	if len(stuck) > 0 {
		return r, businessf(StepDailyReport, "%d CFE of %s have no answer from DGI and wait for an operator (billrun invoice reseal or restamp), "+
			"then billrun report daily --date %s --send: %s", len(stuck), date, date, strings.Join(stuck, "; "))
	}
	if len(awaiting) > 0 {
		return r, fmt.Errorf("%d CFE of %s still wait for DGI's answer (the publication is at them): %s", len(awaiting), date, strings.Join(awaiting, ", "))
	}
	if len(tickets) > 0 {
		limit, err := rules.TicketLimitOn(day, ui, th)
		if err != nil {
			return r, businessf(StepDailyReport, "the day's %d e-Tickets are counted against the UI threshold: %s, then billrun report daily --date %s --send",
				len(tickets), err.Error(), date)
		}
		for i, t := range tickets {
			r.CFE[ticketAt[i]].AboveThreshold = limit.Above(t.NetPesos())
		}
	}
	return r, nil
}

// credentialsOf are the issuer's certificate and key, which sign its report and requests.
func credentialsOf(is store.ReportIssuer) (fiscal.Credentials, error) {
	password, err := csdPassword(is.PasswordEnv)
	return fiscal.Credentials{CertPath: is.CertPath, KeyPath: is.KeyPath, Password: password}, err
}

// businessOrFiscal makes a fiscal refusal (the report cannot be made or sent from this
// data) a business error; anything else stays as it is.
func businessOrFiscal(err error) error {
	if errors.Is(err, fiscal.ErrFiscal) || errors.Is(err, fiscal.ErrCredentials) || errors.Is(err, model.ErrNotFound) {
		return businessf(StepDailyReport, "%s", err.Error())
	}
	return err
}

func resultOf(r store.DailyReport) DailyReportResult {
	return DailyReportResult{Issuer: r.Issuer, Day: r.Day.Format(time.DateOnly), Sequence: r.Sequence, CFE: r.CFE, State: r.State, Reason: r.Reason}
}

func (a *Reporting) profile() fiscal.Profile {
	p, err := profileFor(a.Fiscal, "UY")
	if err != nil {
		return nil
	}
	return p
}

func (a *Reporting) now() time.Time {
	if a.clock != nil {
		return a.clock()
	}
	return time.Now()
}
