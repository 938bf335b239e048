package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"billrun/schema/testdb"
	"billrun/starter/bench"
	"billrun/workflows"

	"go.uber.org/zap"
)

// Issue 21: while the mail server is down for 45 s in the middle of a 700-invoice batch,
// new invoice workflows keep starting and numbering keeps rising: e-mail never holds the
// window, the numbering or the batch's loop. Publication sends everything once the server
// is back and ends soon after the batch.
func TestMailOutageNeverStallsNumbering(t *testing.T) {
	const n = 700
	h, sink, _ := publishingHarness(t)
	ctx := context.Background()
	if err := h.st.StartIDsAt(ctx, time.Now().UnixNano()/1000%1_000_000_000*1000); err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.Import(ctx, bench.Dataset(bench.Options{Invoices: n, Lines: 2}, testdb.SAT(t, "csd"))); err != nil {
		t.Fatal(err)
	}
	id := h.batchID("OUTAGE")
	h.mustRun("batch", "create", "--id", id, "--orders", fmt.Sprintf("1-%d", n), "--series", "A", "--date", "2026-11-23", "--grouping", "none")
	numbered := func() int {
		return h.int(`select count(*) from invoices where batch_id = $1 and number is not null`, id)
	}
	h.waitFor("the first invoices numbered", 5*time.Minute, func() bool { return numbered() >= 50 })

	// Down for 45 s; numbering is sampled for as long as it goes on meanwhile.
	sink.Stop()
	start := time.Now()
	type sample struct {
		at       time.Duration
		numbered int
	}
	var samples []sample
	for time.Since(start) < 45*time.Second {
		if c := numbered(); c < n {
			samples = append(samples, sample{time.Since(start), c})
		}
		time.Sleep(500 * time.Millisecond)
	}
	sink.Start()
	outage := time.Since(start)
	if len(samples) < 2 {
		t.Fatalf("numbering ended %d samples into the outage: nothing to measure", len(samples))
	}

	// The longest stretch of the outage in which numbering did not move.
	var flat time.Duration
	last := samples[0]
	for _, s := range samples[1:] {
		if s.numbered > last.numbered {
			last = s
			continue
		}
		flat = max(flat, s.at-last.at)
	}
	gained := samples[len(samples)-1].numbered - samples[0].numbered
	t.Logf("mail down %s: %d invoices numbered meanwhile (%d → %d), longest flat stretch %s",
		outage.Round(time.Second), gained, samples[0].numbered, samples[len(samples)-1].numbered, flat.Round(100*time.Millisecond))
	if flat > 5*time.Second {
		t.Errorf("numbering stood still for %s while the mail server was down", flat)
	}

	done, err := waitBatchAndPublication(h, id, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// A message the server was taking when it went down is 'uncertain': billrun never sends
	// a second copy on its own (an operator checks and resends), so at most the pass's
	// concurrency can be; every other invoice is sent.
	sent := h.int(`select count(*) from invoices where batch_id = $1 and status = 'completed' and delivery_status = 'sent'`, id)
	uncertain := h.int(`select count(*) from invoices where batch_id = $1 and status = 'completed' and delivery_status = 'uncertain'`, id)
	if sent+uncertain != n || uncertain > 4 {
		t.Fatalf("%d of %d completed and sent, %d uncertain; by status: %s", sent, n, uncertain,
			h.str(`select string_agg(s, ', ') from (select status || '/' || fiscal_status || '/' || delivery_status || ' ' || count(*) s
			       from invoices where batch_id = $1 group by 1 order by 1) x`, id))
	}
	t.Logf("%d sent, %d uncertain (taken by the server as it went down)", sent, uncertain)
	// Once the server is back the publication sends the backlog (hundreds of e-mails, a few
	// at once); it must end, not wait on itself.
	lag := done.publication.Sub(done.batch)
	t.Logf("publication ended %s after the batch", lag.Round(time.Second))
	if lag > 4*time.Minute {
		t.Errorf("publication ended %s after the batch", lag.Round(time.Second))
	}
	h.checkBooks()
}

// ended is when a batch's workflow and then its publication ended.
type ended struct{ batch, publication time.Time }

// waitBatchAndPublication waits for a batch's workflow, then its publication, to end.
func waitBatchAndPublication(h *harness, id string, d time.Duration) (ended, error) {
	var e ended
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		return e, err
	}
	defer tc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := tc.GetWorkflow(ctx, workflows.BatchWorkflowID(h.inst, id), "").Get(ctx, nil); err != nil {
		return e, err
	}
	e.batch = time.Now()
	if err := tc.GetWorkflow(ctx, workflows.PublishWorkflowID(h.inst, id), "").Get(ctx, nil); err != nil {
		return e, err
	}
	e.publication = time.Now()
	return e, nil
}
