package main

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"billrun/internal/model"
	"billrun/schema/testdb"
	"billrun/starter/bench"
	"billrun/workflows"
)

// An operator who cancels a batch's publication while its e-mail pass retries a mail
// server that is down sees it end cancelled within seconds (it used to spin on its
// cancelled waits); `batch resume` starts it again, and every invoice is e-mailed once.
func TestCancelledPublicationIsResumed(t *testing.T) {
	h, sink, _ := publishingHarness(t)
	if _, err := h.st.Import(context.Background(), bench.Dataset(bench.Options{Invoices: 3, Lines: 1}, testdb.SAT(t, "csd"))); err != nil {
		t.Fatal(err)
	}
	sink.Stop()
	id := h.batchID("PUBCANCEL")
	h.mustRun("batch", "create", "--id", id, "--orders", "1-3", "--series", "A", "--date", "2026-11-23")
	h.waitFor("the invoices printed, their e-mail held", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and fiscal_status = 'pdf' and delivery_status = 'pending'`, id) == 3
	})
	time.Sleep(2 * time.Second) // the e-mail pass meets the server down and retries
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	pub := workflows.PublishWorkflowID(h.inst, id)
	if err := tc.CancelWorkflow(context.Background(), pub, ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = tc.GetWorkflow(ctx, pub, "").Get(ctx, nil)
	if !temporal.IsCanceledError(err) {
		t.Fatalf("cancelled publication ended with %v, want cancelled", err)
	}
	sink.Start()
	var sum model.Summary
	h.runJSON(&sum, "batch", "resume", id, "--wait", "--timeout", "2m")
	if n := h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, id); n != 3 {
		t.Fatalf("%d of 3 e-mailed after resume", n)
	}
	for mid, ms := range sinkMessages(t, sink.API) {
		if len(ms) != 1 {
			t.Errorf("message %s received %d times", mid, len(ms))
		}
	}
	if n := len(sinkMessages(t, sink.API)); n != 3 {
		t.Errorf("%d messages in the sink, want 3", n)
	}
}
