package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
	"billrun/internal/store"
)

// StampInvoice has the invoice's sealed document stamped by its country's certifier (a PAC
// in Mexico) and stores the stamped document; fiscal status stamped. No lock is held while
// the PAC answers: stamping is idempotent at the PAC (the same document gets the same
// stamp) and the store keeps only the first answer. A refusal leaves the invoice completed
// and sealed, not stamped, with the reason, until `invoice restamp` (or reseal, for a
// document the PAC no longer takes) moves it; a PAC out of reach is retried.
func (a *Publication) StampInvoice(ctx context.Context, in Document) error {
	if alone, err := a.stampCFEAlone(ctx, in.InvoiceID); alone {
		return err
	}
	return a.stamp(ctx, in.InvoiceID)
}

// stamp is StampInvoice by the certifier's own path: one document, one request.
func (a *Publication) stamp(ctx context.Context, id int64) error {
	var h store.FiscalHead
	var doc fiscal.Document
	err := a.Store.InTx(ctx, func(tx PublicationTx) error {
		var err error
		if h, _, err = tx.LockFiscal(id); err != nil {
			return err
		}
		if h.Status != "completed" || h.FiscalStatus != "sealed" || h.Cancelling {
			return errNothingToDo // a document whose cancellation was asked is not stamped now
		}
		doc, err = tx.SealedDocument(id)
		return err
	})
	if errors.Is(err, errNothingToDo) {
		return nil
	}
	if err != nil {
		return err
	}
	stamped, err := a.certify(ctx, store.Stampable{InvoiceID: id, Head: h, Doc: doc})
	if err != nil {
		return err
	}
	err = a.Store.InTx(ctx, func(tx PublicationTx) error {
		saved, err := tx.SaveStamped(id, stamped)
		if err != nil || !saved {
			return err
		}
		return tx.Audit(h.BatchID, id, model.StepStamp, h.Attempt, "ok", stampNote(stamped))
	})
	return a.fiscalOutcome(ctx, id, model.StepStamp, err)
}

// certify has a sealed document stamped by its country's certifier (no lock held while it
// answers). A refusal is kept as the invoice's fiscal error and answered as a business
// error; an authority that received the document but has not answered is asked again from
// the time it gave (its answer kept); anything else is retried.
func (a *Publication) certify(ctx context.Context, x store.Stampable) (fiscal.Document, error) {
	id, h := x.InvoiceID, x.Head
	p, err := profileFor(a.Fiscal, h.Country)
	if err != nil {
		return fiscal.Document{}, a.fiscalOutcome(ctx, id, model.StepStamp, businessf(model.StepStamp, "%s", err.Error()))
	}
	password, err := csdPassword(h.PasswordEnv) // UY: the requests to DGI are signed with the issuer's key
	if err != nil {
		return fiscal.Document{}, err
	}
	start := time.Now()
	stamped, err := p.Stamp(ctx, x.Doc, fiscal.Credentials{CertPath: h.CertPath, KeyPath: h.KeyPath, Password: password})
	if a.Meter != nil {
		outcome := "stamped"
		if err != nil {
			outcome = "error"
		}
		a.Meter.Observe("billrun_stamping", map[string]string{"outcome": outcome}, time.Since(start))
	}
	if err := a.keepAuthorityAck(ctx, id, x.Doc, err); err != nil {
		return fiscal.Document{}, err
	}
	var pending *fiscal.Pending
	if errors.As(err, &pending) { // asked again from the time the authority gave
		w := &awaitingDGI{}
		w.add(pending)
		return fiscal.Document{}, a.awaitDGI(ctx, "", 0, w)
	}
	if errors.Is(err, fiscal.ErrFiscal) {
		err = businessf(model.StepStamp, "%s", err.Error())
	}
	if err != nil {
		return fiscal.Document{}, a.fiscalOutcome(ctx, id, model.StepStamp, err)
	}
	return stamped, nil
}

// stampPass stamps the documents among ids the certifier takes one by one (Mexico's PAC; a
// CFE that kept an envelope of its own), a few at once: one read of them all, the
// certifier asked concurrently, one write of every stamp. A pass that stops on an error
// still stores the stamps it got.
func (a *Publication) stampPass(ctx context.Context, ids []int64) (PublishResult, error) {
	docs, err := a.Store.Stampables(ctx, ids)
	if err != nil || len(docs) == 0 {
		return PublishResult{Processed: len(ids)}, err // none left: stamped or moved on already
	}
	byID := make(map[int64]store.Stampable, len(docs))
	todo := make([]int64, len(docs))
	for i, d := range docs {
		byID[d.InvoiceID], todo[i] = d, d.InvoiceID
	}
	var mu sync.Mutex
	var stamps []store.Stamp
	res, err := pass(ctx, todo, a.concurrency(), "stamped", func(ctx context.Context, id int64) error {
		stamped, err := a.certify(ctx, byID[id])
		if err == nil {
			mu.Lock()
			stamps = append(stamps, store.Stamp{InvoiceID: id, Doc: stamped, Note: stampNote(stamped)})
			mu.Unlock()
		}
		return err
	})
	if _, serr := a.Store.SaveStamps(ctx, model.StepStamp, stamps); serr != nil {
		return res, serr
	}
	res.Processed += len(ids) - len(docs)
	return res, err
}

// stampCFEAlone sends a Uruguayan CFE stamped on its own (a credit note's, a document's
// own workflow) as the stamping pass sends a batch's: in an envelope of one recorded before
// it is sent and numbered from the envelopes' sequence, DGI's time to ask honoured, an
// envelope DGI holds already (S08) handled. A CFE DGI refuses is a business error with
// DGI's code and text (kept as its fiscal error). It answers false for a document it leaves
// to the certifier's own path: not a CFE, not waiting to be stamped, or one that kept the
// ACKSobre of an envelope of its own sent before envelopes were recorded.
func (a *Publication) stampCFEAlone(ctx context.Context, id int64) (bool, error) {
	rest, processed, err := a.stampEnvelopes(ctx, "", []int64{id})
	if err == nil && len(rest) == 1 {
		return false, nil
	}
	var wait *awaitingDGI
	switch {
	case errors.As(err, &wait):
		return true, a.awaitDGI(ctx, "", processed, wait)
	case err != nil:
		return true, err
	}
	reason, err := a.Store.FiscalError(ctx, id)
	if err != nil || !strings.HasPrefix(reason, model.StepStamp+": ") {
		return true, err
	}
	return true, temporalError(model.StepStamp, businessf(model.StepStamp, "%s", strings.TrimPrefix(reason, model.StepStamp+": ")))
}

// keepAuthorityAck keeps the authority's answer to a document it has not stamped: DGI's
// ACKSobre of an envelope whose CFE's answer is awaited (the next attempt asks with its
// token instead of sending again), or the answer that refused it (a restamp sends anew).
func (a *Publication) keepAuthorityAck(ctx context.Context, id int64, doc fiscal.Document, err error) error {
	var ack string
	var pending *fiscal.Pending
	var refusal *fiscal.Refusal
	switch {
	case errors.As(err, &pending):
		ack = pending.AuthorityAck
	case errors.As(err, &refusal):
		ack = refusal.AuthorityAck
	}
	if ack == "" || ack == doc.AuthorityAck {
		return nil
	}
	return a.Store.SaveAuthorityAck(ctx, id, ack)
}

// errNothingToDo ends a step that finds its work done already.
var errNothingToDo = errors.New("nothing to do")

// StampInvoices stamps up to limit of the batch's sealed invoices, a few at once, and its
// Uruguayan CFE up to 250 at once, in envelopes (stampEnvelopes). A document the PAC or DGI
// refuses keeps the reason as the invoice's fiscal error and the pass goes on; a PAC, DGI or
// database out of reach, or an envelope DGI has not answered yet, ends the pass, to be
// retried with backoff.
func (a *Publication) StampInvoices(ctx context.Context, in Pass) (PublishResult, error) {
	batchID, limit := in.BatchID, in.Limit
	if err := gather(ctx, in); err != nil {
		return PublishResult{}, err
	}
	ids, err := a.Store.ToStamp(ctx, batchID, max(limit, cfe.EnvelopeLimit))
	if err != nil {
		return PublishResult{}, err
	}
	rest, enveloped, envErr := a.stampEnvelopes(ctx, batchID, ids)
	if len(rest) > limit {
		rest = rest[:limit]
	}
	res, err := a.stampPass(ctx, rest) // what envelopes do not take
	res.Processed += enveloped
	if err == nil {
		err = envErr
	}
	var wait *awaitingDGI
	switch {
	case errors.As(err, &wait):
		return res, a.awaitDGI(ctx, batchID, res.Processed, wait)
	case err != nil && res.Processed > 0:
		_ = a.wakePublication(ctx, batchID) // what it stamped goes to printing now; the pass is retried
		return res, err
	case err != nil:
		return res, err
	}
	res.Remaining, res.Ready, res.Done, err = a.Store.StampRemaining(ctx, batchID)
	return res, err
}

// awaitDGI ends a pass that waits for DGI's answer to an envelope: what it stamped is
// handed to printing at once (a wake-up of the publication: the pass itself is retried,
// so the workflow does not hear of it), and the pass is asked again from the time DGI
// gave, else with the retry policy's backoff.
func (a *Publication) awaitDGI(ctx context.Context, batchID string, processed int, wait *awaitingDGI) error {
	if processed > 0 {
		if err := a.wakePublication(ctx, batchID); err != nil {
			return err
		}
	}
	return temporal.NewApplicationErrorWithOptions(wait.Error(), "AwaitingDGI", temporal.ApplicationErrorOptions{NextRetryDelay: wait.retryDelay(a.now())})
}

// stampNote is what the audit trail says of a stamp: the folio fiscal a PAC gave, or the
// authority's acknowledgement (UY: DGI received the CFE).
func stampNote(d fiscal.Document) string {
	if d.UUID == "" {
		return fmt.Sprintf("received by the authority %s (%s)", d.StampedAt, d.StampCertificate)
	}
	return fmt.Sprintf("UUID %s stamped %s", d.UUID, d.StampedAt)
}
