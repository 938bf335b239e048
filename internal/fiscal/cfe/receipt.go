package cfe

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// States of DGI's answers to a sending as a whole: an envelope (EstadoACKSobreType) and a
// daily report (EstadoACKRepType).
const (
	EnvelopeReceived = "AS" // sobre recibido: its CFE's answer is asked later, with the token
	EnvelopeRejected = "BS" // sobre rechazado
	FileRejected     = "BA" // archivo rechazado
	ReportReceived   = "AR" // reporte recibido
	ReportRejected   = "BR" // reporte rechazado
)

// Receipt is DGI's answer to a sending (an ACKSobre or an ACKRepDiario): its state, the
// reasons of a rejection, and — for an envelope received — how to ask for its CFE's answer.
type Receipt struct {
	State      string
	Reasons    []string // "S02 No coincide RUC de Sobre, Certificado, envío o CFE: detail"
	ReceptorID int64    // DGI's number for the sending (IDReceptor)
	EmitterID  int64    // the issuer's number for it (IDEmisor)
	ReceivedAt string   // FecHRecibido
	Token      string   // ParamConsulta/Token: what the status query presents
	AskAfter   string   // ParamConsulta/Fechahora: from when the CFE's answer may be asked
	Signer     string
}

// AskAt is when DGI said the CFE's answer may be asked (Fechahora, an xs:dateTime: with
// its zone, or Montevideo's when it has none); false when it gave none that reads.
func (r Receipt) AskAt() (time.Time, bool) {
	if r.AskAfter == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, r.AskAfter); err == nil {
		return t, true
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05", r.AskAfter, montevideo)
	return t, err == nil
}

// askWithin is the longest wait for DGI's answer billrun takes from a Fechahora: one
// further off (a wrong zone, a garbage year) is asked for anyway, with backoff.
const askWithin = time.Hour

// WaitUntil is the time DGI said to ask for the CFE's answers, when it is still ahead of now
// (and within askWithin); false when DGI may be asked now.
func (r Receipt) WaitUntil(now time.Time) (time.Time, bool) {
	at, ok := r.AskAt()
	return at, ok && now.Before(at) && at.Sub(now) <= askWithin
}

// HeldAlready says DGI rejected the envelope as one it holds already (S08 "Sobre enviado ya
// existe en los registros de DGI"): sent again after the answer to its first sending was
// lost. DGI holds its CFE; the token to ask for their answer is what was lost.
func (r Receipt) HeldAlready() bool {
	return r.State == EnvelopeRejected && slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.HasPrefix(s, "S08") })
}

// Reason is a rejection's reasons in one line.
func (r Receipt) Reason() string { return strings.Join(r.Reasons, "; ") }

// ReadEnvelopeReceipt reads an ACKSobre: valid against DGI's schema and, when cert is given,
// signed by it.
func ReadEnvelopeReceipt(ctx context.Context, xml string, cert *x509.Certificate) (Receipt, error) {
	if err := ValidateSobreAck(ctx, xml); err != nil {
		return Receipt{}, fmt.Errorf("DGI's answer to the envelope: %w", err)
	}
	return readReceipt(xml, cert, "ACKSobre")
}

// ReadReportReceipt reads an ACKRepDiario: valid against DGI's schema and, when cert is
// given, signed by it.
func ReadReportReceipt(ctx context.Context, xml string, cert *x509.Certificate) (Receipt, error) {
	if err := ValidateReportAck(ctx, xml); err != nil {
		return Receipt{}, fmt.Errorf("DGI's answer to the daily report: %w", err)
	}
	return readReceipt(xml, cert, "ACKRepDiario")
}

func readReceipt(xml string, cert *x509.Certificate, root string) (Receipt, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return Receipt{}, err
	}
	if doc.Root() == nil || doc.Root().Tag != root {
		return Receipt{}, fmt.Errorf("DGI's answer is not an %s", root)
	}
	if err := verifyAnswer(doc, cert); err != nil {
		return Receipt{}, err
	}
	c, d := doc.Root().SelectElement("Caratula"), doc.Root().SelectElement("Detalle")
	r := Receipt{State: text(d, "Estado"), ReceivedAt: text(c, "FecHRecibido"), Signer: signerName(doc)}
	fmt.Sscan(text(c, "IDReceptor"), &r.ReceptorID)
	fmt.Sscan(text(c, "IDEmisor"), &r.EmitterID)
	if p := d.SelectElement("ParamConsulta"); p != nil {
		r.Token, r.AskAfter = text(p, "Token"), text(p, "Fechahora")
	}
	for _, m := range d.SelectElements("MotivosRechazo") {
		why := text(m, "Motivo") + " " + text(m, "Glosa")
		if det := text(m, "Detalle"); det != "" {
			why += ": " + det
		}
		r.Reasons = append(r.Reasons, why)
	}
	return r, nil
}

// verifyAnswer checks an answer's enveloped signature with DGI's certificate (pinned, not
// one the answer carries); nil cert skips it.
func verifyAnswer(doc *etree.Document, cert *x509.Certificate) error {
	if cert == nil {
		return nil
	}
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	if _, err := ctx.Validate(doc.Root()); err != nil {
		return fmt.Errorf("DGI's answer is not signed by DGI's certificate: %w", err)
	}
	return nil
}

// IsHeldAlready says whether a stored answer is an ACKSobre that refused an envelope as one
// DGI holds already (S08): its CFE were received in an envelope whose answer was lost.
func IsHeldAlready(xml string) bool {
	r, err := readReceipt(xml, nil, "ACKSobre") // checked when it was received
	return err == nil && r.HeldAlready()
}

// IsEnvelopeReceipt says whether a stored answer is an ACKSobre that received the envelope
// (AS): its CFE's answer is still to be asked, with its token.
func IsEnvelopeReceipt(xml string) bool {
	doc := etree.NewDocument()
	if xml == "" || doc.ReadFromString(xml) != nil || doc.Root() == nil || doc.Root().Tag != "ACKSobre" {
		return false
	}
	d := doc.Root().SelectElement("Detalle")
	return d != nil && text(d, "Estado") == EnvelopeReceived
}
