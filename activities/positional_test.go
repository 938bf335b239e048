package activities_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
	"billrun/internal/store"
)

// legacyCaller schedules activities as the release before struct inputs did: by name, with
// positional arguments, as a workflow history pending at an upgrade holds them.
func legacyCaller(ctx workflow.Context) (activities.PriceResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var priced activities.PriceResult
	if err := workflow.ExecuteActivity(ctx, "PriceInvoice", int64(7)).Get(ctx, &priced); err != nil {
		return priced, err
	}
	err := workflow.ExecuteActivity(ctx, "DischargeStock", int64(7), priced.Attempt).Get(ctx, nil)
	return priced, err
}

// An activity an earlier release scheduled with positional arguments runs on this worker:
// the data converter hands the arguments to the input struct's fields in order.
func TestPositionalArgumentsOfAnEarlierReleaseStillRun(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetDataConverter(activities.DataConverter())
	tx := &invoiceTx{head: store.InvoiceHead{ID: 7, Status: "processing", Attempt: 3, Total: decimal.NewFromInt(5)},
		stock:  []store.StockLine{{ID: 1, Warehouse: "W1", Item: "A", Quantity: decimal.NewFromInt(1)}},
		onHand: map[string]decimal.Decimal{"W1/A": decimal.NewFromInt(4)}}
	env.RegisterActivity(&activities.Invoicing{Store: inTx[activities.InvoicingTx]{tx}})
	env.RegisterWorkflow(legacyCaller)
	env.ExecuteWorkflow(legacyCaller)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var priced activities.PriceResult
	if err := env.GetWorkflowResult(&priced); err != nil || priced.Attempt != 3 {
		t.Fatalf("priced %+v %v", priced, err)
	}
	// DischargeStock(7, 3) became InvoiceStep{InvoiceID: 7, Attempt: 3}: attempt 3's movement.
	if len(tx.moves) != 1 || tx.moves[0].Attempt != 3 {
		t.Fatalf("moves %+v", tx.moves)
	}
}

// Results an earlier release answered bare decode into the structs that replaced them,
// as replays of recorded histories need.
func TestBareResultsOfAnEarlierReleaseDecode(t *testing.T) {
	var open activities.OpenInvoices
	if err := json.Unmarshal([]byte(`[{"id":4,"group_no":2,"customer":"C"}]`), &open); err != nil || len(open.Invoices) != 1 || open.Invoices[0].ID != 4 {
		t.Fatalf("open invoices %+v %v", open, err)
	}
	var n activities.RetriesPrepared
	if err := json.Unmarshal([]byte(`3`), &n); err != nil || n.Count != 3 {
		t.Fatalf("retries %+v %v", n, err)
	}
	var c activities.CancelAnswer
	if err := json.Unmarshal([]byte(`"pending"`), &c); err != nil || c.Status != "pending" {
		t.Fatalf("cancel %+v %v", c, err)
	}
	var b activities.ScheduledBatchID
	if err := json.Unmarshal([]byte(`{"batch_id":"S-1"}`), &b); err != nil || b.BatchID != "S-1" {
		t.Fatalf("today's shape %+v %v", b, err)
	}
}
