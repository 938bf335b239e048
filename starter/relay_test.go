package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"billrun/internal/model"
	"billrun/schema/testdb"
)

// A relay as real ones are: STARTTLS required, then AUTH. billrun upgrades the session,
// verifies the relay's certificate (SMTP_CA_FILE), logs in, and the invoice goes out with
// the issuer as sender name and Reply-To.
func TestDeliveryThroughARelayWithSTARTTLSAndAUTH(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	authFile := filepath.Join(dir, "auth")
	if err := os.WriteFile(authFile, []byte("billrun:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	smtpAddr := testdb.FreeAddr(t)
	sink := testdb.StartSecureMailpit(t, smtpAddr, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile,
		"--smtp-require-starttls", "--smtp-auth-file", authFile)

	h := newHarness(t, false)
	host, port, _ := net.SplitHostPort(smtpAddr)
	h.cfg.SMTPHost, h.cfg.SMTPPort, h.cfg.SMTPTLS, h.cfg.SMTPCAFile = host, port, "starttls", certFile
	h.cfg.SMTPUsername, h.cfg.SMTPPassword = "billrun", "s3cret"
	h.startWorker()
	h.mustRun("import", "../examples/demo.json")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1001-1001", "--series", "A", "--date", "2026-11-23", "--wait")
	h.waitFor("the invoice e-mailed through the relay", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, sum.BatchID) == 1
	})
	resp, err := http.Get(sink.API + "/api/v1/messages")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Messages []struct {
			From    struct{ Name, Address string }
			ReplyTo []struct{ Address string }
			Subject string
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list.Messages) != 1 {
		t.Fatalf("%d messages at the relay, want 1", len(list.Messages))
	}
	m := list.Messages[0]
	issuerEmail := h.str(`select email from issuers where code = 'EKU'`)
	if m.From.Name != "ESCUELA KEMPER URGATE" || len(m.ReplyTo) != 1 || m.ReplyTo[0].Address != issuerEmail || !strings.Contains(m.Subject, "Factura A-1") {
		t.Errorf("message from %+v, reply-to %+v, subject %q", m.From, m.ReplyTo, m.Subject)
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 and localhost.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test relay"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "relay.pem"), filepath.Join(dir, "relay.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
