package cfe

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// An electronic receiver answers the exchange envelope it got (EnvioCFE_entreEmpresas) with
// its own acknowledgement of each CFE: an ACKCFE of DGI's schema ACKCFE_Partes.xsd, signed
// with the receiver's certificate — received (AE), rejected (BE, with its reasons: E20
// price differences…) or, for a contingency document, observed (CE).

// Receiver acknowledgement states beyond DGI's AE and BE.
const AckObserved = "CE" // comprobante observado (a CFC)

// ReceiverAck is a receiver's acknowledgement, read.
type ReceiverAck struct {
	ReceiverRUT, IssuerRUT string // RUCReceptor (who answers) and RUCEmisor (whose CFE)
	ResponseID             string // IDRespuesta: the receiver's number for its answer
	ReceivedAt             string // FecHRecibido
	Items                  []ReceiverAckItem
}

// ReceiverAckItem is the answer to one CFE.
type ReceiverAckItem struct {
	Ordinal int
	Type    int
	Series  string
	Number  int64
	State   string
	Reasons []string
}

// Name is how an item is named: its place in the answer and its CFE.
func (i ReceiverAckItem) Name() string {
	return fmt.Sprintf("ACKCFE_Det %d (%d %s %d)", i.Ordinal, i.Type, i.Series, i.Number)
}

// ReadReceiverAck reads a receiver's acknowledgement: it must validate against DGI's
// ACKCFE_Partes.xsd, its signature verify with the certificate it carries, that certificate
// name the answering RUT (serialNumber RUC…), and each answer name its CFE (type, series,
// number). A refusal is fiscal.ErrFiscal's kind: the file is not recorded.
func ReadReceiverAck(ctx context.Context, xml string) (ReceiverAck, error) {
	var a ReceiverAck
	if err := validateAgainst(ctx, "ACKCFE_Partes.xsd", xml); err != nil {
		return a, fmt.Errorf("the receiver's acknowledgement: %w", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return a, err
	}
	cover := doc.Root().SelectElement("Caratula")
	a = ReceiverAck{ReceiverRUT: text(cover, "RUCReceptor"), IssuerRUT: text(cover, "RUCEmisor"),
		ResponseID: text(cover, "IDRespuesta"), ReceivedAt: text(cover, "FecHRecibido")}
	cert, err := carriedCertificate(doc)
	if err != nil {
		return a, err
	}
	if err := Verify(xml, cert); err != nil {
		return a, fmt.Errorf("the receiver's acknowledgement's signature: %w", err)
	}
	if ruc := strings.TrimPrefix(cert.Subject.SerialNumber, "RUC"); ruc != a.ReceiverRUT {
		return a, fmt.Errorf("the acknowledgement is signed by RUC %q's certificate, not its RUCReceptor %s's", ruc, a.ReceiverRUT)
	}
	for _, d := range doc.Root().SelectElements("ACKCFE_Det") {
		it := ReceiverAckItem{Series: text(d, "Serie"), State: text(d, "Estado")}
		fmt.Sscan(text(d, "Nro_ordinal"), &it.Ordinal)
		fmt.Sscan(text(d, "TipoCFE"), &it.Type)
		fmt.Sscan(text(d, "NroCFE"), &it.Number)
		if it.Type == 0 || it.Series == "" || it.Number == 0 {
			return a, fmt.Errorf("ACKCFE_Det %d names no CFE (TipoCFE, Serie, NroCFE): billrun finds a CFE by them", it.Ordinal)
		}
		for _, m := range d.SelectElements("MotivosRechazoCF") {
			it.Reasons = append(it.Reasons, strings.TrimSpace(text(m, "Motivo")+" "+text(m, "Glosa")))
		}
		a.Items = append(a.Items, it)
	}
	return a, nil
}

// carriedCertificate is the certificate a signed document carries in its KeyInfo.
func carriedCertificate(doc *etree.Document) (*x509.Certificate, error) {
	e := doc.FindElement("//Signature/KeyInfo/X509Data/X509Certificate")
	if e == nil {
		return nil, fmt.Errorf("the acknowledgement's signature carries no certificate")
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(e.Text()), ""))
	if err != nil {
		return nil, fmt.Errorf("the acknowledgement's certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// AckTarget is a CFE of the issuer a receiver's answer may name, as stored.
type AckTarget struct {
	InvoiceID   int64
	ReceiverRUT string // its customer's RUT
}

// AckKey is how an answer names a CFE of the issuer.
type AckKey struct {
	Type   int
	Series string
	Number int64
}

// AckRecording is an answer to record against its invoice.
type AckRecording struct {
	InvoiceID int64
	Item      ReceiverAckItem
}

// MatchReceiverAck holds each answer to the CFE it names (targets: the issuer's CFE the
// answer names, found): the CFE must exist and be addressed to the answering RUT. It
// answers what to record, or every problem, naming the answer.
func MatchReceiverAck(a ReceiverAck, targets map[AckKey]AckTarget) ([]AckRecording, []string) {
	var out []AckRecording
	var probs []string
	for _, it := range a.Items {
		t, ok := targets[AckKey{it.Type, it.Series, it.Number}]
		switch {
		case !ok:
			probs = append(probs, fmt.Sprintf("%s: no CFE of issuer RUT %s has this type, series and number", it.Name(), a.IssuerRUT))
		case t.ReceiverRUT != a.ReceiverRUT:
			probs = append(probs, fmt.Sprintf("%s: the CFE is addressed to RUT %s, not to the answering RUT %s", it.Name(), t.ReceiverRUT, a.ReceiverRUT))
		default:
			out = append(out, AckRecording{InvoiceID: t.InvoiceID, Item: it})
		}
	}
	return out, probs
}
