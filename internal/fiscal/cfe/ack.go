package cfe

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// Ack states of a CFE in DGI's acknowledgement (EstadoACKCFEType).
const (
	AckReceived = "AE" // comprobante recibido: accepted
	AckRejected = "BE" // comprobante rechazado
)

// Answer is DGI's acknowledgement of one CFE: its state and, when rejected, the reasons
// (code and DGI's wording).
type Answer struct {
	Ordinal    int
	State      string
	Reasons    []string
	ResponseID string // DGI's number for its answer (IDRespuesta)
	ReceivedAt string // when DGI received the envelope (FecHRecibido)
	Signer     string // the common name of the certificate the answer carries
}

// HeldAlready says DGI rejected the CFE as one it holds already (E03 "Tipo y Nº de CFE ya
// existe en los registros"): for a CFE billrun sent before in an envelope DGI holds (S08),
// DGI's record of the CFE itself.
func (a Answer) HeldAlready() bool {
	return a.State != AckReceived && slices.ContainsFunc(a.Reasons, func(s string) bool { return strings.HasPrefix(s, "E03") })
}

// ReadAck reads an ACKCFE: it must validate against DGI's schema and, when cert is given,
// its signature must verify with it (pinned, not a certificate the answer carries).
func ReadAck(ctx context.Context, xml string, cert *x509.Certificate) ([]Answer, error) {
	if err := ValidateAck(ctx, xml); err != nil {
		return nil, fmt.Errorf("DGI's answer: %w", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return nil, err
	}
	if err := verifyAnswer(doc, cert); err != nil {
		return nil, err
	}
	root := doc.Root()
	cover := root.SelectElement("Caratula")
	signer := signerName(doc)
	var answers []Answer
	for _, d := range root.SelectElements("ACKCFE_Det") {
		a := Answer{State: text(d, "Estado"), ResponseID: text(cover, "IDRespuesta"), ReceivedAt: text(cover, "FecHRecibido"), Signer: signer}
		fmt.Sscan(text(d, "Nro_ordinal"), &a.Ordinal)
		for _, m := range d.SelectElements("MotivosRechazoCF") {
			a.Reasons = append(a.Reasons, text(m, "Motivo")+" "+text(m, "Glosa"))
		}
		answers = append(answers, a)
	}
	return answers, nil
}

// Reason is a rejection's reasons in one line.
func (a Answer) Reason() string { return strings.Join(a.Reasons, "; ") }
