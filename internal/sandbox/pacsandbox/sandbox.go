// Package sandbox is billrun's sandbox PAC, for the demo and the tests. It is NOT a PAC:
// its stamps mean nothing to SAT. It speaks the same protocol as pac.Client (SW sapien's
// REST API) and checks what a PAC checks — SAT's schema, the Sello against the issuer's
// certificate, the issuer's RFC is the certificate's, the certificate valid at the
// document's date, the date within the last 72 hours, one stamp per document (stamping a
// document again answers its first stamp) — then signs a TimbreFiscalDigital 1.1 with a
// sandbox certificate of its own, made in its folder on first start.
package pacsandbox

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	b64 "encoding/base64"
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

	"billrun/internal/fiscal/cfdi"
	"billrun/internal/sandboxkey"
)

// The sandbox's identity: a made-up PAC RFC and certificate number, recognisably not SAT's.
const (
	RFC           = cfdi.SandboxRFC
	CertificateNo = "99999000000500000001"
)

// Server is a sandbox PAC.
type Server struct {
	User, Password string
	Now            func() time.Time // the clock; tests move it
	// FreeCancelWindow is how long after stamping a CFDI is cancelled without the
	// receiver's acceptance whatever its total (SAT: within the day after it was issued).
	FreeCancelWindow time.Duration

	dir    string
	key    *rsa.PrivateKey
	cert   *x509.Certificate
	mu     sync.Mutex
	tokens map[string]bool
	stamps map[string]stampRecord // by the document's digest (its cadena original)
	byUUID map[string]stampRecord
	log    *os.File // stamps.jsonl: one line per stamp, appended

	cancels   map[string]cancelRecord // by UUID
	cancelLog *os.File                // cancellations.jsonl: one line per change, appended; the last one counts
}

// stampRecord is what the sandbox keeps of a stamp: enough to answer it again.
type stampRecord struct {
	Digest        string    `json:"digest"`
	UUID          string    `json:"uuid"`
	FechaTimbrado time.Time `json:"fecha_timbrado"`
	SelloSAT      string    `json:"sello_sat"`
	// What cancellation rules look at (absent in stamps logged before cancellation existed).
	IssuerRFC   string `json:"rfc_emisor,omitempty"`
	ReceiverRFC string `json:"rfc_receptor,omitempty"`
	Tipo        string `json:"tipo,omitempty"`
	TotalMXN    string `json:"total_mxn,omitempty"`
}

// New opens a sandbox PAC whose key, certificate and stamps live in dir.
func New(dir, user, password string) (*Server, error) {
	s := &Server{User: user, Password: password, Now: time.Now, FreeCancelWindow: 24 * time.Hour, dir: dir,
		tokens: map[string]bool{}, stamps: map[string]stampRecord{}, byUUID: map[string]stampRecord{}, cancels: map[string]cancelRecord{}}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := s.loadOrMakeCertificate(); err != nil {
		return nil, err
	}
	name := filepath.Join(dir, "stamps.jsonl")
	if raw, err := os.ReadFile(name); err == nil {
		for i, line := range bytes.Split(raw, []byte("\n")) {
			var r stampRecord
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			if err := json.Unmarshal(line, &r); err != nil {
				return nil, fmt.Errorf("%s line %d: %w", name, i+1, err)
			}
			s.stamps[r.Digest] = r
			s.byUUID[r.UUID] = r
		}
	}
	var err error
	if s.log, err = os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err != nil {
		return nil, err
	}
	if err := s.openCancellations(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the stamp and cancellation logs.
func (s *Server) Close() error { return errors.Join(s.log.Close(), s.cancelLog.Close()) }

// CertFile is the sandbox certificate (DER): what verifies its stamps' SelloSAT.
func (s *Server) CertFile() string { return filepath.Join(s.dir, CertificateNo+".cer") }

// Certificate is the sandbox certificate.
func (s *Server) Certificate() *x509.Certificate { return s.cert }

func (s *Server) loadOrMakeCertificate() error {
	now := time.Now()
	var err error
	s.key, s.cert, err = sandboxkey.LoadOrMake(filepath.Join(s.dir, "sandbox-pac.key.pem"), s.CertFile(), &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes([]byte(CertificateNo)), // read as ASCII, as SAT's are
		Subject: pkix.Name{CommonName: "billrun sandbox PAC - NOT a SAT certificate", Organization: []string{"billrun sandbox"},
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 45}, Value: RFC}}},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature,
	})
	return err
}

// Handler serves the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /security/authenticate", s.authenticate)
	mux.HandleFunc("POST /cfdi33/stamp/v4", s.stamp)
	mux.HandleFunc("POST /cfdi/cancel", s.authorized(s.cancel))
	mux.HandleFunc("POST /cfdi/cancel/status", s.authorized(s.cancelStatus))
	mux.HandleFunc("POST /cfdi/cancel/answer", s.authorized(s.cancelAnswer))
	mux.HandleFunc("POST /ConsultaCFDIService.svc", s.status) // SAT's public status service: no credentials
	return mux
}

func reply(w http.ResponseWriter, status int, data any, message, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	env := map[string]any{"status": "success", "data": data}
	if message != "" {
		env = map[string]any{"status": "error", "message": message, "messageDetail": detail}
	}
	_ = json.NewEncoder(w).Encode(env)
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("user") != s.User || r.Header.Get("password") != s.Password {
		reply(w, http.StatusUnauthorized, nil, "AU4101 - El usuario o la contraseña no son válidos", "")
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[token] = true
	s.mu.Unlock()
	reply(w, http.StatusOK, map[string]any{"token": token, "expires_in": 7200}, "", "")
}

func (s *Server) stamp(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ok := s.tokens[strings.TrimPrefix(strings.TrimPrefix(r.Header.Get("Authorization"), "bearer "), "Bearer ")]
	s.mu.Unlock()
	if !ok {
		reply(w, http.StatusUnauthorized, nil, "AU2000 - El token no es válido", "")
		return
	}
	f, _, err := r.FormFile("xml")
	if err != nil {
		reply(w, http.StatusBadRequest, nil, "301 - XML mal formado", "no xml file in the request: "+err.Error())
		return
	}
	raw, err := io.ReadAll(io.LimitReader(f, 8<<20))
	if err != nil {
		reply(w, http.StatusBadRequest, nil, "301 - XML mal formado", err.Error())
		return
	}
	out, code, detail := s.check(string(raw))
	if code != "" {
		reply(w, http.StatusBadRequest, nil, code, detail)
		return
	}
	reply(w, http.StatusOK, out, "", "")
}

// check does what a PAC does with a sealed CFDI, and stamps it (or answers its first stamp).
func (s *Server) check(xml string) (cfdi.Stamped, string, string) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil || doc.Root() == nil {
		return cfdi.Stamped{}, "301 - XML mal formado", fmt.Sprint(err)
	}
	if cfdi.FindStamp(doc) != nil {
		return cfdi.Stamped{}, "307 - El CFDI contiene un timbre previo", ""
	}
	if err := cfdi.VerifyStored(xml); err != nil {
		if strings.Contains(err.Error(), "Sello") || strings.Contains(err.Error(), "Certificado") {
			return cfdi.Stamped{}, "302 - Sello mal formado o inválido", err.Error()
		}
		return cfdi.Stamped{}, "301 - XML mal formado", err.Error()
	}
	root := doc.Root()
	// SAT's rules the schema cannot check, for what billrun writes (tax factors, foreign
	// receivers, exports): a PAC refuses a document breaking them (its CFDI40… codes).
	if probs := cfdi.CheckRules(root); len(probs) > 0 {
		return cfdi.Stamped{}, "CFDI40 - El comprobante no cumple las reglas de validación del SAT", strings.Join(probs, "; ")
	}
	der, _ := decodeB64(root.SelectAttrValue("Certificado", ""))
	cert, _ := x509.ParseCertificate(der)
	if issuer := doc.FindElement("/Comprobante/Emisor"); issuer == nil || certificateRFC(cert) != issuer.SelectAttrValue("Rfc", "") {
		return cfdi.Stamped{}, "303 - Sello no corresponde a emisor", fmt.Sprintf("the certificate is %s's", certificateRFC(cert))
	}
	fecha, err := time.ParseInLocation("2006-01-02T15:04:05", root.SelectAttrValue("Fecha", ""), mexicoCity)
	if err != nil {
		return cfdi.Stamped{}, "301 - XML mal formado", "Fecha: " + err.Error()
	}
	if fecha.Before(cert.NotBefore) || fecha.After(cert.NotAfter) {
		return cfdi.Stamped{}, "305 - La fecha de emisión no está dentro de la vigencia del CSD del Emisor", ""
	}
	now := s.Now()
	if fecha.Before(now.Add(-72*time.Hour)) || fecha.After(now.Add(10*time.Minute)) {
		return cfdi.Stamped{}, "401 - Fecha y hora de generación fuera de rango", fmt.Sprintf("Fecha %s, stamped at %s (Mexico City)",
			root.SelectAttrValue("Fecha", ""), now.In(mexicoCity).Format("2006-01-02T15:04:05"))
	}
	cadena, _ := cfdi.CadenaOriginal(doc)
	digest := fmt.Sprintf("%x", sha256.Sum256([]byte(cadena)))
	s.mu.Lock()
	defer s.mu.Unlock()
	st := cfdi.Stamp{RfcProvCertif: RFC, SelloCFD: root.SelectAttrValue("Sello", ""), NoCertificadoSAT: CertificateNo}
	if r, ok := s.stamps[digest]; ok {
		st.UUID, st.FechaTimbrado, st.SelloSAT = r.UUID, r.FechaTimbrado, r.SelloSAT // stamped before: the same stamp
	} else {
		st.UUID, st.FechaTimbrado = newUUID(), now
		var err error
		if st, err = cfdi.SignStamp(st, s.key); err != nil {
			return cfdi.Stamped{}, "500 - Error del PAC", err.Error()
		}
		r := stampRecord{Digest: digest, UUID: st.UUID, FechaTimbrado: st.FechaTimbrado, SelloSAT: st.SelloSAT,
			IssuerRFC: certificateRFC(cert), Tipo: root.SelectAttrValue("TipoDeComprobante", ""), TotalMXN: totalMXN(root)}
		if re := doc.FindElement("/Comprobante/Receptor"); re != nil {
			r.ReceiverRFC = re.SelectAttrValue("Rfc", "")
		}
		line, _ := json.Marshal(r)
		if _, err := s.log.Write(append(line, '\n')); err != nil {
			return cfdi.Stamped{}, "500 - Error del PAC", err.Error()
		}
		s.stamps[digest] = r
		s.byUUID[r.UUID] = r
	}
	cfdi.AddStamp(doc, st)
	out, err := doc.WriteToString()
	if err != nil {
		return cfdi.Stamped{}, "500 - Error del PAC", err.Error()
	}
	return cfdi.Stamped{CFDI: out, UUID: st.UUID, FechaTimbrado: st.FechaTimbrado.In(mexicoCity).Format("2006-01-02T15:04:05"),
		NoCertificadoSAT: CertificateNo, SelloSAT: st.SelloSAT, CadenaOriginal: cfdi.CadenaTFD(cfdi.FindStamp(doc))}, "", ""
}

// certificateRFC is the RFC a SAT certificate is issued to: the first word of its
// x500UniqueIdentifier ("EKU9003173C9 / VADA800927DJ3").
func certificateRFC(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	for _, n := range c.Subject.Names {
		if n.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 45}) {
			if v, ok := n.Value.(string); ok {
				return strings.TrimSpace(strings.SplitN(v, "/", 2)[0])
			}
		}
	}
	return ""
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]))
}

var mexicoCity = func() *time.Location {
	l, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		panic(err)
	}
	return l
}()

func decodeB64(s string) ([]byte, error) { return b64.StdEncoding.DecodeString(s) }
