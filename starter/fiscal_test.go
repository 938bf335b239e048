package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/internal/printout"
	"billrun/schema/testdb"
)

// mailpitMessage is what the sink's API tells of one message.
type mailpitMessage struct {
	MessageID   string
	Attachments int
	Subject     string
	To          []struct{ Address string }
}

// sinkMessages lists the messages of the Mailpit at api, by Message-ID.
func sinkMessages(t *testing.T, api string) map[string][]mailpitMessage {
	t.Helper()
	resp, err := http.Get(api + "/api/v1/messages?limit=5000")
	if err != nil {
		t.Fatalf("mail sink API at %s: %v", api, err)
	}
	defer resp.Body.Close()
	var list struct{ Messages []mailpitMessage }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	out := map[string][]mailpitMessage{}
	for _, m := range list.Messages {
		out[m.MessageID] = append(out[m.MessageID], m)
	}
	return out
}

// checkFiscal holds every completed invoice of the batch to SAT's schemas (with the TFD's)
// and the outside oracles (Sello, and the PAC's stamp with its certificate), its PDF to its
// data and UUID, and its e-mail to exactly one message with both attachments.
func (h *harness) checkFiscal(batchID string) {
	t := h.t
	t.Helper()
	xsd := testdb.SAT(t, "cfdi40/cfdi40-with-tfd.xsd")
	verify := testdb.SAT(t, "tools/verify-cfdi40-sello.sh")
	verifyTFD := testdb.SAT(t, "tools/verify-tfd11.sh")
	if h.cfg.PACCert == "" {
		t.Fatal("PAC_CERT is not set: run tests with `make test` (it starts the sandbox PAC)")
	}
	api := os.Getenv("MAILPIT_API")
	if api == "" {
		t.Fatal("MAILPIT_API is not set: run tests with `make test`")
	}
	msgs := sinkMessages(t, api)
	rows, err := h.db.Query(context.Background(), `
		select v.id, v.series || '-' || v.number, c.name, round(v.total, cur.decimals)::text, f.xml, f.pdf, c.email, v.delivery_status, coalesce(f.uuid, ''), v.currency
		from invoices v join customers c on c.code = v.customer join fiscal_documents f on f.invoice_id = v.id join currencies cur on cur.code = v.currency
		where v.batch_id = $1 and v.status = 'completed' order by v.id`, batchID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	dir := t.TempDir()
	n := 0
	for rows.Next() {
		var id int64
		var folio, name, total, xml, email, delivery, uuid, currency string
		var pdf []byte
		if err := rows.Scan(&id, &folio, &name, &total, &xml, &pdf, &email, &delivery, &uuid, &currency); err != nil {
			t.Fatal(err)
		}
		n++
		x := filepath.Join(dir, folio+".xml")
		if err := os.WriteFile(x, []byte(xml), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", xsd, x).CombinedOutput(); err != nil {
			t.Errorf("%s fails SAT's XSD: %v\n%s", folio, err, out)
		}
		if out, err := exec.Command(verify, x).CombinedOutput(); err != nil {
			t.Errorf("%s fails the sello oracle: %v\n%s", folio, err, out)
		}
		if out, err := exec.Command(verifyTFD, x, h.cfg.PACCert).CombinedOutput(); uuid == "" || err != nil {
			t.Errorf("%s (UUID %q) fails the stamp oracle: %v\n%s", folio, uuid, err, out)
		}
		if !strings.Contains(xml, `Total="`+total+`"`) {
			t.Errorf("%s: the CFDI's Total is not the stored %s", folio, total)
		}
		p := filepath.Join(dir, folio+".pdf")
		if err := os.WriteFile(p, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		text, err := exec.Command("pdftotext", "-layout", p, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", folio, err)
		}
		// The PDF writes amounts with thousands separators (3,654.00), wraps long names, and
		// marks characters its fonts cannot draw.
		plain := squeeze(string(text))
		printable, _ := printout.Printable(name)
		if r := []rune(squeeze(printable)); len(r) > 40 {
			printable = string(r[:40]) // a long name wraps beside the next column
		}
		words := []rune(printout.AmountInWords(total, currency)) // the importe con letra (its start: a long one wraps)
		for _, want := range []string{folio, squeeze(printable), total, uuid, "Importe con letra:", string(words[:min(len(words), 20)])} {
			if !strings.Contains(plain, squeeze(want)) {
				t.Errorf("%s's PDF lacks %q", folio, want)
			}
		}
		got := msgs[activities.MessageID(h.inst, id, 1)]
		switch {
		case email == "":
			if len(got) != 0 || delivery != "skipped" {
				t.Errorf("%s: customer without e-mail: %d messages, delivery %s", folio, len(got), delivery)
			}
		case len(got) != 1 || got[0].Attachments != 2 || delivery != "sent":
			t.Errorf("%s: %d messages (want exactly 1 with 2 attachments), delivery %s", folio, len(got), delivery)
		}
	}
	if n == 0 {
		t.Fatal("no sealed invoice to check")
	}
	t.Logf("%d invoices pass SAT's XSD, the sello and stamp oracles, the PDF and the one-e-mail checks", n)
}

// squeeze drops white space and thousands separators, for comparing PDF text.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == ',' {
			return -1
		}
		return r
	}, s)
}

// Issue 9.4: a mail server that is down holds no invoice: the batch finishes, numbered and
// sealed, while its e-mail waits — visibly — and then every e-mail goes exactly once.
func TestMailServerDownHoldsNoInvoiceThenEveryEmailGoesOnce(t *testing.T) {
	h := newHarness(t, false)
	smtpAddr := testdb.FreeAddr(t) // nothing listens there yet
	host, port, _ := net.SplitHostPort(smtpAddr)
	h.cfg.SMTPHost, h.cfg.SMTPPort = host, port
	h.startWorker()
	h.mustRun("import", "../examples/demo.json")
	id := h.batchID("MAILDOWN")
	h.mustRun("batch", "create", "--id", id, "--orders", "1001-1003", "--series", "A", "--date", "2026-11-23")

	deadline := time.Now().Add(2 * time.Minute)
	for h.str(`select status from batches where id = $1`, id) != "finished" {
		if time.Now().After(deadline) {
			t.Fatal("the batch did not finish while the mail server was down")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := h.str(`select count(*) filter (where number is not null)::text || '/' || count(*)::text from invoices where batch_id = $1`, id); got != "3/3" {
		t.Fatalf("numbered invoices while the mail server is down: %s", got)
	}
	// The delivery pass waits on the server, and the batch's status says so.
	var sum model.Summary
	for len(sum.Waiting) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("batch status never showed the delivery waiting: %+v", sum)
		}
		time.Sleep(500 * time.Millisecond)
		h.runJSON(&sum, "batch", "status", id)
	}
	if !strings.Contains(strings.Join(sum.Waiting, "\n"), "DeliverInvoices") || h.int(`select count(*) from deliveries where status = 'sent'`) != 0 {
		t.Fatalf("waiting: %v", sum.Waiting)
	}
	if sum.Status != "publishing" { // every invoice is final; its e-mail still waits
		t.Fatalf("batch status %q while its e-mail waits, want publishing", sum.Status)
	}

	api, _ := testdb.Mailpit(t, smtpAddr)
	for h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, id) < 3 {
		if time.Now().After(deadline.Add(2 * time.Minute)) {
			t.Fatal("the e-mails did not go once the server was back")
		}
		time.Sleep(200 * time.Millisecond)
	}
	msgs := sinkMessages(t, api)
	rows, err := h.db.Query(context.Background(), `select id from invoices where batch_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) != 3 {
		t.Fatalf("invoices %v %v", ids, err)
	}
	for _, id := range ids {
		if m := msgs[activities.MessageID(h.inst, id, 1)]; len(m) != 1 || m[0].Attachments != 2 {
			t.Errorf("invoice %d: %d messages, want exactly one with both attachments", id, len(m))
		}
	}
	if n := h.int(`select count(*) from deliveries where status <> 'sent'`); n != 0 {
		t.Errorf("%d deliveries not sent", n)
	}
}

// The mail sink's web page is built with its UI (Mailpit's module holds only the UI's
// sources; the stack builds them): its page loads a script bundle that is there.
func TestMailSinkPageHasItsUI(t *testing.T) {
	testdb.Integration(t)
	api := os.Getenv("MAILPIT_API")
	if api == "" {
		t.Fatal("MAILPIT_API is not set: run tests with `make test`")
	}
	get := func(path string) string {
		resp, err := http.Get(api + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s", path, resp.Status)
		}
		return string(b)
	}
	page := get("/")
	if !strings.Contains(page, "dist/app.js") {
		t.Fatalf("the sink's page does not load its UI:\n%.500s", page)
	}
	if js := get("/dist/app.js"); len(js) < 100_000 {
		t.Errorf("the UI bundle is %d bytes: not built", len(js))
	}
}
