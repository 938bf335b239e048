package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// The stamping pass sends a batch's Uruguayan CFE to DGI in envelopes of up to 250 (one
// issuer and CFE type each, cfe.PackEnvelopes) instead of one per envelope. An envelope is
// recorded, exactly as it will be sent, in the transaction that puts its documents in it;
// it is then sent — a retry after a lost answer sends the same bytes under the same number —,
// DGI's ACKSobre kept, and its CFE's answers asked for with its token: each document is
// stamped or refused by its own answer, so one CFE DGI rejects fails only its invoice's
// fiscal step. While DGI has not answered, the pass ends with an error and Temporal retries
// it with backoff; nothing is sent again.

// stampEnvelopes puts the Uruguayan CFE among ids in envelopes — unless cfe.Gather holds
// them for a fuller one while the batch is still being billed —, sends them and takes DGI's
// answers. It answers the documents it leaves to StampInvoice (not CFE, or waiting for the
// answer to an envelope of their own sent before), how many it stamped or refused, and an
// error when an envelope still waits for DGI's answer or DGI is out of reach.
func (a *Publication) stampEnvelopes(ctx context.Context, batchID string, ids []int64) (rest []int64, processed int, err error) {
	if p, ok := a.uruguay(); !ok || p.DGI == nil || len(ids) == 0 {
		return ids, 0, nil // no CFE are sent without DGI's service: StampInvoice says so
	}
	billing := false // documents of no batch (a credit note, contingency) are never held
	if batchID != "" {
		if billing, err = a.Store.Billing(ctx, batchID); err != nil {
			return nil, 0, err
		}
	}
	var envelopes []int64
	err = a.Store.InTx(ctx, func(tx PublicationTx) (err error) {
		rest, envelopes, processed, err = a.collectEnvelopes(ctx, tx, ids, billing)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	var mu sync.Mutex
	stop := keepAlive(ctx, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("%d envelopes of CFE to DGI: %d CFE answered", len(envelopes), processed)
	})
	defer stop()
	wait := &awaitingDGI{}
	for _, id := range envelopes {
		n, err := a.sendEnvelope(ctx, id)
		mu.Lock()
		processed += n
		mu.Unlock()
		var pending *fiscal.Pending
		switch {
		case errors.As(err, &pending):
			wait.add(pending)
		case err != nil:
			return rest, processed, err
		}
	}
	if len(wait.reasons) > 0 {
		return rest, processed, wait
	}
	return rest, processed, nil
}

// awaitingDGI is a stamping pass's envelopes DGI has received but not answered: the pass
// is asked again from the earliest time DGI gave (ParamConsulta/Fechahora), or with
// backoff when any envelope has no such time ahead.
type awaitingDGI struct {
	reasons []string
	at      []time.Time // each envelope's time to ask (zero: none given)
}

func (w *awaitingDGI) add(p *fiscal.Pending) {
	w.reasons = append(w.reasons, p.Reason)
	w.at = append(w.at, p.RetryAt)
}

func (w *awaitingDGI) Error() string {
	return fmt.Sprintf("%d envelopes of CFE wait for DGI's answer (asked again later): %s", len(w.reasons), strings.Join(w.reasons, "; "))
}

// retryDelay is how long the pass waits before asking again: until the earliest time DGI
// gave, within [1 s, 10 min]; zero (the retry policy's backoff) when an envelope has no
// time ahead (none given, or passed already: it is asked at once).
func (w *awaitingDGI) retryDelay(now time.Time) time.Duration {
	var first time.Time
	for _, at := range w.at {
		if !at.After(now) {
			return 0
		}
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	if first.IsZero() {
		return 0
	}
	return min(max(first.Sub(now), time.Second), 10*time.Minute)
}

// reportedAnnulled refuses to send again a CFE DGI refused before once a daily report DGI
// received lists its number as annulled (DGI refuses it then, E01), whoever took it on (a
// restamp, a batch retry): its fiscal error says so. Only a CFE with an answer kept (a
// refusal) is looked up.
func reportedAnnulled(tx PublicationTx, d store.Unenveloped) (bool, error) {
	if d.AuthorityAck == "" {
		return false, nil
	}
	r, ok, err := tx.CFEDayReport(d.InvoiceID)
	if err != nil || !ok || !cfe.ReportedAnnulled(r.Report, r.Type, r.Series, r.Number) {
		return false, err
	}
	_, err = tx.LeaveEnvelope(d.InvoiceID, model.StepStamp, rules.AnnulledCFE(r.Type, r.Series, r.Number, r.Day, r.Sequence), d.AuthorityAck)
	return true, err
}

// aboveThreshold tells an e-Ticket is to be sent alone: its amount without VAT in pesos is
// above the UI threshold of its date, or no UI value says it is not (sent alone, DGI takes
// it either way).
func aboveThreshold(tx PublicationTx, invoiceID int64, cfeType int) (bool, error) {
	if cfeType != rules.ETicketType && cfeType != rules.ETicketContingencyType { // DGI: "CFE y CFC" above it go one by one
		return false, nil
	}
	t, ui, th, err := tx.TicketFacts(invoiceID)
	if err != nil {
		return false, err
	}
	limit, err := rules.TicketLimitOn(t.Date, ui, th)
	return err != nil || limit.Above(t.NetPesos()), nil
}

// collectEnvelopes sorts the documents among ids under their row locks: those in an
// envelope DGI has not answered (its number answered), the CFE to put in new ones (packed
// and recorded now, unless held for a fuller envelope), those never to be sent again
// (refused: counted), and the rest, left to StampInvoice.
func (a *Publication) collectEnvelopes(ctx context.Context, tx PublicationTx, ids []int64, billing bool) (rest, envelopes []int64, refused int, err error) {
	docs, err := tx.EnvelopeCandidates(ids)
	if err != nil {
		return nil, nil, 0, err
	}
	var unsent []cfe.Unsent
	var oldest time.Time
	seen, taken := map[int64]bool{}, map[int64]bool{}
	for _, d := range docs {
		switch {
		case d.EnvelopeID != nil:
			taken[d.InvoiceID] = true
			if !seen[*d.EnvelopeID] {
				seen[*d.EnvelopeID] = true
				envelopes = append(envelopes, *d.EnvelopeID)
			}
		case d.Country == "UY" && d.CFEType != 0 && !cfe.IsEnvelopeReceipt(d.AuthorityAck):
			taken[d.InvoiceID] = true
			void, err := reportedAnnulled(tx, d)
			if err != nil {
				return nil, nil, 0, err
			}
			if void {
				refused++ // never sent: DGI refuses it (E01)
				continue
			}
			alone, err := aboveThreshold(tx, d.InvoiceID, d.CFEType)
			if err != nil {
				return nil, nil, 0, err
			}
			unsent = append(unsent, cfe.Unsent{InvoiceID: d.InvoiceID, Issuer: d.Issuer, Type: d.CFEType, XML: d.XML, Alone: alone})
			if oldest.IsZero() || d.SealedAt.Before(oldest) {
				oldest = d.SealedAt
			}
		}
	}
	for _, id := range ids {
		if !taken[id] {
			rest = append(rest, id) // not a CFE for an envelope: StampInvoice takes it (or finds it done)
		}
	}
	if cfe.Gather(len(unsent), billing, oldest, time.Now()) {
		var alone []cfe.Unsent // e-Tickets above the threshold go at once, alone
		for _, u := range unsent {
			if u.Alone {
				alone = append(alone, u)
			}
		}
		unsent = alone // the rest held for a fuller envelope: the pass looks again as invoices are sealed
	}
	made, err := a.packEnvelopes(ctx, tx, unsent)
	return rest, append(envelopes, made...), refused, err
}

// packEnvelopes records the envelopes the unsent CFE go in, numbered, dated now and held to
// DGI's schema, and answers their numbers.
func (a *Publication) packEnvelopes(ctx context.Context, tx PublicationTx, unsent []cfe.Unsent) ([]int64, error) {
	var made []int64
	for _, group := range cfe.PackEnvelopes(unsent, cfe.EnvelopeLimit) {
		id, err := tx.NextEnvelopeID()
		if err != nil {
			return nil, err
		}
		xmls, members := make([]string, len(group)), make([]int64, len(group))
		for i, u := range group {
			xmls[i], members[i] = u.XML, u.InvoiceID
		}
		xml, err := cfe.BuildEnvelope(ctx, id, time.Now(), xmls)
		if err != nil {
			return nil, fmt.Errorf("the envelope of invoices %v: %w", members, err)
		}
		if err := tx.RecordEnvelope(id, group[0].Issuer, group[0].Type, xml, members); err != nil {
			return nil, err
		}
		made = append(made, id)
	}
	return made, nil
}

// sendEnvelope moves a recorded envelope on: sends it (its recorded bytes) while DGI has not
// answered it, asks for its CFE's answers once DGI received it, and stamps or refuses each
// of its documents by its own answer. It answers how many documents it stamped or refused;
// a *fiscal.Pending error while DGI's answer to the CFE is not in yet.
func (a *Publication) sendEnvelope(ctx context.Context, id int64) (int, error) {
	var e store.CFEEnvelope
	if err := a.Store.InTx(ctx, func(tx PublicationTx) (err error) { e, err = tx.LockEnvelope(id); return err }); err != nil {
		return 0, err
	}
	if len(e.Members) == 0 || e.State == "answered" || e.State == "rejected" {
		return 0, nil
	}
	p, ok := a.uruguay()
	if !ok {
		return 0, fmt.Errorf("the Uruguayan fiscal profile is not DGI's CFE: envelope %d cannot be sent", id)
	}
	password, err := csdPassword(e.PasswordEnv)
	if err != nil {
		return 0, err
	}
	cred := fiscal.Credentials{CertPath: e.CertPath, KeyPath: e.KeyPath, Password: password}
	if e.State == "sending" {
		sobre, r, err := p.SendEnvelope(ctx, e.XML, cred)
		var refusal *fiscal.Refusal
		if errors.As(err, &refusal) {
			return a.refuseAll(ctx, e, "", refusal.Reason, refusal.AuthorityAck)
		}
		if err != nil {
			return 0, err // DGI out of reach: the same envelope is sent again
		}
		if r.HeldAlready() {
			return 0, a.releaseHeld(ctx, e, sobre)
		}
		state := "received"
		if r.State != cfe.EnvelopeReceived {
			state = "rejected"
		}
		if err := a.Store.InTx(ctx, func(tx PublicationTx) error { _, err := tx.AnswerEnvelope(id, state, sobre); return err }); err != nil {
			return 0, err
		}
		if state == "rejected" {
			return a.refuseAll(ctx, e, state, fmt.Sprintf("DGI rejected the envelope (%s): %s", r.State, fiscal.Clip(r.Reason())), sobre)
		}
		e.State, e.Ack = state, sobre
	}
	ack, answers, err := p.EnvelopeAnswers(ctx, e.Ack, cred)
	var refusal *fiscal.Refusal
	switch {
	case errors.As(err, &refusal):
		return a.refuseAll(ctx, e, "", refusal.Reason, refusal.AuthorityAck)
	case err != nil:
		pending := &fiscal.Pending{Reason: fmt.Sprintf("envelope %d (%d CFE): %s", id, len(e.Members), fiscal.Clip(err.Error())), AuthorityAck: e.Ack, Err: err}
		var notYet *cfe.NotReady
		if errors.As(err, &notYet) {
			pending.RetryAt = notYet.At
		}
		return 0, pending
	}
	return a.answerMembers(ctx, e, ack, answers)
}

// answerMembers keeps DGI's ACKCFE of the envelope and stamps each document DGI received
// (AE), refusing each it rejected with DGI's code and text, in one transaction.
func (a *Publication) answerMembers(ctx context.Context, e store.CFEEnvelope, ack string, answers map[int]cfe.Answer) (int, error) {
	n := 0
	err := a.Store.InTx(ctx, func(tx PublicationTx) error {
		n = 0
		if _, err := tx.SaveEnvelopeAnswer(e.ID, ack); err != nil {
			return err
		}
		for _, m := range e.Members {
			ans, ok := answers[m.Ordinal]
			doc, err := tx.SealedDocument(m.InvoiceID)
			if err != nil {
				return err
			}
			// A CFE of an envelope DGI held already (S08), sent again in this one: DGI's
			// "already in its records" (E03) is its record of the CFE received then.
			held := ok && ans.HeldAlready() && cfe.IsHeldAlready(doc.AuthorityAck)
			var reason string
			switch {
			case !ok:
				reason = fmt.Sprintf("DGI's answer to envelope %d has no CFE at place %d", e.ID, m.Ordinal)
			case ans.State != cfe.AckReceived && !held:
				reason = fmt.Sprintf("DGI rejected the CFE (%s): %s", ans.State, fiscal.Clip(ans.Reason()))
			}
			if reason != "" {
				if err := leaveEnvelope(tx, m, reason, ack, &n); err != nil {
					return err
				}
				continue
			}
			stamped := cfe.Stamped(doc, ans, ack)
			note := fmt.Sprintf("%s (envelope %d, CFE %d of %d)", stampNote(stamped), e.ID, m.Ordinal, e.Count)
			if held {
				note += "; DGI holds it from an envelope sent before, whose answer was lost (S08, then E03)"
			}
			saved, err := tx.SaveStamped(m.InvoiceID, stamped)
			if err == nil && saved {
				n++
				err = tx.Audit(m.BatchID, m.InvoiceID, model.StepStamp, m.Attempt, "ok", note)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// releaseHeld answers an envelope DGI refused as one it holds already (S08: sent again
// after the answer to its first sending was lost, so its token is lost too): the envelope
// is kept rejected with that answer, and its documents — still sealed, no fiscal error, the
// answer kept on each — leave it, to go in a new envelope, where DGI answers each by its
// own record. The pass waits (retried with backoff) and the next one sends them.
func (a *Publication) releaseHeld(ctx context.Context, e store.CFEEnvelope, sobre string) error {
	err := a.Store.InTx(ctx, func(tx PublicationTx) error {
		answered, err := tx.AnswerEnvelope(e.ID, "rejected", sobre)
		if err != nil || !answered {
			return err // another attempt answered it first (received, say): its answer stands
		}
		return tx.ReleaseEnvelope(e.ID, sobre)
	})
	if err != nil {
		return err
	}
	return &fiscal.Pending{Reason: fmt.Sprintf("envelope %d: DGI holds it already (S08: the answer to its first sending was lost); its %d CFE go again in a new envelope", e.ID, len(e.Members))}
}

// refuseAll refuses every document of an envelope DGI (or reading its answer) refused as a
// whole, with the reason and the answer kept; state, when set, is the envelope's already.
func (a *Publication) refuseAll(ctx context.Context, e store.CFEEnvelope, state, reason, ack string) (int, error) {
	n := 0
	err := a.Store.InTx(ctx, func(tx PublicationTx) error {
		n = 0
		if state == "" && ack != "" {
			if _, err := tx.AnswerEnvelope(e.ID, "rejected", ack); err != nil {
				return err
			}
		}
		for _, m := range e.Members {
			if err := leaveEnvelope(tx, m, reason, ack, &n); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// leaveEnvelope takes a refused CFE out of its envelope, unstamped, with the reason and
// DGI's answer kept, and audits it — once: a CFE already out counts and audits nothing.
func leaveEnvelope(tx PublicationTx, m store.EnvelopeMember, reason, ack string, n *int) error {
	left, err := tx.LeaveEnvelope(m.InvoiceID, model.StepStamp, reason, ack)
	if err == nil && left {
		*n++
		err = tx.Audit(m.BatchID, m.InvoiceID, model.StepStamp, m.Attempt, "failed", reason)
	}
	return err
}

// uruguay is DGI's CFE profile, when the worker has one.
func (a *Publication) uruguay() (cfe.Profile, bool) {
	p, err := profileFor(a.Fiscal, "UY")
	if err != nil {
		return cfe.Profile{}, false
	}
	u, ok := p.(cfe.Profile)
	return u, ok
}
