package testdb

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Mailpit starts a private Mailpit SMTP sink at smtpAddr (from the test stack's tools) and
// returns its HTTP API address and a stop function.
func Mailpit(t *testing.T, smtpAddr string) (api string, stop func()) {
	t.Helper()
	m := StartMailpit(t, smtpAddr, "")
	return m.API, m.Stop
}

// MailSink is a private Mailpit that can be stopped and started again on the same ports;
// with a database file its messages outlive a stop, and it keeps every message.
type MailSink struct {
	API            string
	t              *testing.T
	smtp, http, db string
	args           []string // SMTP security flags; default: any login, in the clear
	cmd            *exec.Cmd
}

// StartMailpit starts a private Mailpit at smtpAddr, persistent in dbFile when one is given.
func StartMailpit(t *testing.T, smtpAddr, dbFile string) *MailSink {
	t.Helper()
	Integration(t)
	m := &MailSink{t: t, smtp: smtpAddr, http: FreeAddr(t), db: dbFile}
	m.API = "http://" + m.http
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// StartSecureMailpit starts a private Mailpit at smtpAddr with its own SMTP security flags
// (--smtp-tls-cert, --smtp-require-starttls, --smtp-auth-file, …), as a real relay demands.
func StartSecureMailpit(t *testing.T, smtpAddr string, args ...string) *MailSink {
	t.Helper()
	Integration(t)
	m := &MailSink{t: t, smtp: smtpAddr, http: FreeAddr(t), args: args}
	m.API = "http://" + m.http
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// Start starts the sink (again).
func (m *MailSink) Start() {
	m.t.Helper()
	bin := filepath.Join(os.Getenv("BILLRUN_TOOLS"), "mailpit@v1.28.0+ui", "mailpit")
	if _, err := os.Stat(bin); err != nil {
		m.t.Fatalf("mailpit at %s: %v (run tests with `make test`)", bin, err)
	}
	args := []string{"--smtp", m.smtp, "--listen", m.http}
	if m.args != nil {
		args = append(args, m.args...)
	} else {
		args = append(args, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	}
	if m.db != "" {
		args = append(args, "--database", m.db, "--max", "0")
	}
	m.cmd = exec.Command(bin, args...)
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", m.smtp); err == nil {
			c.Close()
			if r, err := http.Get(m.API + "/api/v1/messages"); err == nil {
				r.Body.Close()
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.t.Fatal("mailpit did not start")
}

// Stop stops the sink.
func (m *MailSink) Stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
		m.cmd = nil
	}
}

// FreeAddr is a loopback address no one listens on.
func FreeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
