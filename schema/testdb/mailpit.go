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
	Integration(t)
	bin := filepath.Join(os.Getenv("BILLRUN_TOOLS"), "mailpit@v1.28.0", "mailpit")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("mailpit at %s: %v (run tests with `make test`)", bin, err)
	}
	httpAddr := FreeAddr(t)
	cmd := exec.Command(bin, "--smtp", smtpAddr, "--listen", httpAddr, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	t.Cleanup(stop)
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", smtpAddr); err == nil {
			c.Close()
			if r, err := http.Get("http://" + httpAddr + "/api/v1/messages"); err == nil {
				r.Body.Close()
				return "http://" + httpAddr, stop
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("mailpit did not start")
	return "", nil
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
