package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/model"
	"billrun/internal/store"
)

// StepCancel is the cancellation of a completed invoice, in its audit trail.
const StepCancel = "cancellation"

// CancelRequest asks for an invoice's cancellation with SAT's motive: 01 issued with
// errors and replaced (Replacement: the replacing invoice's UUID), 02 issued with errors
// and not replaced, 03 the operation did not happen, 04 a nominative operation in a
// global invoice.
type CancelRequest struct {
	InvoiceID   int64  `json:"invoice_id"`
	Motive      string `json:"motive"`
	Replacement string `json:"replacement,omitempty"`
	// Key is the request's idempotency key: the same key again answers this request.
	Key string `json:"key,omitempty"`
	// Payments, for a payment receipt, are the payments (payment cancel) reversed with it;
	// the others it states stand and are stated again. None: all of them (invoice cancel).
	Payments []int64 `json:"payments,omitempty"`
	// Nominatives, with motive 04 on a global invoice: the sales taken out of it, each
	// invoiced nominatively to its customer.
	Nominatives []Nominative `json:"nominatives,omitempty"`
}

// Content is what a cancellation request's key stands for.
func (r CancelRequest) Content() string {
	c := fmt.Sprintf("cancel invoice %d motive %s replaced by %q", r.InvoiceID, r.Motive, r.Replacement) + nominativeContent(r.Nominatives)
	if len(r.Payments) > 0 {
		c += fmt.Sprintf(" with payments %v", r.Payments)
	}
	return c
}

// Where a cancellation stands, as CancelDocument and CancellationStatus answer it.
const (
	CancelDone     = fiscal.Cancelled      // the authority cancelled the document
	CancelPending  = fiscal.CancelPending  // waiting for the receiver's acceptance
	CancelRejected = fiscal.CancelRejected // the receiver rejected it: the document stands
)

// Motives are SAT's cancellation motives.
var Motives = map[string]string{
	"01": "issued with errors, with a relation (replaced)",
	"02": "issued with errors, without a relation",
	"03": "the operation did not take place",
	"04": "nominative operation included in a global invoice",
}

// RequestCancellation checks that the invoice may be cancelled (seed 004: not once
// payments are applied to it; SAT: not while credit notes relate to it; motive 01 names
// the stamped invoice that replaces it, for the same customer) and records the request.
// Asking again while a request stands answers it; a rejected one may be asked again.
func (a *Cancelling) RequestCancellation(ctx context.Context, req CancelRequest) error {
	err := a.Store.InTx(ctx, func(tx CancellingTx) error { return requestCancellation(tx, req) })
	return temporalError(StepCancel, err)
}

// CheckCancellation tells whether the invoice may be cancelled, writing nothing.
func CheckCancellation(ctx context.Context, st *store.Store, req CancelRequest) error {
	return asInput(st.InTxRolledBack(ctx, func(tx *store.Tx) error { return requestCancellation(tx, req) }))
}

func requestCancellation(tx CancellingTx, req CancelRequest) error {
	refuse := func(format string, args ...any) error {
		return businessf(StepCancel, "invoice %d: %s", req.InvoiceID, fmt.Sprintf(format, args...))
	}
	if _, ok := Motives[req.Motive]; !ok {
		return refuse("motive %q is not one of SAT's: 01 (replaced), 02 (errors, not replaced), 03 (did not take place), 04 (in a global invoice)", req.Motive)
	}
	if (req.Motive == "01") != (req.Replacement != "") {
		if req.Motive == "01" {
			return refuse("motive 01 needs the invoice that replaces it (--replaced-by)")
		}
		return refuse("only motive 01 names a replacing invoice")
	}
	h, err := tx.LockForCancel(req.InvoiceID)
	if errors.Is(err, model.ErrNotFound) {
		return refuse("no such invoice")
	}
	if err != nil {
		return err
	}
	if h.Status == "cancelled" {
		return refuse("it is cancelled already")
	}
	// What the country's authority allows is the profile's to say (no certifier is reached).
	p, err := unconfigured.For(h.Country)
	if err == nil {
		err = p.Cancellable()
	}
	if err != nil {
		return refuse("%s", err.Error())
	}
	if c := h.Cancel; c != nil && c.Status != "rejected" {
		if c.Motive != req.Motive || !strings.EqualFold(c.Replacement, req.Replacement) {
			return refuse("its cancellation was asked already (motive %s), and is %s", c.Motive, c.Status)
		}
		return markPayments(tx, h, req) // the same request again: it stands
	}
	switch {
	case h.Status != "completed":
		return refuse("it is %s: only completed invoices are cancelled", h.Status)
	case req.Motive == "04" && h.DocumentKind != "global_invoice":
		return refuse("motive 04 cancels a global invoice one of whose sales is invoiced nominatively; this is a %s", h.DocumentKind)
	case h.FiscalStatus == "sealed" && h.UUID == "" && h.FiscalError == "":
		// A PAC may be stamping it right now: cancelling here could leave a stamped CFDI
		// at SAT that billrun calls cancelled.
		return refuse("its stamping is under way: cancel it once it is stamped (or once the PAC has refused it)")
	case len(h.PaidOn) > 0:
		return refuse("payments are applied to its receivable (%s): cancellation is refused once an invoice is paid", strings.Join(h.PaidOn, "; "))
	case len(h.CreditNotes) > 0:
		return refuse("credit notes %s relate to it: SAT cancels an invoice only once the documents related to it are", strings.Join(h.CreditNotes, ", "))
	}
	if err := creditNoteCancellable(tx, h, refuse); err != nil {
		return err
	}
	if err := checkGlobalCancel(tx, h, req, refuse); err != nil {
		return err
	}
	if err := receiptChainHolds(tx, h, req.Payments, refuse); err != nil {
		return err
	}
	if err := replacementFits(tx, h, req, refuse); err != nil {
		return err
	}
	if err := tx.RequestCancellation(h.ID, req.Motive, req.Replacement, req.Key, req.Content()); err != nil {
		return err
	}
	if err := markPayments(tx, h, req); err != nil {
		return err
	}
	return tx.Audit("", h.ID, StepCancel, 0, "requested", "motive "+req.Motive+" "+Motives[req.Motive])
}

// replacementFits checks motive 01's replacing invoice: stamped, completed, another, of the
// same customer.
func replacementFits(tx CancellingTx, h store.CancelHead, req CancelRequest, refuse func(string, ...any) error) error {
	if req.Motive != "01" {
		return nil
	}
	id, customer, found, err := tx.Replacement(req.Replacement)
	switch {
	case err != nil:
		return err
	case !found:
		return refuse("no completed, stamped invoice has the replacing UUID %s", req.Replacement)
	case id == h.ID:
		return refuse("an invoice cannot replace itself")
	case customer != h.Customer:
		return refuse("the replacing invoice %d is customer %s's, not %s's", id, customer, h.Customer)
	}
	return nil
}

// CancelDocument asks the authority to cancel the invoice's fiscal document and records
// the answer: cancelled, pending (the receiver must accept), or rejected. A document that
// was never stamped has no fiscal value and is cancelled here alone.
func (a *Cancelling) CancelDocument(ctx context.Context, in Document) (CancelAnswer, error) {
	status, err := a.cancelCall(ctx, in.InvoiceID, func(p fiscal.Profile, doc fiscal.Document, h store.CancelHead) (fiscal.Cancellation, error) {
		return p.Cancel(ctx, doc, h.IssuerTaxID, h.Cancel.Motive, h.Cancel.Replacement)
	})
	return CancelAnswer{Status: status}, err
}

// CancellationStatus asks where a cancellation awaiting the receiver stands, and records it.
func (a *Cancelling) CancellationStatus(ctx context.Context, in Document) (CancelAnswer, error) {
	status, err := a.cancelCall(ctx, in.InvoiceID, func(p fiscal.Profile, doc fiscal.Document, h store.CancelHead) (fiscal.Cancellation, error) {
		return p.CancelStatus(ctx, doc, h.IssuerTaxID)
	})
	return CancelAnswer{Status: status}, err
}

func (a *Cancelling) cancelCall(ctx context.Context, invoiceID int64,
	call func(fiscal.Profile, fiscal.Document, store.CancelHead) (fiscal.Cancellation, error)) (string, error) {
	var h store.CancelHead
	var doc fiscal.Document
	done := false
	err := a.Store.InTx(ctx, func(tx CancellingTx) error {
		var err error
		if h, err = tx.LockForCancel(invoiceID); err != nil {
			return err
		}
		switch {
		case h.Cancel == nil:
			return invariantf("invoice %d has no cancellation request", invoiceID)
		case h.Cancel.Status == fiscal.Cancelled || h.Status == "cancelled":
			done = true
		case h.UUID == "":
			// Decided under the lock sealing and stamping take: neither touches a document
			// whose cancellation was asked (invoices.cancelling, on this row), and a request
			// is refused while a stamping may be under way — so no CFDI reaches SAT now.
			done = true
			const why = "not stamped: nothing to cancel at SAT"
			if err := tx.SetCancellation(invoiceID, fiscal.Cancelled, why); err != nil {
				return err
			}
			return tx.Audit("", invoiceID, StepCancel, 0, fiscal.Cancelled, why)
		default:
			doc, err = tx.SealedDocument(invoiceID)
		}
		return err
	})
	if err != nil {
		return "", temporalError(StepCancel, err)
	}
	if done {
		return fiscal.Cancelled, nil
	}
	p, err := profileFor(a.Fiscal, h.Country)
	if err != nil {
		return "", temporalError(StepCancel, businessf(StepCancel, "%s", err.Error()))
	}
	// No lock is held while the authority answers; asking again answers the same.
	answer, err := call(p, doc, h)
	if err != nil {
		if errors.Is(err, fiscal.ErrFiscal) {
			// The refusal is recorded before it is reported; a record that fails is retried.
			if rerr := a.Store.InTx(ctx, func(tx CancellingTx) error { return rejected(tx, invoiceID, err.Error()) }); rerr != nil {
				return "", rerr
			}
			return "", temporalError(StepCancel, businessf(StepCancel, "%s", err.Error()))
		}
		return "", err
	}
	err = a.Store.InTx(ctx, func(tx CancellingTx) error {
		if answer.Status == CancelRejected {
			if err := rejected(tx, invoiceID, answer.AuthorityStatus); err != nil {
				return err
			}
		} else if err := tx.SetCancellation(invoiceID, answer.Status, answer.AuthorityStatus); err != nil {
			return err
		}
		return tx.Audit("", invoiceID, StepCancel, 0, answer.Status, answer.AuthorityStatus)
	})
	return answer.Status, temporalError(StepCancel, err)
}

// cancelNonSale completes the cancellation of a document that sold nothing: a global
// invoice's tickets go in the period's next one; a receipt's payments are owed again.
func cancelNonSale(tx CancellingTx, id int64, kind, motive string) error {
	var detail string
	if kind == "global_invoice" && motive == "04" {
		var err error
		if detail, err = reissueGlobal(tx, id, time.Now()); err != nil {
			return err
		}
	} else if kind == "global_invoice" {
		n, err := tx.ReleaseGlobalTickets(id)
		if err != nil {
			return err
		}
		detail = fmt.Sprintf("%d tickets released: the period's next global invoice carries them", n)
	} else {
		n, standing, err := tx.ReversePayments(id)
		if err != nil {
			return err
		}
		detail = fmt.Sprintf("%d payments reversed: owed again", n)
		if standing > 0 {
			detail += fmt.Sprintf("; %d payments it stated stand, to be stated again in a new receipt", standing)
		}
	}
	if err := tx.MarkCancelled(id); err != nil {
		return err
	}
	return tx.Audit("", id, StepCancel, 0, "ok", detail)
}

// creditNoteCancellable refuses to cancel a credit note whose credit was settled against
// other invoices in a batch: their books would lose the credit they took.
func creditNoteCancellable(tx CancellingTx, h store.CancelHead, refuse func(string, ...any) error) error {
	if h.CreditOf == nil && h.DocumentKind != "credit_note" {
		return nil
	}
	settled, err := tx.CreditSettlements(h.ID)
	if err == nil && len(settled) > 0 {
		return refuse("it is a credit note whose credit settled invoices %s in a batch: it is not cancelled", strings.Join(settled, ", "))
	}
	return err
}

// cancelCreditNote completes a credit note's cancellation (seed 004): the goods its return
// brought in go out again, the credit it gave is owed again on the invoice it corrected,
// and its journal entry is reversed.
func cancelCreditNote(tx CancellingTx, id int64) error {
	moves, err := tx.Returned(id)
	if err != nil {
		return err
	}
	for _, m := range moves {
		m.Direction, m.Reason = "out", "cancel"
		if _, err := tx.Move(m); err != nil {
			return err
		}
	}
	if err := tx.ReverseCreditApplication(id); err != nil {
		return err
	}
	cash, err := giveCashBack(tx, id) // a cash refund comes back into the box
	if err != nil {
		return err
	}
	if err := tx.ReverseEntries(id); err != nil {
		return err
	}
	if err := tx.MarkCancelled(id); err != nil {
		return err
	}
	return tx.Audit("", id, StepCancel, 0, "ok", fmt.Sprintf("%d stock movements out again, its credit owed again%s, journal entry reversed", len(moves), cash))
}

// CompleteCancellation undoes a cancelled invoice's effects in one transaction (seed
// 004): stock back into the warehouse it left (none for lines a delivery note moved), its
// receivable cancelled (a cash sale collected on the spot: its money out of the cash box
// and its collection's payment reversed first), its sources released to be billed again; the invoice keeps its number and shows cancelled. Running it again is a
// no-op.
func (a *Cancelling) CompleteCancellation(ctx context.Context, in Document) error {
	invoiceID := in.InvoiceID
	refused := ""
	err := a.Store.InTx(ctx, func(tx CancellingTx) error {
		h, err := tx.LockForCancel(invoiceID)
		if err != nil {
			return err
		}
		if h.Status == "cancelled" {
			return nil
		}
		if h.Cancel != nil && h.Cancel.Status == "refused" { // refused before: say so again
			return businessf(StepCancel, "%s", h.Cancel.Detail)
		}
		if h.Cancel == nil || h.Cancel.Status != fiscal.Cancelled {
			return invariantf("invoice %d's cancellation is not done at SAT", invoiceID)
		}
		if h.DocumentKind == "global_invoice" || h.DocumentKind == "payment_receipt" {
			return cancelNonSale(tx, invoiceID, h.DocumentKind, h.Cancel.Motive)
		}
		if h.CreditOf != nil || h.DocumentKind == "credit_note" { // a batch's of return orders corrects none (seed 001)
			return cancelCreditNote(tx, invoiceID)
		}
		if h.Paid.IsPositive() {
			// Payments are refused while a cancellation waits; one that got in anyway
			// keeps the receivable (and the money) where it is.
			why := fmt.Sprintf("SAT cancelled the CFDI, but payments were recorded on it (%s): its books are not undone, the receivable "+
				"and its payments stay; settle them with the customer", strings.Join(h.PaidOn, ", "))
			refused = why
			return nil
		}
		moves, err := tx.Discharged(invoiceID, h.Attempt)
		if err != nil {
			return err
		}
		for _, m := range moves {
			m.Direction, m.Reason = "in", "cancel"
			if _, err := tx.Move(m); err != nil {
				return err
			}
		}
		cash, err := giveCashBack(tx, invoiceID) // a cash sale's collection: out of the box, its payment reversed
		if err != nil {
			return err
		}
		if err := tx.CancelReceivable(invoiceID); err != nil {
			return err
		}
		if err := tx.ReleaseSources(invoiceID); err != nil {
			return err
		}
		if err := tx.ReverseEntries(invoiceID); err != nil { // the journal keeps both
			return err
		}
		if err := tx.MarkCancelled(invoiceID); err != nil {
			return err
		}
		return tx.Audit("", invoiceID, StepCancel, 0, "ok", fmt.Sprintf("%d stock movements back%s, receivable cancelled, sources released, journal entry reversed", len(moves), cash))
	})
	if err == nil && refused != "" {
		err = a.Store.InTx(ctx, func(tx CancellingTx) error {
			if err := tx.Audit("", invoiceID, StepCancel, 0, "refused", refused); err != nil {
				return err
			}
			return tx.RefuseCancellation(invoiceID, refused)
		})
		if err == nil {
			err = businessf(StepCancel, "%s", refused)
		}
	}
	return temporalError(StepCancel, err)
}
