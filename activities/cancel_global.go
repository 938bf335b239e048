package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/store"
)

// Nominative is a sale of a global invoice that a customer asks a nominative invoice for
// (cancellation motive 04): its number ("T-12") and the customer's code.
type Nominative struct {
	Ticket   string `json:"ticket"`
	Customer string `json:"customer"`
}

// ReissuedDocuments are what a global invoice cancelled with motive 04 left to publish:
// the global invoice replacing it (0: none) and the sales invoiced nominatively.
type ReissuedDocuments struct {
	Replacement int64   `json:"replacement,omitempty"`
	Nominatives []int64 `json:"nominatives,omitempty"`
}

// nominativeContent is what a request's nominatives add to its key's content.
func nominativeContent(ns []Nominative) string {
	if len(ns) == 0 {
		return ""
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = n.Ticket + "=" + n.Customer
	}
	return " nominative " + strings.Join(parts, ",")
}

// checkGlobalCancel refuses to cancel alone a sale a live global invoice declares, and
// checks what a global invoice's cancellation needs: no credit note
// relates to a sale it carries (SAT cancels a CFDI once the documents related to it are),
// and with motive 04 the sales it names, each carried by it, once, to a customer with an
// RFC, recorded with the request. Other documents name no sales.
func checkGlobalCancel(tx CancellingTx, h store.CancelHead, req CancelRequest, refuse func(string, ...any) error) error {
	if h.FiscalStatus == "global" { // no CFDI of its own: cancelled here alone, unless declared
		g, err := tx.CarryingGlobal(h.ID)
		if err != nil {
			return err
		}
		if g != "" {
			return refuse("it is a sale with no CFDI of its own, declared in the global invoice %s: cancel %s (motive 04 with --nominative to invoice it to a customer, 02 to declare the period again), or credit it (invoice return/rebate, related to %s)", g, g, g)
		}
	}
	if h.DocumentKind != "global_invoice" {
		if len(req.Nominatives) > 0 {
			return refuse("only a global invoice cancelled with motive 04 names sales invoiced nominatively")
		}
		return nil
	}
	credits, err := tx.GlobalCreditNotes(h.ID)
	if err != nil {
		return err
	}
	if len(credits) > 0 {
		return refuse("credit notes %s relate to it (they correct sales it carries): SAT cancels a CFDI only once the documents related to it are", strings.Join(credits, ", "))
	}
	if req.Motive != "04" {
		if len(req.Nominatives) > 0 {
			return refuse("only motive 04 names sales invoiced nominatively (--nominative)")
		}
		return nil
	}
	if len(req.Nominatives) == 0 {
		return refuse("motive 04 takes sales out of the global invoice: name each and its customer (--nominative T-12=CUSTOMER,...)")
	}
	ns, err := nominatives(tx, h.ID, req.Nominatives, refuse)
	if err != nil {
		return err
	}
	return tx.RecordNominatives(h.ID, ns)
}

// nominatives resolves the sales a motive 04 names, refusing one unknown, not carried by
// the global invoice, named twice or with credit notes, and a customer unknown or without
// what a nominative CFDI needs.
func nominatives(tx CancellingTx, globalID int64, named []Nominative, refuse func(string, ...any) error) ([]store.Nominative, error) {
	var out []store.Nominative
	seen := map[int64]bool{}
	for _, n := range named {
		id, carried, found, err := tx.SaleByNumber(globalID, n.Ticket)
		switch {
		case err != nil:
			return nil, err
		case !found:
			return nil, refuse("--nominative %s: no ticket or invoice is numbered %s", n.Ticket, n.Ticket)
		case !carried:
			return nil, refuse("--nominative %s: it is not a sale this global invoice carries", n.Ticket)
		case seen[id]:
			return nil, refuse("--nominative %s: named twice", n.Ticket)
		}
		seen[id] = true
		c, found, err := tx.Receiver(n.Customer)
		if err != nil {
			return nil, err
		}
		var missing []string
		for _, f := range []struct{ name, v string }{{"tax id (RFC)", c.TaxID}, {"fiscal regime", c.Regime}, {"postal code", c.PostalCode}, {"CFDI use", c.Use}} {
			if f.v == "" {
				missing = append(missing, f.name)
			}
		}
		switch {
		case !found:
			return nil, refuse("--nominative %s=%s: no customer %s", n.Ticket, n.Customer, n.Customer)
		case c.Generic || c.TaxIDKind != "tax_registration":
			return nil, refuse("--nominative %s=%s: customer %s has no tax registration (tax id kind %s): a nominative invoice goes to a customer with an RFC", n.Ticket, n.Customer, n.Customer, c.TaxIDKind)
		case len(missing) > 0:
			return nil, refuse("--nominative %s=%s: customer %s has no %s", n.Ticket, n.Customer, n.Customer, strings.Join(missing, ", no "))
		}
		out = append(out, store.Nominative{TicketID: id, Ticket: n.Ticket, Customer: c.Code})
	}
	return out, nil
}

// reissueGlobal completes a global invoice's cancellation with motive 04, in the caller's
// transaction: the sales it carried are taken out of it; those named become invoices of
// their own to their customers; the others go in a new global invoice of the same period,
// numbered now and related to the cancelled one (TipoRelacion 04, substitution).
func reissueGlobal(tx CancellingTx, id int64, now time.Time) (string, error) {
	ns, err := tx.GlobalNominatives(id)
	if err != nil {
		return "", err
	}
	carried, err := tx.CarriedTickets(id)
	if err != nil {
		return "", err
	}
	named := map[int64]string{}
	for _, n := range ns {
		named[n.TicketID] = n.Customer
	}
	var rest []store.GlobalTicket
	for _, t := range carried {
		if _, ok := named[t.ID]; !ok {
			rest = append(rest, t)
		}
	}
	if _, err := tx.ReleaseGlobalTickets(id); err != nil {
		return "", err
	}
	var said []string
	for _, n := range ns {
		if _, err := tx.MakeNominative(n.TicketID, n.Customer); err != nil {
			return "", err
		}
		if err := tx.Audit("", n.TicketID, StepCancel, 0, "ok", fmt.Sprintf("taken out of global invoice %d (motive 04): invoiced nominatively to %s", id, n.Customer)); err != nil {
			return "", err
		}
		said = append(said, n.Ticket+" to "+n.Customer)
	}
	detail := fmt.Sprintf("motive 04: %s invoiced nominatively", strings.Join(said, ", "))
	if len(rest) == 0 {
		return detail + "; no sale left for a replacing global invoice", nil
	}
	h, s, err := tx.GlobalHeadOf(id)
	if err != nil {
		return "", err
	}
	if h.FormaPago, err = globalTicketsFit(rest, s); err != nil {
		return "", err
	}
	h.Date, _ = time.Parse(time.DateOnly, fiscal.Today("MX", now))
	h.Replaces = id
	_, n, err := recordGlobal(tx, h, rest)
	if err != nil {
		return "", err
	}
	return detail + fmt.Sprintf("; %d sales in the replacing global invoice %s-%d", len(rest), h.Series, n), nil
}

// Reissued answers what a global invoice cancelled with motive 04 left to publish: its
// replacement and the sales invoiced nominatively (none for any other cancellation).
func (a *Cancelling) Reissued(ctx context.Context, in Document) (ReissuedDocuments, error) {
	var out ReissuedDocuments
	err := a.Store.InTx(ctx, func(tx CancellingTx) (err error) {
		out.Replacement, out.Nominatives, err = tx.Reissued(in.InvoiceID)
		return err
	})
	return out, temporalError(StepCancel, err)
}
