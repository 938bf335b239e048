package cfe_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfe"
	"billrun/schema/testdb"
)

func identityOf(t *testing.T) cfe.Identity {
	t.Helper()
	c := credentials(t)
	cert, key, err := fiscal.LoadKeyPair(c.CertPath, c.KeyPath, c.Password)
	if err != nil {
		t.Fatal(err)
	}
	return cfe.Identity{Key: key, CertDER: cert.Raw}
}

// A request is signed as DGI's WS-Security profile says: xmlsec1 verifies it against the
// issuer's pinned key (the Body referenced by its wsu:Id), VerifySOAP answers the signer's
// certificate, and a Body changed after signing no longer verifies.
func TestWSSecuritySignature(t *testing.T) {
	testdb.Tool(t, "xmlsec1")
	req, err := cfe.OpEnvelopeStatus.Request(identityOf(t), cfe.Consulta(1516, "jj25BULvoX2TRTJd=="))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<dgi:WS_eFactura.EFACCONSULTARESTADOENVIO><dgi:Datain><dgi:xmlData><![CDATA[<?xml`,
		`<IdReceptor>1516</IdReceptor><Token>jj25BULvoX2TRTJd==</Token>`, `soapenv:mustUnderstand="1"`, "#rsa-sha1", "xml-exc-c14n#"} {
		if !strings.Contains(req, want) {
			t.Errorf("request lacks %s", want)
		}
	}
	file := filepath.Join(t.TempDir(), "req.xml")
	if err := os.WriteFile(file, []byte(req), 0o644); err != nil {
		t.Fatal(err)
	}
	root := testdb.Root(t)
	out, err := exec.Command("xmlsec1", "--verify", "--pubkey-pem", filepath.Join(root, "testdata/uy/219999830019.pub.pem"), "--enabled-key-data", "key-name",
		"--id-attr:Id", "http://schemas.xmlsoap.org/soap/envelope/:Body", file).CombinedOutput()
	if err != nil {
		t.Errorf("xmlsec1: %v\n%s", err, out)
	}
	cert, err := cfe.VerifySOAP(req)
	if err != nil || cert.Subject.SerialNumber != "RUC219999830019" {
		t.Fatalf("VerifySOAP: %v", err)
	}
	if _, err := cfe.VerifySOAP(strings.Replace(req, "<IdReceptor>1516<", "<IdReceptor>1517<", 1)); err == nil || !strings.Contains(err.Error(), "digest") {
		t.Errorf("a changed body: %v", err)
	}
	m, err := cfe.ReadSOAP(req)
	if err != nil || m.Operation != cfe.OpEnvelopeStatus || m.Response || !strings.Contains(m.Payload, "<Token>jj25BULvoX2TRTJd==</Token>") {
		t.Errorf("ReadSOAP: %+v, %v", m, err)
	}
}

// The sandbox DGI answers an unsigned request, or one signed by another key than its token
// says, with a SOAP fault: a transient error for the client, which names it.
func TestSandboxRefusesUnsignedRequests(t *testing.T) {
	_, dgi := sandboxDGI(t)
	req, err := cfe.OpEnvelopeStatus.Request(identityOf(t), cfe.Consulta(1, "AAAA"))
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(req, "<Token>AAAA</Token>", "<Token>AAAB</Token>", 1)
	if out, code, why := dgi.Answer(context.Background(), cfe.OpEnvelopeStatus.SOAPAction(), tampered); out != "" || code != "Client" || !strings.Contains(why, "digest") {
		t.Errorf("tampered: %q %q", code, why)
	}
	if _, _, why := dgi.Answer(context.Background(), `"other"`, req); !strings.Contains(why, "SOAPAction") {
		t.Errorf("wrong SOAPAction: %q", why)
	}
	if _, _, why := dgi.Answer(context.Background(), "", req); !strings.Contains(why, "no envelope 1") {
		t.Errorf("unknown token: %q", why)
	}
}

// clock is a settable clock for the sandbox.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// DGI received the envelope but has not answered for its CFE: Stamp is Pending with DGI's
// ACKSobre and the time DGI said to ask (Fechahora), and asked again with it (kept as the
// document's answer) it asks with the token — no second envelope — from then on: received,
// stamped.
func TestStampAwaitsDGIsAnswer(t *testing.T) {
	p, dgi := sandboxDGI(t)
	c := &clock{now: time.Now()}
	dgi.Now, dgi.AnswerAfter, p.Now = c.Now, time.Minute, c.Now
	doc, err := p.Seal(context.Background(), uyInvoice(), credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Stamp(context.Background(), doc, credentials(t))
	var pending *fiscal.Pending
	if !errors.As(err, &pending) || !cfe.IsEnvelopeReceipt(pending.AuthorityAck) || errors.Is(err, fiscal.ErrFiscal) {
		t.Fatalf("before DGI answers: %v", err)
	}
	if !strings.Contains(err.Error(), "number 1 at DGI") || !errors.Is(err, cfe.ErrNotReady) || !pending.RetryAt.Equal(c.Now().Add(time.Minute).Truncate(time.Second)) {
		t.Errorf("pending: %v, asked again from %s (DGI's Fechahora, a minute on)", err, pending.RetryAt)
	}
	doc.AuthorityAck = pending.AuthorityAck
	if _, err := p.Stamp(context.Background(), doc, credentials(t)); !errors.As(err, &pending) || pending.AuthorityAck != doc.AuthorityAck {
		t.Fatalf("asked again too early: %v", err)
	}
	c.Add(time.Minute)
	stamped, err := p.Stamp(context.Background(), doc, credentials(t))
	if err != nil || !strings.Contains(stamped.AuthorityAck, "<Estado>AE</Estado>") || !strings.Contains(stamped.StampCertificate, "respuesta 1,") {
		t.Fatalf("once answered: %v %q", err, stamped.StampCertificate)
	}
}

// A CFE DGI rejects (BE) is a refusal naming DGI's code and text, its ACKCFE kept; sent
// again once DGI takes it (the sandbox told to stop refusing), its envelope — the same
// bytes — is held by DGI already (S08, sending 2), so it goes in one of another number,
// received (sending 3).
func TestStampRefusedThenSentAgain(t *testing.T) {
	p, dgi := sandboxDGI(t)
	doc, err := p.Seal(context.Background(), uyInvoice(), credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := dgi.Refuse("219999830019-111-A-12", "E04"); err != nil {
		t.Fatal(err)
	}
	_, err = p.Stamp(context.Background(), doc, credentials(t))
	var refusal *fiscal.Refusal
	if !errors.As(err, &refusal) || !strings.Contains(err.Error(), "DGI rejected the CFE (BE): E04 Tipo y Nº de CFE no se corresponden con el CAE") ||
		!strings.Contains(refusal.AuthorityAck, "<Estado>BE</Estado>") {
		t.Fatalf("refused: %v", err)
	}
	dgi.Accept("219999830019-111-A-12")
	doc.AuthorityAck = refusal.AuthorityAck
	stamped, err := p.Stamp(context.Background(), doc, credentials(t))
	if err != nil || !strings.Contains(stamped.AuthorityAck, "<Estado>AE</Estado>") || !strings.Contains(stamped.StampCertificate, "respuesta 3,") {
		t.Fatalf("sent again: %v %q", err, stamped.StampCertificate)
	}
}
