// Package dgisandbox is billrun's sandbox DGI receiver, for the demo and the tests. It is
// NOT DGI: nothing it receives reaches DGI. It takes an EnvioCFE as billrun's cfe.HTTPSender
// posts it, checks what DGI's reception checks that it can (the envelope against DGI's
// schema, each CFE's signature against the envelope's certificate, the issuer's RUT, a
// line at least, the same type, series and number never received with other content) and
// answers an ACKCFE (DGI's acknowledgement format) signed with a certificate of its own,
// made in its folder on first start. A CFE received again is answered as the first time.
package dgisandbox

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"billrun/internal/fiscal/cfe"
	"billrun/internal/sandboxkey"
)

// Server is a sandbox DGI receiver.
type Server struct {
	Now func() time.Time
	// Shared says several billrun databases (the tests') send here, each numbering from 1
	// for the same test RUT: a number received before with other content is taken as new
	// (the latest kept), not refused E03 as DGI would.
	Shared bool

	dir      string
	key      *rsa.PrivateKey
	cert     *x509.Certificate
	mu       sync.Mutex
	received map[string]record // by "RUT-type-series-number"
	log      *os.File          // received.jsonl: one line per CFE received the first time
}

// record is what the receiver keeps of a CFE it answered.
type record struct {
	Key        string    `json:"key"`
	Digest     string    `json:"digest"` // of the CFE as received
	State      string    `json:"state"`
	Motivo     string    `json:"motivo,omitempty"`
	Glosa      string    `json:"glosa,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	ResponseID int64     `json:"response_id"`
	At         time.Time `json:"at"`
}

// New opens a receiver whose key, certificate and log live in dir.
func New(dir string) (*Server, error) {
	s := &Server{Now: time.Now, dir: dir, received: map[string]record{}}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := s.loadOrMakeCertificate(); err != nil {
		return nil, err
	}
	name := filepath.Join(dir, "dgi-received.jsonl")
	if raw, err := os.ReadFile(name); err == nil {
		for i, line := range bytes.Split(raw, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var r record
			if err := json.Unmarshal(line, &r); err != nil {
				return nil, fmt.Errorf("%s line %d: %w", name, i+1, err)
			}
			s.received[r.Key] = r
		}
	}
	var err error
	s.log, err = os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	return s, err
}

// Close closes the log.
func (s *Server) Close() error { return s.log.Close() }

// CertFile is the receiver's certificate (DER): what verifies its acknowledgements.
func (s *Server) CertFile() string { return filepath.Join(s.dir, "dgi-sandbox.cer") }

// Certificate is the receiver's certificate.
func (s *Server) Certificate() *x509.Certificate { return s.cert }

func (s *Server) loadOrMakeCertificate() error {
	now := time.Now()
	var err error
	s.key, s.cert, err = sandboxkey.LoadOrMake(filepath.Join(s.dir, "dgi-sandbox.key.pem"), s.CertFile(), &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "billrun sandbox DGI - NOT DGI", Organization: []string{"billrun sandbox"}, Country: []string{"UY"}},
		NotBefore:    now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature})
	return err
}

// Rejection reasons (DGI's codes and wording, RechazoCFE_DGIType).
var (
	e02 = [2]string{"E02", "No cumple validaciones de Formato comprobantes"}
	e03 = [2]string{"E03", "Tipo y Nº de CFE ya existe en los registros"}
	e05 = [2]string{"E05", "Firma electrónica no es válida"}
	e08 = [2]string{"E08", "No coincide RUC de CFE y Complemento Fiscal"}
)

// ServeHTTP receives one envelope and answers its ACKCFE.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST an EnvioCFE", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ack, err := s.Receive(r.Context(), string(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	_, _ = io.WriteString(w, ack)
}

// Receive checks an envelope and answers its signed ACKCFE.
func (s *Server) Receive(ctx context.Context, envelope string) (string, error) {
	if err := cfe.ValidateEnvelope(ctx, envelope); err != nil {
		return "", err // DGI answers such an envelope with a rejected ACKSobre; here, a 400
	}
	env, err := cfe.OpenEnvelope(envelope)
	if err != nil {
		return "", err
	}
	cert, err := x509.ParseCertificate(env.CertDER)
	if err != nil {
		return "", fmt.Errorf("the envelope's certificate: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	var answers []record
	for _, x := range env.CFE {
		rec, err := s.check(x, env.IssuerRUT, cert, now)
		if err != nil {
			return "", err
		}
		answers = append(answers, rec)
	}
	return s.ack(ctx, env, answers, now)
}

// check answers one CFE, once: received again with the same content, the first answer.
func (s *Server) check(xml, rut string, cert *x509.Certificate, now time.Time) (record, error) {
	doc := etree.NewDocument()
	_ = doc.ReadFromString(xml)
	t := func(path string) string {
		if e := doc.FindElement(path); e != nil {
			return strings.TrimSpace(e.Text())
		}
		return ""
	}
	sum := sha256.Sum256([]byte(xml))
	rec := record{Key: strings.Join([]string{t("//Emisor/RUCEmisor"), t("//IdDoc/TipoCFE"), t("//IdDoc/Serie"), t("//IdDoc/Nro")}, "-"),
		Digest: hex.EncodeToString(sum[:]), State: cfe.AckReceived, At: now}
	if prev, ok := s.received[rec.Key]; ok {
		if prev.Digest == rec.Digest {
			return prev, nil
		}
		if !s.Shared {
			return reject(rec, e03, "received before with other content, on "+prev.At.Format(time.RFC3339)), nil
		}
	}
	verified := cfe.Verify(xml, cert)
	switch {
	case verified != nil:
		rec = reject(rec, e05, verified.Error())
	case t("//Emisor/RUCEmisor") != rut:
		rec = reject(rec, e08, "the CFE's RUCEmisor is not the envelope's")
	case len(doc.FindElements("//Detalle/Item")) == 0:
		rec = reject(rec, e02, "no line")
	}
	rec.ResponseID = int64(len(s.received) + 1)
	if rec.State == cfe.AckReceived {
		// Only what is received is kept: a rejected CFE may be corrected and sent again.
		line, err := json.Marshal(rec)
		if err != nil {
			return rec, err
		}
		if _, err := s.log.Write(append(line, '\n')); err != nil {
			return rec, fmt.Errorf("sandbox DGI: recording what it received: %w", err) // answered again the same only if kept
		}
		s.received[rec.Key] = rec
	}
	return rec, nil
}

func reject(r record, why [2]string, detail string) record {
	r.State, r.Motivo, r.Glosa = cfe.AckRejected, why[0], why[1]
	if len(detail) > 500 {
		detail = detail[:500]
	}
	r.Detail = detail
	return r
}

// ack writes and signs the ACKCFE.
func (s *Server) ack(ctx context.Context, env cfe.Envelope, answers []record, now time.Time) (string, error) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := doc.CreateElement("ACKCFE")
	root.CreateAttr("xmlns", cfe.NS)
	root.CreateAttr("version", "1.0")
	el := func(parent *etree.Element, tag, v string) { parent.CreateElement(tag).SetText(v) }
	accepted := 0
	for _, a := range answers {
		if a.State == cfe.AckReceived {
			accepted++
		}
	}
	c := root.CreateElement("Caratula")
	el(c, "RUCReceptor", cfe.DGIRUT)
	el(c, "RUCEmisor", env.IssuerRUT)
	el(c, "IDRespuesta", fmt.Sprint(answers[0].ResponseID))
	el(c, "NomArch", fmt.Sprintf("Sob_%s_%d", env.IssuerRUT, env.ID))
	el(c, "FecHRecibido", answers[0].At.Format(time.RFC3339))
	el(c, "IDEmisor", fmt.Sprint(env.ID))
	el(c, "IDReceptor", fmt.Sprint(answers[0].ResponseID))
	el(c, "CantenSobre", fmt.Sprint(len(answers)))
	el(c, "CantResponden", fmt.Sprint(len(answers)))
	el(c, "CantCFEAceptados", fmt.Sprint(accepted))
	el(c, "CantCFERechazados", fmt.Sprint(len(answers)-accepted))
	el(c, "Tmst", now.Format(time.RFC3339))
	for i, a := range answers {
		d := root.CreateElement("ACKCFE_Det")
		el(d, "Nro_ordinal", fmt.Sprint(i+1))
		el(d, "Estado", a.State)
		if a.State == cfe.AckRejected {
			m := d.CreateElement("MotivosRechazoCF")
			el(m, "Motivo", a.Motivo)
			el(m, "Glosa", a.Glosa)
			if a.Detail != "" {
				el(m, "Detalle", a.Detail)
			}
		}
	}
	signer, err := dsig.NewSigningContext(s.key, [][]byte{s.cert.Raw})
	if err != nil {
		return "", err
	}
	signer.Canonicalizer = dsig.MakeC14N10RecCanonicalizer()
	if err := signer.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return "", err
	}
	signed, err := signer.SignEnveloped(root)
	if err != nil {
		return "", err
	}
	doc.SetRoot(signed)
	out, err := doc.WriteToString()
	if err != nil {
		return "", err
	}
	if err := cfe.ValidateAck(ctx, out); err != nil {
		return "", errors.New("sandbox DGI wrote an invalid ACKCFE: " + err.Error())
	}
	return out, nil
}
