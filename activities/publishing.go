package activities

import (
	"context"
	"fmt"
	"sync"
	"time"

	"billrun/internal/model"
	"billrun/internal/store"
)

// PublishResult is one pass of a publication step over a batch.
type PublishResult struct {
	Processed int `json:"processed"` // invoices this pass stamped, printed or e-mailed (or recorded why not)
	Remaining int `json:"remaining"` // invoices that may still need this step
	Done      int `json:"done"`      // the batch's invoices past this step: stamped, printed or e-mailed
	// Ready are the sealed invoices a stamping pass would stamp now, counted as it ended,
	// after it cleared its publication's mark: the stage runs again for them.
	Ready int `json:"ready,omitempty"`
}

// gather waits the pass's Gather before it looks (see Pass), unless cancelled meanwhile.
func gather(ctx context.Context, in Pass) error {
	if in.Gather <= 0 {
		return nil
	}
	t := time.NewTimer(in.Gather)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DefaultPublishConcurrency is how many documents a stamping or e-mail pass sends at once
// unless the worker says otherwise (BILLRUN_PUBLISH_CONCURRENCY).
const DefaultPublishConcurrency = 4

// passHeartbeat is how often a pass reports it is alive, whatever one document takes (an
// SMTP session may take 40 s): a worker that dies is noticed within the publication's
// heartbeat timeout, not at the end of the pass.
const passHeartbeat = 5 * time.Second

// pass runs do for each invoice, at most n at once. A business error was recorded on its
// invoice and the pass goes on; any other error (a server or the database down) stops the
// pass once the documents under way are done, and is returned to be retried.
func pass(ctx context.Context, ids []int64, n int, verb string, do func(context.Context, int64) error) (PublishResult, error) {
	var res PublishResult
	if n < 1 {
		n = 1
	}
	var mu sync.Mutex
	var failure error
	stop := keepAlive(ctx, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("%s %d of %d", verb, res.Processed, len(ids))
	})
	defer stop()
	work := make(chan int64)
	var wg sync.WaitGroup
	for range min(n, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				err := do(ctx, id)
				mu.Lock()
				if err != nil && !isBusiness(err) {
					if failure == nil {
						failure = err
					}
				} else {
					res.Processed++
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		mu.Lock()
		failed := failure != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		work <- id
	}
	close(work)
	wg.Wait()
	return res, failure
}

// keepAlive heartbeats with progress every passHeartbeat until stop is called.
func keepAlive(ctx context.Context, progress func() string) (stop func()) {
	return keepAliveEvery(ctx, passHeartbeat, progress)
}

// keepAliveEvery heartbeats until stop is called, also once the activity is cancelled: a
// cancelled pass finishes the documents it has handed over (outlive), and its publication
// run waits for it (WaitForCancellation); without heartbeats the server would time it
// out after 30 s and the next run could find an e-mail still "sending". Never past the
// activity's deadline (outlive).
func keepAliveEvery(ctx context.Context, every time.Duration, progress func() string) (stop func()) {
	ctx, cancel := outlive(ctx)
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				heartbeat(ctx, progress())
			}
		}
	}()
	return cancel
}

// concurrency is how many documents a stamping or e-mail pass sends at once.
func (a *Publication) concurrency() int {
	if a.Concurrency > 0 {
		return a.Concurrency
	}
	return DefaultPublishConcurrency
}

// PrintInvoices prints up to limit of the batch's stamped invoices in one pass: one read of
// them all, each rendered, one write of every PDF (only where the invoice is still
// stamped). A document that cannot be printed keeps its reason as the invoice's fiscal
// error and the pass goes on; anything else (the database down) ends the pass, to be
// retried.
func (a *Publication) PrintInvoices(ctx context.Context, in Pass) (PublishResult, error) {
	batchID, limit := in.BatchID, in.Limit
	if err := gather(ctx, in); err != nil {
		return PublishResult{}, err
	}
	ids, err := a.Store.ToPrint(ctx, batchID, limit)
	if err != nil || len(ids) == 0 {
		return PublishResult{}, err
	}
	docs, err := a.Store.Printables(ctx, ids)
	if err != nil {
		return PublishResult{}, err
	}
	var res PublishResult
	stop := keepAlive(ctx, func() string { return fmt.Sprintf("printing %d documents", len(docs)) })
	defer stop()
	var pdfs []store.PDF
	for _, d := range docs {
		pdf, err := a.render(d)
		if err != nil {
			if err := a.fiscalOutcome(ctx, d.Invoice.ID, model.StepPDF, err); !isBusiness(err) {
				return res, err
			}
			continue
		}
		pdfs = append(pdfs, store.PDF{InvoiceID: d.Invoice.ID, Bytes: pdf})
	}
	if _, err := a.Store.SavePDFs(ctx, model.StepPDF, pdfs); err != nil {
		return res, err
	}
	res.Processed = len(ids) // printed, refused, or found printed or moved on already
	res.Remaining, res.Done, err = a.Store.PrintRemaining(ctx, batchID)
	return res, err
}

// DeliverInvoices makes the first e-mail delivery of up to limit of the batch's printed
// invoices, a few at once, each worker of the pass on one SMTP connection for its
// messages. While the mail server is down the pass ends with its error and Temporal
// retries it with backoff: the invoices' numbering never waits on it.
func (a *Publication) DeliverInvoices(ctx context.Context, in Pass) (PublishResult, error) {
	batchID, limit := in.BatchID, in.Limit
	if err := gather(ctx, in); err != nil {
		return PublishResult{}, err
	}
	ids, err := a.Store.ToDeliver(ctx, batchID, limit)
	if err != nil {
		return PublishResult{}, err
	}
	pool := newSessions(a.Mail, a.concurrency()) // each worker of the pass keeps its connection
	defer pool.closeAll()
	res, err := pass(ctx, ids, a.concurrency(), "delivered", func(ctx context.Context, id int64) error {
		s := <-pool
		defer func() { pool <- s }()
		return a.deliver(ctx, Delivery{InvoiceID: id, Seq: 1}, s)
	})
	if err != nil {
		return res, err
	}
	res.Remaining, res.Done, err = a.Store.DeliverRemaining(ctx, batchID)
	return res, err
}
