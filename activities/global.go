package activities

import (
	"context"
	"errors"
	"fmt"
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
// none was made (no tickets in the period).
type GlobalInvoiceResult struct {
	ID        int64  `json:"id,omitempty"`
	Series    string `json:"series,omitempty"`
	Number    int64  `json:"number,omitempty"`
	Tickets   int    `json:"tickets,omitempty"`
	NotNeeded string `json:"not_needed,omitempty"`
}

// IssueGlobalInvoice records the global invoice of a series for a period — the period's
// tickets with no CFDI of their own, to the general public — and numbers it, dated today
// in Mexico, in one transaction under the series' and the tickets' row locks. Issuing it
// again answers the invoice made. A period with no tickets makes none.
func (a *Receipts) IssueGlobalInvoice(ctx context.Context, in GlobalInvoiceRequest) (GlobalInvoiceResult, error) {
	res := GlobalInvoiceResult{Series: in.Series}
	from, err1 := time.Parse(time.DateOnly, in.From)
	to, err2 := time.Parse(time.DateOnly, in.To)
	if err := errors.Join(err1, err2); err != nil {
		return res, businessf(StepGlobal, "period %s..%s: %v", in.From, in.To, err)
	}
	err := a.Store.InTx(ctx, func(tx ReceiptsTx) error {
		s, found, err := tx.LockGlobalSeries(in.Series)
		if err != nil {
			return err
		}
		if !found || s.Kind != "global_invoice" || s.Country != "MX" {
			return businessf(StepGlobal, "series %s is not a Mexican series of document kind global_invoice", in.Series)
		}
		if id, made, err := tx.LiveGlobalInvoice(in.Series, from, to); err != nil || made {
			if err == nil {
				res.ID, err = id, a.describeGlobal(tx, id, &res)
			}
			return err
		}
		tickets, err := tx.LockGlobalTickets(in.Series, from, to)
		if err != nil {
			return err
		}
		if len(tickets) == 0 {
			res.NotNeeded = fmt.Sprintf("no tickets of series going in %s are dated %s..%s outside a global invoice", in.Series, in.From, in.To)
			return nil
		}
		ids := make([]int64, len(tickets))
		for i, t := range tickets {
			if t.Currency != "MXN" {
				return businessf(StepGlobal, "ticket %s is in %s: a global invoice is issued in MXN; bill it apart", t.Number, t.Currency)
			}
			ids[i] = t.ID
		}
		customer, found, err := tx.GenericCustomer()
		if err != nil {
			return err
		}
		if !found {
			return businessf(StepGlobal, "no customer is marked generic (the general public): import one (\"generic\": true) and issue the global invoice again")
		}
		date, _ := time.Parse(time.DateOnly, fiscal.Today("MX", a.now()))
		id, err := tx.InsertGlobalInvoice(store.GlobalInvoiceHead{Series: in.Series, Customer: customer, Date: date, From: from, To: to,
			Periodicidad: in.Periodicidad, Meses: in.Meses, Año: in.Año}, ids)
		if err != nil {
			return err
		}
		n, err := takeNumber(tx, id, in.Series, date)
		if errors.Is(err, rules.ErrClosedPeriod) {
			return businessf(StepGlobal, "%s", err.Error())
		}
		if err == nil {
			err = tx.Number(store.InvoiceHead{ID: id, Series: in.Series, InvoiceDate: date}, n)
		}
		if err != nil {
			return err
		}
		res.ID, res.Number, res.Tickets = id, n, len(ids)
		detail := fmt.Sprintf("%s-%d: %d tickets of %s..%s (periodicidad %s)", in.Series, n, len(ids), in.From, in.To, in.Periodicidad)
		if err := tx.Audit("", id, StepGlobal, 1, "ok", detail); err != nil {
			return err
		}
		for _, t := range ids {
			if err := tx.Audit("", t, StepGlobal, 1, "ok", detail); err != nil {
				return err
			}
		}
		return nil
	})
	return res, temporalError(StepGlobal, err)
}

// describeGlobal fills in the number of a global invoice made before.
func (a *Receipts) describeGlobal(tx ReceiptsTx, id int64, res *GlobalInvoiceResult) error {
	h, err := tx.LockInvoice(id)
	if err == nil && h.Number != nil {
		res.Number = *h.Number
	}
	return err
}
