package store

import (
	"context"
	"encoding/json"
	"fmt"

	"billrun/activities/model"
	"billrun/activities/rules"
)

// PlanSources selects and locks a batch's lines, applies the document kind rule and plans
// them (rules.Plan): the invoices the batch will make and the lines it will skip.
func (t *Tx) PlanSources(b model.Batch) ([]rules.SourceLine, rules.PlannedBatch, error) {
	lines, err := t.SelectLines(b)
	if err != nil {
		return nil, rules.PlannedBatch{}, err
	}
	routes, err := t.DocumentRoutes()
	if err != nil {
		return nil, rules.PlannedBatch{}, err
	}
	rules.RouteDocumentKinds(lines, routes)
	return lines, rules.Plan(lines, PlanOptions(b)), nil
}

// PlanOptions are the batch's planning switches.
func PlanOptions(b model.Batch) rules.PlanOptions {
	return rules.PlanOptions{Grouping: b.Grouping, AllowZeroPrice: b.Params.AllowZeroPrice,
		Pricing: rules.PricingPolicy{Discount9999Is100: b.Params.Discount9999Is100}}
}

// WritePlan claims the planned lines' sources for the batch and writes its drafts, batch
// lines and not-invoiced report, and marks the batch planned.
func (t *Tx) WritePlan(b model.Batch, plan rules.PlannedBatch) error {
	for _, s := range plan.Skipped {
		if err := t.exec(`insert into batch_lines (batch_id, source_kind, source_id, source_ref, customer, item, quantity, outcome, skip_reason)
			values ($1, $2, $3, $4, $5, $6, $7, 'skipped', $8) on conflict do nothing`,
			b.ID, s.SourceKind, s.SourceID, s.Ref, s.Customer, s.Item, s.Quantity, s.Reason); err != nil {
			return err
		}
	}
	claimed := map[string]bool{}
	for _, inv := range plan.Invoices {
		for _, l := range inv.Lines {
			// A plan event gives several lines: claim its source once.
			if k := fmt.Sprint(l.SourceKind, l.SourceID); !claimed[k] {
				claimed[k] = true
				if err := t.Claim(l.SourceLine); err != nil {
					return err
				}
			}
		}
	}
	for _, inv := range plan.Invoices {
		h := inv.Head
		var invoiceID int64
		err := t.tx.QueryRow(t.ctx, `
			insert into invoices (batch_id, group_no, issuer, series, document_kind, customer, currency, rate, payment_terms, invoice_date, status)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft') returning id`,
			b.ID, inv.GroupNo, h.Issuer, h.Series, h.DocumentKind, h.Payer, h.Currency, b.Rate, h.PaymentTerms, b.InvoiceDate).Scan(&invoiceID)
		if err != nil {
			return err
		}
		for li, l := range inv.Lines {
			var lineID int64
			err := t.tx.QueryRow(t.ctx, `
				insert into invoice_lines (invoice_id, line_no, source_kind, source_id, source_ref, partner, item, description,
				    warehouse, delivered, quantity, unit_price, discount_pct, refs)
				values ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, ''), $10, $11, $12, $13, $14) returning id`,
				invoiceID, li+1, l.SourceKind, l.SourceID, l.Ref, l.Partner, l.Item, l.Description,
				l.Warehouse, l.Delivered, l.Quantity, l.UnitPrice, l.DiscountPct, refsJSON(l.Refs)).Scan(&lineID)
			if err != nil {
				return err
			}
			if l.Priced {
				if err := t.SaveLineAmounts(lineID, l.Amounts); err != nil {
					return err
				}
			}
			if err := t.exec(`insert into batch_lines (batch_id, source_kind, source_id, source_ref, customer, item, quantity, outcome, invoice_id)
				values ($1, $2, $3, $4, $5, $6, $7, 'invoiced', $8)`,
				b.ID, l.SourceKind, l.SourceID, l.Ref, l.Customer, l.Item, l.Quantity, invoiceID); err != nil {
				return err
			}
		}
		if inv.Problem == "" {
			if err := t.SaveTotals(invoiceID, inv.Totals); err != nil {
				return err
			}
		}
	}
	return t.exec(`update batches set status = 'planned' where id = $1`, b.ID)
}

// PlanCounts answers a planned batch's counts from the database.
func (t *Tx) PlanCounts(batchID string) (model.PlanResult, error) {
	var res model.PlanResult
	err := t.tx.QueryRow(t.ctx, `
		select (select count(*) from invoices where batch_id = $1),
		       (select count(*) from batch_lines where batch_id = $1),
		       (select count(*) from batch_lines where batch_id = $1 and outcome = 'skipped')`, batchID).
		Scan(&res.Invoices, &res.LinesSelected, &res.LinesSkipped)
	return res, err
}

// DryRun plans a batch's parameters and writes nothing: the answer shows the invoices a
// real run would make.
func (s *Store) DryRun(ctx context.Context, p model.BatchParams) (model.PlanOutcome, error) {
	var out model.PlanOutcome
	err := s.InTx(ctx, func(t *Tx) error {
		if err := t.ValidateBatch(&p); err != nil {
			return err
		}
		b := model.Batch{ID: "dry-run", Params: p, Grouping: p.Grouping, Rate: p.Rate}
		lines, plan, err := t.PlanSources(b)
		if err != nil {
			return err
		}
		out = Outcome(len(lines), plan)
		return errDryRun // roll back: the selection took row locks, nothing else
	})
	if err == errDryRun {
		err = nil
	}
	return out, err
}

var errDryRun = fmt.Errorf("dry run")

// Outcome is how a plan is shown: its drafts and its not-invoiced lines.
func Outcome(selected int, plan rules.PlannedBatch) model.PlanOutcome {
	out := model.PlanOutcome{LinesSelected: selected, LinesSkipped: len(plan.Skipped)}
	for _, s := range plan.Skipped {
		out.Skipped = append(out.Skipped, model.SkippedLine{Source: s.Ref, Customer: s.Customer, Item: s.Item, Quantity: s.Quantity, Reason: s.Reason})
	}
	for _, inv := range plan.Invoices {
		out.Invoices = append(out.Invoices, model.DraftInvoice{GroupNo: inv.GroupNo, Customer: inv.Head.Payer, Series: inv.Head.Series,
			Currency: inv.Head.Currency, Lines: len(inv.Lines), Sources: inv.Sources, Subtotal: inv.Totals.Subtotal,
			VAT: inv.Totals.VAT, Total: inv.Totals.Total, Problem: inv.Problem})
	}
	return out
}

func refsJSON(r map[string]any) []byte {
	if len(r) == 0 {
		return []byte("{}")
	}
	b, _ := json.Marshal(r)
	return b
}
