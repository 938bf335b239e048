package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// CreditNoteRequest asks for a credit note on a completed, stamped invoice: a return of
// goods or a rebate, on some of its lines. Seq is the request's number among the
// invoice's credit notes (its business key): running the request again answers the credit
// note it made.
type CreditNoteRequest struct {
	InvoiceID int64              `json:"invoice_id"`
	Seq       int                `json:"seq"`
	Kind      string             `json:"kind"` // return or rebate
	Date      string             `json:"date"` // YYYY-MM-DD
	Lines     []rules.CreditLine `json:"lines"`
}

// CreditNoteResult is the credit note a request made.
type CreditNoteResult struct {
	ID     int64           `json:"id"`
	Series string          `json:"series"`
	Number int64           `json:"number"`
	Total  decimal.Decimal `json:"total"`
}

// IssueCreditNote records a credit note and all its effects in one transaction: its lines
// priced by the rules invoices are priced by, returned goods back into the warehouse they
// left (one incoming movement per line), its total taken off the invoice's receivable (or
// owed back as a refund), and the next number of its series. Running it again answers the
// same credit note; a request the invoice cannot take is a business error and writes nothing.
func (a *Crediting) IssueCreditNote(ctx context.Context, req CreditNoteRequest) (CreditNoteResult, error) {
	var res CreditNoteResult
	err := a.Store.InTx(ctx, func(tx CreditingTx) error {
		var err error
		res, err = issueCreditNote(tx, req)
		return err
	})
	return res, temporalError(model.StepCredit, err)
}

// CheckCreditNote tells whether the invoice would take the request now, writing nothing:
// the CLI asks before it starts a credit note's workflow.
func CheckCreditNote(ctx context.Context, st *store.Store, req CreditNoteRequest) error {
	return asInput(st.InTxRolledBack(ctx, func(tx *store.Tx) error {
		_, err := issueCreditNote(tx, req)
		return err
	}))
}

// asInput turns a business error of a request checked ahead into the caller's bad input.
func asInput(err error) error {
	var be *model.BusinessError
	if errors.As(err, &be) {
		return &model.InputError{Problems: []string{be.Reason}}
	}
	return err
}

func issueCreditNote(tx CreditingTx, req CreditNoteRequest) (CreditNoteResult, error) {
	// Seq is the request's business key: run again, it answers the credit note it made.
	if id, found, err := tx.CreditNoteOf(req.InvoiceID, req.Seq); err != nil || found {
		if err != nil {
			return CreditNoteResult{}, err
		}
		return creditNoteResult(tx, id)
	}
	date, err := time.Parse(time.DateOnly, req.Date)
	if err != nil {
		return CreditNoteResult{}, refuseCredit(req, "date %q is not YYYY-MM-DD", req.Date)
	}
	if len(req.Lines) == 0 {
		return CreditNoteResult{}, refuseCredit(req, "a credit note needs at least one line")
	}
	h, err := lockCreditable(tx, req)
	if err != nil {
		return CreditNoteResult{}, err
	}
	n, err := priceCreditNote(h, req, date)
	if err != nil {
		return CreditNoteResult{}, err
	}
	return recordCreditNote(tx, h, req, n)
}

// refuseCredit is the business error of a request the invoice cannot take: the
// transaction rolls back with it, so a refused request leaves nothing written.
func refuseCredit(req CreditNoteRequest, format string, args ...any) error {
	return businessf(model.StepCredit, "invoice %d: %s", req.InvoiceID, fmt.Sprintf(format, args...))
}

// lockCreditable locks the invoice a request credits, under its row lock so two credit
// notes of one invoice serialise, and refuses an invoice that cannot take a credit note.
func lockCreditable(tx CreditingTx, req CreditNoteRequest) (store.CreditedInvoice, error) {
	h, err := tx.LockCredited(req.InvoiceID)
	if errors.Is(err, model.ErrNotFound) {
		return h, refuseCredit(req, "no such invoice")
	}
	if err != nil {
		return h, err
	}
	switch {
	case h.CreditOf != nil || h.DocumentKind == "credit_note":
		return h, refuseCredit(req, "it is a credit note: credit notes correct invoices")
	case h.Status != "completed":
		return h, refuseCredit(req, "it is %s: only completed invoices take credit notes", h.Status)
	case h.FiscalStatus == "global" && h.InGlobal == "":
		return h, refuseCredit(req, "it has no CFDI of its own and no global invoice declares it yet: a credit note relates to a CFDI; issue its period's global invoice first (batch create --global), or cancel it (nothing to cancel at SAT)")
	case h.FiscalStatus == "global" && h.UUID == "":
		return h, refuseCredit(req, "the global invoice %s declaring it is not stamped yet: a credit note relates to its folio fiscal", h.InGlobal)
	case h.FiscalStatus != "stamped" && h.FiscalStatus != "pdf" && h.FiscalStatus != "global":
		return h, refuseCredit(req, "it is not stamped yet (fiscal status %s): a credit note relates to the stamped document (its folio fiscal, or its CFE received by DGI)", h.FiscalStatus)
	case h.CreditSeries == "":
		return h, refuseCredit(req, "series %s has no credit note series (set credit_note_series on series %s)", h.Series, h.Series)
	}
	// A cancellation under way may still undo the invoice the credit note would correct.
	cs, err := tx.CancellationStatus(h.ID)
	if err != nil {
		return h, err
	}
	if cs == "requested" || cs == "pending" {
		return h, refuseCredit(req, "its cancellation is %s: no credit note while it may be cancelled", cs)
	}
	return h, nil
}

// priceCreditNote prices the requested lines of the invoice, writing nothing; it names
// every line the invoice cannot take in one refusal, so the user mends them all at once.
func priceCreditNote(h store.CreditedInvoice, req CreditNoteRequest, date time.Time) (store.NewCreditNote, error) {
	byNo := map[int]store.CreditedLine{}
	for _, l := range h.Lines {
		byNo[l.LineNo] = l
	}
	n := store.NewCreditNote{Kind: req.Kind, Seq: req.Seq, Date: date}
	seen := map[int]bool{}
	var problems []string
	var amounts []rules.LineAmounts
	for _, c := range req.Lines {
		l, ok := byNo[c.LineNo]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("line %d: the invoice has no such line", c.LineNo))
			continue
		case seen[c.LineNo]:
			problems = append(problems, fmt.Sprintf("line %d: named twice", c.LineNo))
			continue
		}
		seen[c.LineNo] = true
		line, err := priceCreditLine(h, req.Kind, l, c)
		if err != nil {
			problems = append(problems, strings.TrimPrefix(err.Error(), rules.ErrCreditRequest.Error()+": "))
			continue
		}
		n.Lines = append(n.Lines, line)
		amounts = append(amounts, line.Amounts)
	}
	if len(problems) > 0 {
		return n, refuseCredit(req, "%s", strings.Join(problems, "; "))
	}
	n.Totals = rules.SumLines(amounts)
	if err := rules.CheckTotals(n.Totals); err != nil {
		return n, refuseCredit(req, "%s", err.Error())
	}
	return n, nil
}

// priceCreditLine prices one line of a return or a rebate by the rules invoices are priced
// by; a rebate without a quantity covers what of the line was not returned.
func priceCreditLine(h store.CreditedInvoice, kind string, l store.CreditedLine, c rules.CreditLine) (store.NewCreditLine, error) {
	amt, err := rules.PriceCredit(kind, l.InvoicedLine, c, h.Decimals, h.Policy)
	if err != nil {
		return store.NewCreditLine{}, err
	}
	qty := c.Quantity
	if kind == rules.CreditRebate && qty.IsZero() {
		qty = l.Quantity.Sub(l.Returned)
	}
	// The unit value credited: what the line credits per unit before its discount.
	unit := amt.Amount.Div(qty).Round(6)
	return store.NewCreditLine{Of: l, Quantity: qty, UnitPrice: unit, Amounts: amt}, nil
}

// recordCreditNote writes a priced credit note and its effects, in this order: the credit
// note, the returned goods, the receivable, its number, then the audit of both documents.
func recordCreditNote(tx CreditingTx, h store.CreditedInvoice, req CreditNoteRequest, n store.NewCreditNote) (CreditNoteResult, error) {
	id, lineIDs, err := tx.InsertCreditNote(h, n)
	if err != nil {
		return CreditNoteResult{}, err
	}
	moved := 0
	if req.Kind == rules.CreditReturn {
		if moved, err = returnGoods(tx, n.Lines, lineIDs); err != nil {
			return CreditNoteResult{}, err
		}
	}
	applied, refund, cash, err := applyCredit(tx, id, h.ID, n.Totals.Total, n.Date)
	if err != nil {
		return CreditNoteResult{}, err
	}
	if err := postSale(tx, id, model.StepCredit); err != nil {
		return CreditNoteResult{}, err
	}
	number, err := takeNumber(tx, id, h.CreditSeries, n.Date)
	if err == nil {
		err = tx.Number(store.InvoiceHead{ID: id, Series: h.CreditSeries, InvoiceDate: n.Date}, number)
	}
	if errors.Is(err, rules.ErrClosedPeriod) || errors.Is(err, rules.ErrNoCAE) {
		return CreditNoteResult{}, refuseCredit(req, "%s", err.Error())
	}
	if err != nil {
		return CreditNoteResult{}, err
	}
	detail := fmt.Sprintf("%s-%d, %s of %s-%d: total %s, %d stock movements in, %s off the receivable, %s refund due",
		h.CreditSeries, number, req.Kind, h.Series, *h.Number, n.Totals.Total.StringFixed(h.Decimals), moved,
		applied.StringFixed(h.Decimals), refund.StringFixed(h.Decimals)) + cash
	// Both histories tell of it: the credit note's, and the invoice's under the request's Seq.
	if err := tx.Audit("", id, model.StepCredit, 1, "ok", detail); err != nil {
		return CreditNoteResult{}, err
	}
	if err := tx.Audit("", h.ID, model.StepCredit, req.Seq, "ok", detail); err != nil {
		return CreditNoteResult{}, err
	}
	return CreditNoteResult{ID: id, Series: h.CreditSeries, Number: number, Total: n.Totals.Total}, nil
}

// returnGoods moves returned goods back into the warehouse they left, one incoming
// movement per stocked line, and answers how many movements it made.
func returnGoods(tx CreditingTx, lines []store.NewCreditLine, lineIDs []int64) (int, error) {
	moved := 0
	for i, l := range lines {
		if !l.Of.Stocked {
			continue
		}
		wh, found, err := tx.SaleWarehouse(l.Of.ID)
		if err != nil {
			return moved, err
		}
		if !found {
			continue // the goods never left (a series that moves no stock, nothing delivered)
		}
		if _, _, _, err := tx.LockStock(wh, l.Of.Item); err != nil {
			return moved, err
		}
		if _, err := tx.Move(store.Movement{Line: lineIDs[i], Attempt: 1, Direction: "in", Reason: "return",
			Warehouse: wh, Item: l.Of.Item, Quantity: l.Quantity}); err != nil {
			return moved, err
		}
		moved++
	}
	return moved, nil
}

func creditNoteResult(tx CreditingTx, id int64) (CreditNoteResult, error) {
	h, err := tx.LockInvoice(id)
	if err != nil {
		return CreditNoteResult{}, err
	}
	var number int64
	if h.Number != nil {
		number = *h.Number
	}
	return CreditNoteResult{ID: id, Series: h.Series, Number: number, Total: h.Total}, nil
}

// applyCredit takes the credit note's total off the corrected invoice's live receivable, as
// far as its balance goes; the rest is owed back to the customer — paid back at once out
// of the cash box of a sale collected on the spot, as far as the box holds what it brought
// in (seed 004), and what is left recorded as a refund due. cash says what the box paid.
func applyCredit(tx CreditingTx, creditNoteID, invoiceID int64, total decimal.Decimal, on time.Time) (applied, refund decimal.Decimal, cash string, err error) {
	rec, balance, err := tx.LockLiveReceivable(invoiceID)
	if err != nil {
		return
	}
	applied, refund = rules.ApplyCredit(balance, total)
	due, paid, box, err := refundCash(tx, creditNoteID, invoiceID, refund, on)
	if err != nil {
		return
	}
	if paid.IsPositive() {
		cash = fmt.Sprintf(", %s paid back from cash box %s", paid, box)
	}
	err = tx.RecordCreditApplication(creditNoteID, rec, applied, due)
	return applied, due, cash, err
}
