package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"billrun/activities"
	"billrun/internal/importfmt"
	"billrun/internal/model"
	"billrun/schema/testdb"
	"billrun/starter/bench"

	"github.com/shopspring/decimal"
)

// gate is a TCP proxy that can be shut: while shut, every connection is closed at once, as
// a server that is down. Tests put it in front of the PAC.
type gate struct {
	addr string
	mu   sync.Mutex
	shut bool
}

func newGate(t *testing.T, target string) *gate {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	g := &gate{addr: l.Addr().String()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			g.mu.Lock()
			shut := g.shut
			g.mu.Unlock()
			if shut {
				c.Close()
				continue
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c) }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	return g
}

func (g *gate) set(shut bool) {
	g.mu.Lock()
	g.shut = shut
	g.mu.Unlock()
}

// publishingHarness is a harness whose worker e-mails through a private mail sink and
// stamps through a gate in front of the stack's sandbox PAC, so a test can take either
// down. opts are the worker's activities' test hooks.
func publishingHarness(t *testing.T, opts ...activities.Option) (*harness, *testdb.MailSink, *gate) {
	t.Helper()
	h := newHarness(t, false)
	smtpAddr := testdb.FreeAddr(t)
	sink := testdb.StartMailpit(t, smtpAddr, filepath.Join(t.TempDir(), "mail.db"))
	h.cfg.SMTPHost, h.cfg.SMTPPort = "127.0.0.1", strings.TrimPrefix(smtpAddr, "127.0.0.1:")
	pac, err := url.Parse(h.cfg.PACURL)
	if err != nil || pac.Host == "" {
		t.Fatalf("PAC_URL %q: %v", h.cfg.PACURL, err)
	}
	g := newGate(t, pac.Host)
	pac.Host = g.addr
	h.cfg.PACURL = pac.String()
	h.startWorker(opts...)
	return h, sink, g
}

// retryDataset is the bench's dataset (customers with e-mail, SAT's test CSD) of n orders;
// order 2 also wants an item with no VAT rate: it fails at pricing.
func retryDataset(t *testing.T, n int) *importfmt.Dataset {
	d := bench.Dataset(bench.Options{Invoices: n, Lines: 1}, testdb.SAT(t, "csd"))
	unstocked := false
	d.Items = append(d.Items, importfmt.Item{Code: "BAD", Description: "Sin perfil fiscal", UnitPrice: decimal.NewFromInt(100), Stocked: &unstocked})
	d.Orders[1].Lines = append(d.Orders[1].Lines, importfmt.OrderLine{Item: "BAD", Ordered: decimal.NewFromInt(1)})
	return d
}

// Issue 21: a failed invoice retried while its batch's publication is still busy with the
// others — e-mail held by a mail server that is down, stamping held by a PAC that is
// down — or after publication has ended, is stamped, printed and e-mailed, and `invoice
// retry --wait` returns within seconds of it. (Printing has no server to hold it; the
// workflow test TestPublishTakesAnInvoiceRetriedAtAnyStage retries during every stage.)
func TestRetriedInvoiceIsPublishedWhateverPublicationIsDoing(t *testing.T) {
	for _, hold := range []string{"mail", "pac", "nothing"} {
		t.Run("holding "+hold, func(t *testing.T) { retryWhilePublishing(t, hold) })
	}
}

func retryWhilePublishing(t *testing.T, hold string) {
	h, sink, pac := publishingHarness(t)
	if _, err := h.st.Import(context.Background(), retryDataset(t, 4)); err != nil {
		t.Fatal(err)
	}
	id := h.batchID("RETRY")
	h.mustRun("batch", "create", "--id", id, "--orders", "1-4", "--series", "A", "--date", "2026-11-23", "--draft")
	h.waitFor("the draft", time.Minute, func() bool { return h.str(`select status from batches where id = $1`, id) == "awaiting_approval" })
	switch hold {
	case "mail":
		sink.Stop()
	case "pac":
		pac.set(true)
	}
	h.mustRun("batch", "approve", id)
	h.waitFor("the batch finished", time.Minute, func() bool { return h.str(`select status from batches where id = $1`, id) == "finished" })
	failed := h.int(`select id from invoices where batch_id = $1 and status = 'failed'`, id)
	defer func() {
		if t.Failed() {
			t.Logf("invoices: %s", h.str(`select string_agg(id || ' ' || status || ' ' || fiscal_status || ' ' || delivery_status || ' ' || fiscal_error || ' ' || error_step || ' ' || error_reason || ' attempt ' || attempt, '; ' order by id) from invoices where batch_id = $1`, id))
		}
	}()
	switch hold {
	case "mail":
		h.waitFor("the others printed, their e-mail held", time.Minute, func() bool {
			return h.int(`select count(*) from invoices where batch_id = $1 and fiscal_status = 'pdf' and delivery_status = 'pending'`, id) == 3
		})
	case "pac":
		h.waitFor("the others sealed, their stamping held", time.Minute, func() bool {
			return h.int(`select count(*) from invoices where batch_id = $1 and fiscal_status = 'sealed'`, id) == 3
		})
	default:
		h.waitFor("the others e-mailed and publication ended", time.Minute, func() bool {
			return h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, id) == 3
		})
	}

	h.importJSON(`{"items": [{"code": "BAD", "description": "Ya con perfil fiscal", "unit_price": 100, "vat_rate": 16, "stocked": false}]}`)
	type answer struct {
		out string
		err error
		at  time.Time
	}
	done := make(chan answer, 1)
	go func() {
		out, err := h.run("invoice", "retry", fmt.Sprint(failed), "--wait", "--timeout", "2m", "--json")
		done <- answer{out, err, time.Now()}
	}()
	if hold != "nothing" {
		h.waitFor("the retried invoice sealed", time.Minute, func() bool {
			return h.int(`select count(*) from invoices where id = $1 and fiscal_status <> 'unsealed'`, failed) == 1
		})
		time.Sleep(2 * time.Second) // publication busy with the others and now this one
		sink.Start()
		pac.set(false)
	}
	back := time.Now()
	var got answer
	select {
	case got = <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("invoice retry --wait did not return")
	}
	if got.err != nil {
		t.Fatalf("invoice retry --wait: %v\n%s", got.err, got.out)
	}
	var sum model.Summary
	if err := json.NewDecoder(strings.NewReader(got.out)).Decode(&sum); err != nil || sum.Completed != 4 || sum.Failed != 0 {
		t.Fatalf("summary after the retry (%v): %+v\n%s", err, sum, got.out)
	}
	if s := h.str(`select fiscal_status || ' ' || delivery_status from invoices where id = $1`, failed); s != "pdf sent" {
		t.Fatalf("the retried invoice is %s, want pdf sent", s)
	}
	sent := h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, id)
	t.Logf("held %s: retry --wait returned %s after the server was back; %d of 4 sent", hold, got.at.Sub(back).Round(100*time.Millisecond), sent)
	// The publication's stages retry a server that is down at least every 15 s.
	if d := got.at.Sub(back); d > 40*time.Second {
		t.Errorf("retry --wait returned %s after the server was back", d)
	}
	h.waitFor("every invoice e-mailed", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, id) == 4
	})
	h.checkBooks()
}
