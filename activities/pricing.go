package activities

import (
	"context"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// PriceResult tells the invoice workflow which attempt it runs and what the invoice came to.
type PriceResult struct {
	Attempt  int    `json:"attempt"`
	Total    string `json:"total"`
	Currency string `json:"currency"`
	Done     bool   `json:"done"` // completed already: nothing left to do
	// Failed: the invoice failed already (a Web UI reset re-ran its workflow); Step and
	// Reason are the recorded ones, which a re-run never replaces.
	Failed bool   `json:"failed,omitempty"`
	Step   string `json:"step,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// PriceInvoice prices a draft from its lines and the items' current tax profiles (so a fixed
// tax setup takes effect on retry) and moves it to processing. An invoice already
// processing keeps its prices: its attempt may have moved stock and posted a receivable.
func (a *Invoicing) PriceInvoice(ctx context.Context, in InvoiceStep) (PriceResult, error) {
	invoiceID := in.InvoiceID
	var res PriceResult
	err := a.Store.InTx(ctx, func(tx InvoicingTx) error {
		h, f, err := tx.LockForPricing(invoiceID) // the invoice, its policy and lines: one read
		if err != nil {
			return err
		}
		res = PriceResult{Attempt: h.Attempt, Currency: h.Currency}
		switch h.Status {
		case "completed":
			res.Done, res.Total = true, h.Total.String()
			return nil
		case "processing":
			res.Total = h.Total.String()
			return nil
		case "failed":
			res.Failed, res.Step, res.Reason = true, h.ErrorStep, h.ErrorReason
			return nil
		case "draft":
		default:
			return invariantf("invoice %d is %s, not a draft", invoiceID, h.Status)
		}
		priced := make([]rules.LineAmounts, 0, len(f.Lines))
		saved := make([]store.PricedLine, 0, len(f.Lines))
		for _, l := range f.Lines {
			amt, err := rules.PriceLine(l.Input, f.Decimals, f.Policy)
			if err != nil {
				return businessf(model.StepPrice, "%s", err.Error())
			}
			priced = append(priced, amt)
			saved = append(saved, store.PricedLine{ID: l.ID, Amounts: amt})
		}
		t := rules.SumLines(priced)
		res.Total = t.Total.String()
		// The lines, the totals, the move to processing and the audit row: one write.
		return tx.SavePricing(invoiceID, saved, t, store.AuditRow{BatchID: h.BatchID, InvoiceID: invoiceID,
			Step: model.StepPrice, Attempt: h.Attempt, Outcome: "ok", Detail: "total " + t.Total.String()})
	})
	return res, temporalError(model.StepPrice, err)
}
