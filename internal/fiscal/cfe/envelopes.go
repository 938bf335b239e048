package cfe

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
)

// Envelopes of many CFE: DGI takes up to 250 CFE in one EnvioCFE (CantCFE), all of one
// issuer — the envelope's RUCEmisor, its certificate (the cover's X509Certificate, which
// must be the one that signs the request and its CFE: S02, S06) — and billrun puts one CFE
// type in each (its conservative choice: EnvioCFE.xsd does not require it). DGI answers the envelope (ACKSobre, with a token) and
// later each of its CFE by its place in it (ACKCFE_Det's Nro_ordinal).

// EnvelopeLimit is the most CFE one envelope carries.
const EnvelopeLimit = 250

// EnvelopeGather is the longest a sealed CFE waits for others to share its envelope while
// its batch is still being billed.
const EnvelopeGather = time.Minute

// Gather tells the stamping pass to hold the CFE waiting for an envelope, for a fuller one:
// while their batch is still being billed (each invoice sealed wakes the pass again), fewer
// than an envelope's worth wait and the oldest has waited less than EnvelopeGather.
func Gather(waiting int, billing bool, oldest, now time.Time) bool {
	return waiting > 0 && billing && waiting < EnvelopeLimit && now.Sub(oldest) < EnvelopeGather
}

// Unsent is a signed CFE waiting for an envelope.
type Unsent struct {
	InvoiceID int64
	Issuer    string // the issuer's code: one RUT and certificate
	Type      int    // the CFE type (101, 111…)
	XML       string
	// Alone: sent in an envelope of its own — an e-Ticket above the UI threshold, which DGI
	// takes "uno a uno en oportunidad de la emisión" (ReporteDiarioCFE.xsd, CantDocsMay_topeUI).
	Alone bool
}

// PackEnvelopes groups CFE into envelopes: one issuer and one CFE type each, at most limit
// (at most EnvelopeLimit) in each, in the order given; a CFE to be sent alone in its own.
func PackEnvelopes(docs []Unsent, limit int) [][]Unsent {
	if limit < 1 || limit > EnvelopeLimit {
		limit = EnvelopeLimit
	}
	type key struct {
		issuer string
		tipo   int
	}
	open := map[key]int{} // the group still taking CFE, by key
	var out [][]Unsent
	for _, d := range docs {
		if d.Alone {
			out = append(out, []Unsent{d})
			continue
		}
		k := key{d.Issuer, d.Type}
		i, ok := open[k]
		if !ok || len(out[i]) >= limit {
			out = append(out, nil)
			i = len(out) - 1
			open[k] = i
		}
		out[i] = append(out[i], d)
	}
	return out
}

// BuildEnvelope writes envelope number id, made at created, carrying the signed CFE in
// order: they must share the issuer's RUT and certificate. It is held to DGI's schema.
func BuildEnvelope(ctx context.Context, id int64, created time.Time, cfes []string) (string, error) {
	if len(cfes) == 0 {
		return "", fmt.Errorf("an envelope carries 1 to %d CFE, not 0", EnvelopeLimit)
	}
	first, err := envelopeOf(cfes[0])
	if err != nil {
		return "", err
	}
	for i, c := range cfes[1:] {
		e, err := envelopeOf(c)
		if err != nil {
			return "", fmt.Errorf("CFE %d of the envelope: %w", i+2, err)
		}
		if e.IssuerRUT != first.IssuerRUT || !bytes.Equal(e.CertDER, first.CertDER) {
			return "", fmt.Errorf("CFE %d of the envelope is RUT %s's, signed with another certificate than the first (RUT %s): an envelope is one issuer's",
				i+2, e.IssuerRUT, first.IssuerRUT)
		}
	}
	env := Envelope{IssuerRUT: first.IssuerRUT, ID: id, Created: created.In(montevideo).Truncate(time.Second), CertDER: first.CertDER, CFE: cfes}
	xml, err := env.XML()
	if err != nil {
		return "", err
	}
	return xml, ValidateEnvelope(ctx, xml)
}

// SendEnvelope hands a recorded envelope to DGI, byte for byte as recorded (a retry after a
// lost answer sends the same envelope under the same number), and reads DGI's ACKSobre:
// received with a token, or rejected (the receipt says why). DGI out of reach is an error to
// retry; an answer that cannot be read is a refusal.
func (p Profile) SendEnvelope(ctx context.Context, xml string, cred fiscal.Credentials) (string, Receipt, error) {
	if p.DGI == nil {
		return "", Receipt{}, &fiscal.Refusal{Reason: "no DGI web service is configured (DGI_URL): the CFE cannot be sent"}
	}
	who, err := identity(cred)
	if err != nil {
		return "", Receipt{}, err
	}
	sobre, err := p.DGI.Receive(ctx, who, xml)
	if err != nil {
		return "", Receipt{}, err
	}
	r, err := ReadEnvelopeReceipt(ctx, sobre, p.DGICert)
	if err != nil {
		return "", r, refusalUnlessEnvironment(err)
	}
	return sobre, r, nil
}

// EnvelopeAnswers asks DGI, with the token of its ACKSobre, for the answers to a received
// envelope's CFE: DGI's ACKCFE and each CFE's answer by its place in the envelope. Before
// DGI has processed the envelope the error wraps ErrNotReady (ask again later); before the
// time the ACKSobre gave, DGI is not asked (a *NotReady says until when).
func (p Profile) EnvelopeAnswers(ctx context.Context, ackSobre string, cred fiscal.Credentials) (string, map[int]Answer, error) {
	if p.DGI == nil {
		return "", nil, &fiscal.Refusal{Reason: "no DGI web service is configured (DGI_URL): the CFE's answers cannot be asked for"}
	}
	who, err := identity(cred)
	if err != nil {
		return "", nil, err
	}
	r, err := ReadEnvelopeReceipt(ctx, ackSobre, p.DGICert)
	if err != nil {
		return "", nil, refusalUnlessEnvironment(err)
	}
	if at, wait := r.WaitUntil(p.now()); wait {
		return "", nil, &NotReady{ReceptorID: r.ReceptorID, At: at}
	}
	ack, err := p.DGI.Status(ctx, who, r.ReceptorID, r.Token)
	if err != nil {
		return "", nil, fmt.Errorf("DGI received the envelope (number %d at DGI, %s) but its answer to the CFE is not in yet: %w", r.ReceptorID, r.ReceivedAt, err)
	}
	answers, err := ReadAck(ctx, ack, p.DGICert)
	if err != nil {
		return "", nil, refusalUnlessEnvironment(err)
	}
	byPlace := map[int]Answer{}
	for _, a := range answers {
		byPlace[a.Ordinal] = a
	}
	return ack, byPlace, nil
}

// Stamped is doc stamped by DGI's answer a to it, ack the ACKCFE that holds it.
func Stamped(doc fiscal.Document, a Answer, ack string) fiscal.Document {
	doc.StampedAt = a.ReceivedAt
	doc.StampCertificate = "respuesta " + a.ResponseID + ", " + a.Signer
	doc.AuthorityAck = ack
	return doc
}

// answerFor is the ACKCFE_Det of one CFE in an answer that may hold many: the one naming
// its type, series and number, else the only one.
func answerFor(root *etree.Element, tipo int, serie string, nro int64) *etree.Element {
	dets := root.SelectElements("ACKCFE_Det")
	for _, d := range dets {
		if text(d, "TipoCFE") == fmt.Sprint(tipo) && text(d, "Serie") == serie && text(d, "NroCFE") == fmt.Sprint(nro) {
			return d
		}
	}
	if len(dets) == 1 {
		return dets[0]
	}
	return nil
}
