package batching

import (
	"context"
	"strings"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// DraftReview lists a batch's draft invoices as an approver needs them: customer, series,
// amounts, sources, and what would make each fail or come out unsealed if the batch ran
// now — stock short of the available balance (on hand less what other orders committed,
// in the order the batch runs them, as the stock step checks it), an item without a VAT rate, a
// customer without the fiscal data a CFDI (or an e-Factura) needs, credit terms for the
// generic customer, no CAE number left for a Uruguayan draft (projected in run order), an
// e-Ticket to an unidentified consumer above the UI threshold.
func DraftReview(ctx context.Context, st *store.Store, batchID string) ([]model.DraftInvoice, error) {
	return review(ctx, st, batchID, nil)
}

// RetryReview is the draft review of failed invoices of the batch about to be retried:
// what would make each fail again if it ran now (the recorded cause still there).
func RetryReview(ctx context.Context, st *store.Store, batchID string, invoiceIDs []int64) ([]model.DraftInvoice, error) {
	if invoiceIDs == nil {
		invoiceIDs = []int64{}
	}
	return review(ctx, st, batchID, invoiceIDs)
}

// Report is a batch's report with its drafts reviewed.
func Report(ctx context.Context, st *store.Store, batchID string) (model.Report, error) {
	r, err := st.ReadReport(ctx, batchID)
	if err != nil {
		return r, err
	}
	r.Drafts, err = DraftReview(ctx, st, batchID)
	return r, err
}

func review(ctx context.Context, st *store.Store, batchID string, ids []int64) ([]model.DraftInvoice, error) {
	f, err := st.ReviewFacts(ctx, batchID, ids)
	if err != nil {
		return nil, err
	}
	return Problems(f), nil
}

// Problems reviews the facts read: each draft with what would make it fail or come out
// unsealed, stock and CAE numbers projected in run order.
func Problems(f store.ReviewFacts) []model.DraftInvoice {
	short := rules.StockShortfalls(f.Balances, f.Stock)
	var numbered []rules.DraftNumbering // drafts of series that number CFE, in run order
	for _, d := range f.Drafts {
		if d.ByCAE {
			numbered = append(numbered, rules.DraftNumbering{Invoice: d.InvoiceID, Series: d.Series, Date: d.Date})
		}
	}
	caeShort := rules.CAEShortfalls(f.CAEs, numbered)
	out := make([]model.DraftInvoice, 0, len(f.Drafts))
	for _, d := range f.Drafts {
		d.Problem = draftProblems(d, short[d.InvoiceID], caeShort[d.InvoiceID])
		out = append(out, d.DraftInvoice)
	}
	return out
}

// draftProblems says what would make the draft fail or come out unsealed if it ran now,
// given its projected stock and CAE shortfalls.
func draftProblems(d store.ReviewedDraft, stockShort, caeShort string) string {
	var problems []string
	if p := stockShort; p != "" {
		problems = append(problems, "fails at stock discharge: "+p)
	}
	if d.NoVAT != "" {
		problems = append(problems, "fails at pricing: no VAT rate for item "+d.NoVAT)
	}
	if d.Generic && d.TermsKind == rules.TermsCredit {
		problems = append(problems, "fails at receivable: "+rules.ErrCreditForGeneric.Error())
	}
	if p := caeShort; p != "" {
		problems = append(problems, "fails at numbering: "+p)
	}
	if err := rules.CheckTicketThreshold(d.Ticket, d.UI, d.Threshold); err != nil {
		problems = append(problems, "fails at completion: "+err.Error())
	}
	if d.Country == "UY" && d.TaxIDKind == "tax_registration" && (d.Address == "" || d.City == "") {
		problems = append(problems, "completes unsealed: customer "+d.Customer+" has no address and city, which an e-Factura carries")
	}
	if d.Country == "MX" && d.TaxIDKind == "tax_registration" && !d.Generic {
		var missing []string
		for _, f := range []struct{ name, v string }{{"fiscal regime", d.Regime}, {"postal code", d.Postal}, {"tax id", d.TaxID}, {"CFDI use", d.Use}} {
			if f.v == "" {
				missing = append(missing, f.name)
			}
		}
		if len(missing) > 0 {
			problems = append(problems, "completes unsealed: customer "+d.Customer+" has no "+strings.Join(missing, ", "))
		}
	}
	return strings.Join(problems, "; ")
}
