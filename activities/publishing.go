package activities

import (
	"context"
	"fmt"
)

// PublishResult is one pass of a publication step over a batch.
type PublishResult struct {
	Processed int `json:"processed"` // invoices this pass printed or e-mailed
	Remaining int `json:"remaining"` // invoices that may still need this step
}

// PrintInvoices prints up to limit of the batch's sealed invoices, one after another. A
// document that cannot be printed keeps its reason as the invoice's fiscal error and the
// pass goes on; anything else (the database down) ends the pass, to be retried.
func (a *Activities) PrintInvoices(ctx context.Context, batchID string, limit int) (PublishResult, error) {
	ids, err := a.Store.ToPrint(ctx, batchID, limit)
	if err != nil {
		return PublishResult{}, err
	}
	var res PublishResult
	for _, id := range ids {
		if err := a.PrintInvoice(ctx, id); err != nil && !isBusiness(err) {
			return res, err
		}
		res.Processed++
		heartbeat(ctx, fmt.Sprintf("printed %d of %d", res.Processed, len(ids)))
	}
	res.Remaining, err = a.Store.PrintRemaining(ctx, batchID)
	return res, err
}

// DeliverInvoices makes the first e-mail delivery of up to limit of the batch's printed
// invoices. While the mail server is down the pass ends with its error and Temporal
// retries it with backoff: the invoices' numbering never waits on it.
func (a *Activities) DeliverInvoices(ctx context.Context, batchID string, limit int) (PublishResult, error) {
	ids, err := a.Store.ToDeliver(ctx, batchID, limit)
	if err != nil {
		return PublishResult{}, err
	}
	var res PublishResult
	for _, id := range ids {
		if err := a.DeliverInvoice(ctx, id, 1); err != nil && !isBusiness(err) {
			return res, err
		}
		res.Processed++
		heartbeat(ctx, fmt.Sprintf("delivered %d of %d", res.Processed, len(ids)))
	}
	res.Remaining, err = a.Store.DeliverRemaining(ctx, batchID)
	return res, err
}
