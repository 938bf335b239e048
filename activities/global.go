package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// StepGlobal is the step that records a global invoice.
const StepGlobal = "global invoice"

// GlobalInvoiceRequest asks for the global invoice of a series for a period.
type GlobalInvoiceRequest struct {
	Series       string `json:"series"`
	From         string `json:"from"` // YYYY-MM-DD
	To           string `json:"to"`
	Periodicidad string `json:"periodicidad"`
	Meses        string `json:"meses"`
	Año          int    `json:"año"`
}

// GlobalInvoiceResult is the global invoice recorded and numbered; NotNeeded says why
// none was made (no tickets in the period). Warning says it is late (SAT wants it within
// 24 hours after the period closes); Made are the period's live global invoices.
type GlobalInvoiceResult struct {
	ID        int64    `json:"id,omitempty"`
	Series    string   `json:"series,omitempty"`
	Number    int64    `json:"number,omitempty"`
	Tickets   int      `json:"tickets,omitempty"`
	NotNeeded string   `json:"not_needed,omitempty"`
	Again     bool     `json:"again,omitempty"` // made before: nothing was left to declare
	Warning   string   `json:"warning,omitempty"`
	Made      []string `json:"made,omitempty"`
	// Unpublished are the period's global invoices made before but never published (a run
	// stopped midway), other than ID: taken on too.
	Unpublished []int64 `json:"unpublished,omitempty"`
}

// IssueGlobalInvoice records a global invoice of a series for a period — the period's
// sales with no CFDI of their own that no live global invoice carries, to the general
// public — and numbers it, dated today in Mexico, in one transaction under the series' and
// the tickets' row locks. A period not ended, or whose InformacionGlobal SAT would refuse,
// is refused. Asked again with tickets left (completed since), it makes a further global
// invoice of them alone; with none left it answers the one made (the earliest not yet
// published, else the latest), and with none made, that none is needed.
func (a *Receipts) IssueGlobalInvoice(ctx context.Context, in GlobalInvoiceRequest) (GlobalInvoiceResult, error) {
	var res GlobalInvoiceResult
	err := a.Store.InTx(ctx, func(tx ReceiptsTx) (err error) {
		res, err = issueGlobal(tx, in, a.now())
		return err
	})
	return res, temporalError(StepGlobal, err)
}

// CheckGlobalInvoice tells whether a global invoice may be asked for, writing nothing.
func CheckGlobalInvoice(ctx context.Context, st *store.Store, in GlobalInvoiceRequest, now time.Time) (res GlobalInvoiceResult, err error) {
	err = asInput(st.InTxRolledBack(ctx, func(tx *store.Tx) (err error) {
		res, err = issueGlobal(tx, in, now)
		return err
	}))
	return res, err
}

func issueGlobal(tx ReceiptsTx, in GlobalInvoiceRequest, now time.Time) (GlobalInvoiceResult, error) {
	res := GlobalInvoiceResult{Series: in.Series}
	from, err1 := time.Parse(time.DateOnly, in.From)
	to, err2 := time.Parse(time.DateOnly, in.To)
	if err := errors.Join(err1, err2); err != nil {
		return res, businessf(StepGlobal, "period %s..%s: %v", in.From, in.To, err)
	}
	s, found, err := tx.LockGlobalSeries(in.Series)
	if err != nil {
		return res, err
	}
	if !found || s.Kind != "global_invoice" || s.Country != "MX" {
		return res, businessf(StepGlobal, "series %s is not a Mexican series of document kind global_invoice", in.Series)
	}
	date, _ := time.Parse(time.DateOnly, fiscal.Today("MX", now))
	if err := rules.GlobalPeriodEnded(rules.GlobalPeriod{From: from, To: to}, date); err != nil {
		return res, businessf(StepGlobal, "%s", err.Error())
	}
	if probs := rules.GlobalInfoProblems(in.Periodicidad, in.Meses, in.Año, date, s.Regime); len(probs) > 0 {
		return res, businessf(StepGlobal, "series %s (issuer %s): %s", in.Series, s.Issuer, strings.Join(probs, "; "))
	}
	made, err := tx.LiveGlobalInvoices(in.Series, from, to)
	if err != nil {
		return res, err
	}
	for _, m := range made {
		res.Made = append(res.Made, fmt.Sprintf("%s-%d", in.Series, m.Number))
		if !m.Published {
			res.Unpublished = append(res.Unpublished, m.ID)
		}
	}
	tickets, err := tx.LockGlobalTickets(in.Series, from, to)
	if err != nil {
		return res, err
	}
	if len(tickets) == 0 {
		if len(made) == 0 {
			res.NotNeeded = fmt.Sprintf("no tickets of series going in %s are dated %s..%s outside a global invoice", in.Series, in.From, in.To)
			return res, nil
		}
		answer := made[len(made)-1]
		for _, m := range made {
			if !m.Published {
				answer = m
				break
			}
		}
		res.ID, res.Number, res.Again = answer.ID, answer.Number, true
		res.Unpublished = slices.DeleteFunc(res.Unpublished, func(id int64) bool { return id == answer.ID })
		return res, nil
	}
	form, err := globalTicketsFit(tickets, s)
	if err != nil {
		return res, err
	}
	h := store.GlobalInvoiceHead{Series: in.Series, Date: date, From: from, To: to, Periodicidad: in.Periodicidad, Meses: in.Meses, Año: in.Año, FormaPago: form}
	if res.ID, res.Number, err = recordGlobal(tx, h, tickets); err != nil {
		return res, err
	}
	res.Tickets = len(tickets)
	res.Made = append(res.Made, fmt.Sprintf("%s-%d", in.Series, res.Number))
	if res.Warning = rules.GlobalLateWarning(to, now, fiscal.Zone("MX")); res.Warning != "" {
		return res, tx.Audit("", res.ID, StepGlobal, 1, "warning", res.Warning)
	}
	return res, nil
}

// globalTicketsFit refuses tickets a global invoice of the series cannot carry (another
// issuer's, another currency than MXN) and answers its FormaPago: the form of payment of
// the largest amount received.
func globalTicketsFit(tickets []store.GlobalTicket, s store.GlobalSeries) (string, error) {
	pays := make([]rules.TicketPayment, len(tickets))
	for i, t := range tickets {
		if t.Issuer != s.Issuer {
			return "", businessf(StepGlobal, "ticket %s is issuer %s's, but its series names global invoice series %s, issuer %s's: a global invoice carries its own issuer's sales; correct the series' global_invoice_series",
				t.Number, t.Issuer, s.Code, s.Issuer)
		}
		if t.Currency != "MXN" {
			return "", businessf(StepGlobal, "ticket %s is in %s: a global invoice is issued in MXN; bill it apart", t.Number, t.Currency)
		}
		pays[i] = rules.TicketPayment{Number: t.Number, Form: t.Form, Total: t.Total}
	}
	form, err := rules.GlobalFormaPago(pays)
	if err != nil {
		return "", businessf(StepGlobal, "series %s: %s", s.Code, err.Error())
	}
	return form, nil
}

// recordGlobal records a global invoice of the tickets to the generic customer, numbers
// it and audits it on itself and each ticket.
func recordGlobal(tx globalRecorder, h store.GlobalInvoiceHead, tickets []store.GlobalTicket) (int64, int64, error) {
	customer, found, err := tx.GenericCustomer()
	if err != nil {
		return 0, 0, err
	}
	if !found {
		return 0, 0, businessf(StepGlobal, "no customer is marked generic (the general public): import one (\"generic\": true) and issue the global invoice again")
	}
	h.Customer = customer
	ids := make([]int64, len(tickets))
	for i, t := range tickets {
		ids[i] = t.ID
	}
	id, err := tx.InsertGlobalInvoice(h, ids)
	if err != nil {
		return 0, 0, err
	}
	n, err := takeNumber(tx, id, h.Series, h.Date)
	if errors.Is(err, rules.ErrClosedPeriod) {
		return 0, 0, businessf(StepGlobal, "%s", err.Error())
	}
	if err == nil {
		err = tx.Number(store.InvoiceHead{ID: id, Series: h.Series, InvoiceDate: h.Date}, n)
	}
	if err != nil {
		return 0, 0, err
	}
	detail := fmt.Sprintf("%s-%d: %d tickets of %s..%s (periodicidad %s, forma de pago %s)", h.Series, n, len(ids),
		h.From.Format(time.DateOnly), h.To.Format(time.DateOnly), h.Periodicidad, h.FormaPago)
	if h.Replaces != 0 {
		detail += fmt.Sprintf(", replacing global invoice %d (motive 04)", h.Replaces)
	}
	for _, t := range append([]int64{id}, ids...) {
		if err := tx.Audit("", t, StepGlobal, 1, "ok", detail); err != nil {
			return 0, 0, err
		}
	}
	return id, n, nil
}
