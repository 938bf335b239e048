package cfe

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
)

// Stamp sends the signed CFE to DGI in an envelope of its own and reads DGI's answers: the
// envelope's (ACKSobre: received with a token, or rejected) and then, asked with that
// token, the CFE's (ACKCFE). Accepted (AE), the document is stamped with the answer kept; a
// rejected envelope or CFE is a refusal naming DGI's reasons, its answer kept. An envelope
// DGI received but has not answered for yet is Pending with its ACKSobre: the caller keeps
// it as the document's AuthorityAck, and the next Stamp asks with its token instead of
// sending again. Requests are signed with the issuer's certificate (WS-Security).
func (p Profile) Stamp(ctx context.Context, doc fiscal.Document, cred fiscal.Credentials) (fiscal.Document, error) {
	if p.DGI == nil {
		return doc, &fiscal.Refusal{Reason: "no DGI web service is configured (DGI_URL): the CFE cannot be sent"}
	}
	who, err := identity(cred)
	if err != nil {
		return doc, err
	}
	sobre, held := doc.AuthorityAck, false
	if !IsEnvelopeReceipt(sobre) {
		if sobre, held, err = p.send(ctx, who, doc); err != nil {
			return doc, err
		}
		// E03 is DGI's record of the CFE only when DGI held the envelope it went in before
		// (S08) and never answered the CFE itself as rejected.
		held = held && !isAnswer(doc.AuthorityAck)
	}
	r, err := ReadEnvelopeReceipt(ctx, sobre, p.DGICert)
	if err != nil {
		return doc, refusalUnlessEnvironment(err)
	}
	if at, wait := r.WaitUntil(p.now()); wait {
		why := fmt.Sprintf("DGI received the envelope (number %d at DGI, %s) and said to ask for its answer from %s on", r.ReceptorID, r.ReceivedAt, r.AskAfter)
		return doc, &fiscal.Pending{Reason: why, AuthorityAck: sobre, Err: ErrNotReady, RetryAt: at}
	}
	ack, err := p.DGI.Status(ctx, who, r.ReceptorID, r.Token)
	if err != nil {
		why := fmt.Sprintf("DGI received the envelope (number %d at DGI, %s) but its answer to the CFE is not in yet: %v", r.ReceptorID, r.ReceivedAt, err)
		return doc, &fiscal.Pending{Reason: fiscal.Clip(why), AuthorityAck: sobre, Err: err}
	}
	answers, err := ReadAck(ctx, ack, p.DGICert)
	if err != nil {
		return doc, refusalUnlessEnvironment(err)
	}
	if len(answers) != 1 {
		return doc, &fiscal.Refusal{Reason: fmt.Sprintf("DGI answered %d CFE for an envelope of one", len(answers)), AuthorityAck: ack}
	}
	a := answers[0]
	if a.State != AckReceived && !(held && a.HeldAlready()) { // E03 after S08: DGI's record of it
		return doc, &fiscal.Refusal{Reason: fmt.Sprintf("DGI rejected the CFE (%s): %s", a.State, fiscal.Clip(a.Reason())), AuthorityAck: ack}
	}
	return Stamped(doc, a, ack), nil
}

// isAnswer says a stored answer is DGI's answer to CFE (an ACKCFE), not to an envelope.
func isAnswer(xml string) bool {
	doc := etree.NewDocument()
	return xml != "" && doc.ReadFromString(xml) == nil && doc.Root() != nil && doc.Root().Tag == "ACKCFE"
}

// heldResends is how many times a CFE sent alone goes in an envelope of another number after
// DGI answered that it holds the last one already (S08: the answer to its first sending was
// lost): each envelope number is type×10⁷+number plus 2×10⁹ per resend, within Idemisor's
// ten digits.
const heldResends = 4

// send hands the CFE's envelope to DGI and answers DGI's ACKSobre when it received it, and
// whether an envelope of it was held by DGI already (S08); a rejected envelope is a refusal.
func (p Profile) send(ctx context.Context, who Identity, doc fiscal.Document) (string, bool, error) {
	env, err := envelopeOf(doc.XML)
	if err != nil {
		return "", false, &fiscal.Refusal{Reason: err.Error()}
	}
	for k := 0; ; k++ {
		xml, err := env.XML()
		if err != nil {
			return "", false, &fiscal.Refusal{Reason: err.Error()}
		}
		if err := ValidateEnvelope(ctx, xml); err != nil {
			return "", false, refusalUnlessEnvironment(err)
		}
		sobre, err := p.DGI.Receive(ctx, who, xml)
		if err != nil {
			return "", false, err // transient: send again
		}
		r, err := ReadEnvelopeReceipt(ctx, sobre, p.DGICert)
		if err != nil {
			return "", false, refusalUnlessEnvironment(err)
		}
		if r.HeldAlready() && k < heldResends {
			env.ID += 2_000_000_000
			continue
		}
		if r.State != EnvelopeReceived {
			return "", false, &fiscal.Refusal{Reason: fmt.Sprintf("DGI rejected the envelope (%s): %s", r.State, fiscal.Clip(r.Reason())), AuthorityAck: sobre}
		}
		return sobre, k > 0, nil
	}
}

// identity loads the issuer's key and certificate, which sign its requests to DGI.
func identity(cred fiscal.Credentials) (Identity, error) {
	if cred.CertPath == "" {
		return Identity{}, &fiscal.Refusal{Reason: "the issuer has no certificate and key configured: its requests to DGI cannot be signed"}
	}
	cert, key, err := fiscal.LoadKeyPair(cred.CertPath, cred.KeyPath, cred.Password)
	if errors.Is(err, fiscal.ErrCredentials) {
		return Identity{}, &fiscal.Refusal{Reason: err.Error()}
	}
	if err != nil {
		return Identity{}, err
	}
	return Identity{Key: key, CertDER: cert.Raw}, nil
}

// envelopeOf is the envelope a stored CFE is sent in: numbered by its type and number,
// dated when it was signed, with the certificate it carries.
func envelopeOf(xml string) (Envelope, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return Envelope{}, err
	}
	t := func(path string) string {
		if e := doc.FindElement(path); e != nil {
			return strings.TrimSpace(e.Text())
		}
		return ""
	}
	var tipo, nro int64
	fmt.Sscan(t("//IdDoc/TipoCFE"), &tipo)
	fmt.Sscan(t("//IdDoc/Nro"), &nro)
	signed, err := time.Parse(time.RFC3339, t("//TmstFirma"))
	if err != nil {
		return Envelope{}, fmt.Errorf("the CFE's TmstFirma: %w", err)
	}
	cert, err := base64.StdEncoding.DecodeString(t("//Signature/KeyInfo/X509Data/X509Certificate"))
	if err != nil || len(cert) == 0 {
		return Envelope{}, fmt.Errorf("the CFE carries no signing certificate")
	}
	return Envelope{IssuerRUT: t("//Emisor/RUCEmisor"), ID: tipo*10_000_000 + nro, Created: signed, CertDER: cert, CFE: []string{xml}}, nil
}
