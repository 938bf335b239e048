package cfe_test

import (
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/fiscal/cfe"
	"billrun/internal/sandbox/dgisandbox"
	"billrun/schema/testdb"
)

// recorder answers the client from the request/response pairs in testdata/dgi/soap, in
// order, holding each request to the recorded one byte for byte. With BILLRUN_RECORD_DGI=1
// it records them instead, from a sandbox DGI of its own on a fixed clock.
type recorder struct {
	t      *testing.T
	dir    string
	record *dgisandbox.Server
	mu     sync.Mutex
	n      int
}

func newRecorder(t *testing.T, at time.Time) *recorder {
	r := &recorder{t: t, dir: filepath.Join(testdb.Root(t), "testdata/dgi/soap")}
	if os.Getenv("BILLRUN_RECORD_DGI") == "1" {
		s, err := dgisandbox.New(filepath.Join(r.dir, ".sandbox"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close(); os.RemoveAll(filepath.Join(r.dir, ".sandbox")) })
		s.Now = func() time.Time { return at }
		r.record = s
	}
	return r
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	body, _ := io.ReadAll(req.Body)
	op := strings.TrimSuffix(strings.TrimPrefix(req.Header.Get("SOAPAction"), `"http://dgi.gub.uyaction/AWS_EFACTURA.`), `"`)
	name := filepath.Join(r.dir, strings.ToLower(op))
	if r.record != nil {
		out, code, why := r.record.Answer(req.Context(), req.Header.Get("SOAPAction"), string(body))
		if out == "" {
			r.t.Fatalf("recording %s: %s %s", op, code, why)
		}
		for file, b := range map[string]string{name + ".request.xml": string(body), name + ".response.xml": out} {
			if err := os.WriteFile(file, []byte(b), 0o644); err != nil {
				r.t.Fatal(err)
			}
		}
		_, _ = io.WriteString(w, out)
		return
	}
	want, err := os.ReadFile(name + ".request.xml")
	if err != nil {
		r.t.Errorf("no recorded request for %s: %v", op, err)
		http.Error(w, "no recording", http.StatusInternalServerError)
		return
	}
	if string(want) != string(body) {
		r.t.Errorf("the %s request differs from %s.request.xml (%d bytes, recorded %d):\n%s", op, name, len(body), len(want), firstDiff(string(want), string(body)))
	}
	resp, err := os.ReadFile(name + ".response.xml")
	if err != nil {
		r.t.Fatal(err)
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	_, _ = w.Write(resp)
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-80, 0)
	return "recorded: …" + a[from:min(i+80, len(a))] + "\nsent:     …" + b[from:min(i+80, len(b))]
}

// The client's requests are the recorded ones byte for byte (signed with the pinned test key,
// on a fixed clock), and it reads the recorded answers: the envelope received, the CFE
// accepted, the daily report received. testdata/dgi/README.md says how the pairs were recorded.
func TestDGIRecordedPairs(t *testing.T) {
	testdb.Tool(t, "xmllint")
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.FixedZone("UYT", -3*3600))
	rec := newRecorder(t, at)
	srv := httptest.NewServer(rec)
	defer srv.Close()
	sandboxCert, err := os.ReadFile(filepath.Join(rec.dir, "dgi-sandbox.cer"))
	if err != nil && rec.record == nil {
		t.Fatal(err)
	}
	if rec.record != nil {
		sandboxCert = rec.record.Certificate().Raw
		if err := os.WriteFile(filepath.Join(rec.dir, "dgi-sandbox.cer"), sandboxCert, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cert := parseCert(t, sandboxCert)
	p := cfe.Profile{DGI: &cfe.Client{URL: srv.URL}, DGICert: cert}
	inv := uyInvoice()
	inv.IssuedAt = at
	doc, err := p.Seal(context.Background(), inv, credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	stamped, err := p.Stamp(context.Background(), doc, credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stamped.AuthorityAck, "<Estado>AE</Estado>") || stamped.StampedAt != "2026-11-30T10:00:00-03:00" {
		t.Errorf("stamped at %q: %s", stamped.StampedAt, stamped.AuthorityAck)
	}
	d := decimal.RequireFromString
	report := cfe.DailyReport{RUT: "219999830019", Day: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), Sequence: 1, SignedAt: at, CFE: []cfe.ReportedCFE{
		{Type: 101, Series: "A", Number: 1, Branch: "1", NetBasic: d("1500"), VATBasic: d("330"), Total: d("1830")},
		{Type: 101, Series: "A", Number: 2, Branch: "1", Annulled: true},
		{Type: 111, Series: "A", Number: 1, Branch: "1", Exempt: d("10000"), NetBasic: d("10800"), VATBasic: d("2376"), Total: d("23176")},
	}}
	sent, err := p.SendReport(context.Background(), report, credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	if sent.Receipt.State != cfe.ReportReceived || sent.Receipt.ReceivedAt != "2026-11-30T10:00:00-03:00" {
		t.Errorf("the daily report's receipt %+v", sent.Receipt)
	}
	if rec.n != 3 {
		t.Errorf("%d requests, want the envelope's, the status query and the daily report", rec.n)
	}
}

func parseCert(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
