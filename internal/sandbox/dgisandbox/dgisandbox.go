// Package dgisandbox is billrun's sandbox DGI, for the demo and the tests. It is NOT DGI:
// nothing it receives reaches DGI. It speaks DGI's WS_eFactura as DGI publishes it — SOAP
// 1.1, requests signed with WS-Security, the operations EFACRECEPCIONSOBRE (an EnvioCFE,
// answered by an ACKSobre with a token), EFACCONSULTARESTADOENVIO (the envelope's number
// and token, answered by the ACKCFE of its CFE) and EFACRECEPCIONREPORTE (a daily report,
// answered by an ACKRepDiario) — and checks what DGI's reception checks that it can: the
// request's WS-Security signature, the certificate's RUT, the envelope and report against
// DGI's schemas, each CFE's signature and CAE range, the same type, series and number never
// received with other content. Its answers are DGI's documents, signed with a certificate
// of its own (made in its folder on first start) and sent back in signed SOAP.
package dgisandbox

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
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

// Server is a sandbox DGI.
type Server struct {
	Now func() time.Time
	// Shared says several billrun databases (the tests') send here, each numbering from 1
	// for the same test RUT: a number received before with other content is taken as new
	// (the latest kept), not refused E03 as DGI would; and each reports its days from
	// sequence 1, so a daily report's SecEnvio is not held to the day's last one received.
	Shared bool
	// AnswerAfter is how long after an envelope's reception its CFE's answer is ready
	// (ParamConsulta/Fechahora); asked before, the answer is an empty ACKCFE.
	AnswerAfter time.Duration

	dir      string
	key      *rsa.PrivateKey
	cert     *x509.Certificate
	mu       sync.Mutex
	received map[string]record    // CFE received, by "RUT-type-series-number"
	sendings map[int64]sending    // envelopes and reports, by DGI's number (IDReceptor)
	refuse   map[string][2]string // CFE to refuse when received, by key: a test's control
	log      *os.File             // dgi-received.jsonl: one line per CFE received the first time
	journal  *os.File             // dgi-sendings.jsonl: one line per envelope or report answered
}

// New opens a sandbox DGI whose key, certificate and logs live in dir.
func New(dir string) (*Server, error) {
	s := &Server{Now: time.Now, dir: dir, received: map[string]record{}, sendings: map[int64]sending{}, refuse: map[string][2]string{}}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := s.loadOrMakeCertificate(); err != nil {
		return nil, err
	}
	var err error
	if s.log, err = replay(filepath.Join(dir, "dgi-received.jsonl"), func(r record) { s.received[r.Key] = r }); err != nil {
		return nil, err
	}
	s.journal, err = replay(filepath.Join(dir, "dgi-sendings.jsonl"), func(x sending) { s.sendings[x.ID] = x })
	return s, err
}

// replay reads a JSON-lines log into keep and opens it to append.
func replay[T any](name string, keep func(T)) (*os.File, error) {
	if raw, err := os.ReadFile(name); err == nil {
		for i, line := range bytes.Split(raw, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var v T
			if err := json.Unmarshal(line, &v); err != nil {
				return nil, fmt.Errorf("%s line %d: %w", name, i+1, err)
			}
			keep(v)
		}
	}
	return os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
}

func appendJSON(f *os.File, v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("sandbox DGI: recording: %w", err)
	}
	return nil
}

// Close closes the logs.
func (s *Server) Close() error { return errors.Join(s.log.Close(), s.journal.Close()) }

// CertFile is the sandbox's certificate (DER): what verifies its answers.
func (s *Server) CertFile() string { return filepath.Join(s.dir, "dgi-sandbox.cer") }

// Certificate is the sandbox's certificate.
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

// ServeHTTP answers one WS_eFactura request: its WS-Security signature must verify, its
// SOAPAction name its operation; the answer is the operation's document in signed SOAP. A
// request that cannot be taken is answered with a SOAP Fault (HTTP 500).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a WS_eFactura SOAP request", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, code, msg := s.Answer(r.Context(), r.Header.Get("SOAPAction"), string(body))
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	if out == "" {
		w.WriteHeader(http.StatusInternalServerError)
		out = cfe.Fault(code, msg)
	}
	_, _ = io.WriteString(w, out)
}

// Answer answers a request (its SOAPAction header and body): the signed SOAP answer, or the
// fault code and reason of one it cannot take.
func (s *Server) Answer(ctx context.Context, action, request string) (answer, faultCode, reason string) {
	signer, err := cfe.VerifySOAP(request)
	if err != nil {
		return "", "Client", err.Error()
	}
	m, err := cfe.ReadSOAP(request)
	if err != nil || m.Response || m.Fault != "" {
		return "", "Client", fmt.Sprintf("not a WS_eFactura request: %v", err)
	}
	if action != "" && action != m.Operation.SOAPAction() {
		return "", "Client", fmt.Sprintf("SOAPAction %s does not name the body's operation %s", action, m.Operation)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var doc string
	switch m.Operation {
	case cfe.OpReceiveEnvelope:
		doc, err = s.receive(ctx, signer, m.Payload)
	case cfe.OpEnvelopeStatus:
		doc, err = s.status(ctx, signer, m.Payload)
	case cfe.OpReceiveReport:
		doc, err = s.report(ctx, signer, m.Payload)
	default:
		return "", "Client", fmt.Sprintf("WS_eFactura has no operation %s", m.Operation)
	}
	if err != nil {
		return "", "Server", err.Error()
	}
	out, err := m.Operation.Response(cfe.Identity{Key: s.key, CertDER: s.cert.Raw}, doc)
	if err != nil {
		return "", "Server", err.Error()
	}
	return out, "", ""
}

// Refuse makes the sandbox refuse the CFE of key ("RUT-type-series-number") with DGI's
// code (E01…E09) whenever it is received, until Accept: what a test needs to see a refusal
// and its correction.
func (s *Server) Refuse(key, code string) error {
	why, ok := reasons[code]
	if !ok {
		why, ok = reportReasons[code]
	}
	if !ok {
		return fmt.Errorf("no DGI rejection code %q", code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[key] = why
	return nil
}

// Accept lifts Refuse.
func (s *Server) Accept(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refuse, key)
}

// ControlHandler serves POST {"key": "RUT-type-series-number", "refuse": "E04"} (or
// "refuse": "" to accept it again): a test's control, like the sandbox PAC's. A key
// "RUT-report-YYYY-MM-DD" with a report code ("R06") refuses that day's daily reports.
func (s *Server) ControlHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Key, Refuse string }
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil || r.Method != http.MethodPost || in.Key == "" {
			http.Error(w, `POST {"key": "RUT-type-series-number", "refuse": "E04"}`, http.StatusBadRequest)
			return
		}
		if in.Refuse == "" {
			s.Accept(in.Key)
			return
		}
		if err := s.Refuse(in.Key, in.Refuse); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
}

// signed signs an answer (enveloped XMLDSig, the sandbox's certificate in KeyInfo), writes
// it and holds it to DGI's schema.
func (s *Server) signed(ctx context.Context, root *etree.Element, validate func(context.Context, string) error) (string, error) {
	signer, err := dsig.NewSigningContext(s.key, [][]byte{s.cert.Raw})
	if err != nil {
		return "", err
	}
	signer.Canonicalizer = dsig.MakeC14N10RecCanonicalizer()
	if err := signer.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return "", err
	}
	signedRoot, err := signer.SignEnveloped(root)
	if err != nil {
		return "", err
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	doc.SetRoot(signedRoot)
	out, err := doc.WriteToString()
	if err != nil {
		return "", err
	}
	if err := validate(ctx, out); err != nil {
		return "", fmt.Errorf("sandbox DGI wrote an invalid %s: %w", root.Tag, err)
	}
	return out, nil
}

// rucOf is the RUT a certificate names (its subject's serialNumber, "RUC" and the RUT, as
// DGI's test certificates and Correo Uruguayo's carry it).
func rucOf(c *x509.Certificate) string {
	return strings.TrimPrefix(c.Subject.SerialNumber, "RUC")
}

// el adds a child with text.
func el(parent *etree.Element, tag, v string) { parent.CreateElement(tag).SetText(v) }

// ackRoot is an answer's root element in DGI's namespace.
func ackRoot(tag string) *etree.Element {
	root := etree.NewElement(tag)
	root.CreateAttr("xmlns", cfe.NS)
	root.CreateAttr("version", "1.0")
	return root
}
