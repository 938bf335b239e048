package main

import (
	"context"
	"sync"
	"testing"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"billrun/activities"
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
	sink.Stop()
	id := threeInvoiceBatch(t, h, "PUBCANCEL")
	h.waitFor("the invoices printed, their e-mail held", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and fiscal_status = 'pdf' and delivery_status = 'pending'`, id) == 3
	})
	time.Sleep(2 * time.Second) // the e-mail pass meets the server down and retries
	tc, pub := cancelPublication(t, h, id)
	endsCancelled(t, tc, pub)
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

// A publication cancelled while an e-mail is being handed over (the server took it, its
// outcome not yet recorded) ends only once that pass has stopped and recorded it sent:
// ending at once, it left the e-mail "sending", and the next run would record it as
// uncertain.
func TestCancelledPublicationWaitsForTheEmailHandedOver(t *testing.T) {
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hold := func() error { // after the server took the message, before its outcome is recorded
		first := false
		once.Do(func() { first = true })
		if first {
			close(held)
			<-release
		}
		return nil
	}
	h, sink, _ := publishingHarness(t, activities.WithAfterSend(hold))
	free := sync.OnceFunc(func() { close(release) })
	defer free() // a failed test must not leave the worker's pass held
	id := threeInvoiceBatch(t, h, "PUBHOLD")
	select {
	case <-held:
	case <-time.After(time.Minute):
		t.Fatal("no e-mail handed over")
	}
	tc, pub := cancelPublication(t, h, id)
	time.Sleep(8 * time.Second) // the pass hears of it at its next heartbeat (every 5 s)
	d, err := tc.DescribeWorkflowExecution(context.Background(), pub, "")
	if err != nil {
		t.Fatal(err)
	}
	if st := d.WorkflowExecutionInfo.GetStatus(); st != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("publication is %s while its e-mail pass still hands a message over, want running until the pass stops", st)
	}
	free()
	endsCancelled(t, tc, pub)
	if n := h.int(`select count(*) from invoices where batch_id = $1 and delivery_status in ('sending', 'uncertain')`, id); n != 0 {
		t.Fatalf("%d e-mails left sending or uncertain once the cancelled publication ended", n)
	}
	h.mustRun("batch", "resume", id, "--wait", "--timeout", "2m")
	if n := h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, id); n != 3 {
		t.Fatalf("%d of 3 e-mailed after resume", n)
	}
	if n := len(sinkMessages(t, sink.API)); n != 3 {
		t.Errorf("%d messages in the sink, want 3", n)
	}
}

// threeInvoiceBatch imports the bench's dataset of 3 orders and bills them in a batch.
func threeInvoiceBatch(t *testing.T, h *harness, prefix string) string {
	t.Helper()
	if _, err := h.st.Import(context.Background(), bench.Dataset(bench.Options{Invoices: 3, Lines: 1}, testdb.SAT(t, "csd"))); err != nil {
		t.Fatal(err)
	}
	id := h.batchID(prefix)
	h.mustRun("batch", "create", "--id", id, "--orders", "1-3", "--series", "A", "--date", "2026-11-23")
	return id
}

// cancelPublication cancels the batch's publication workflow as an operator would.
func cancelPublication(t *testing.T, h *harness, batchID string) (client.Client, string) {
	t.Helper()
	tc, err := h.cfg.Temporal(zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	pub := workflows.PublishWorkflowID(h.inst, batchID)
	if err := tc.CancelWorkflow(context.Background(), pub, ""); err != nil {
		t.Fatal(err)
	}
	return tc, pub
}

// endsCancelled wants the publication ended as cancelled within a minute.
func endsCancelled(t *testing.T, tc client.Client, pub string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := tc.GetWorkflow(ctx, pub, "").Get(ctx, nil); !temporal.IsCanceledError(err) {
		t.Fatalf("cancelled publication ended with %v, want cancelled", err)
	}
}
