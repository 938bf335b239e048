package workflows

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// ContingencyWorkflow sends contingency documents (Uruguay: paper documents on DGI's
// contingency series, recorded by billrun invoice contingency import) to DGI as CFE: it
// seals each (signed, valid against DGI's schema; one that cannot be sealed keeps the
// reason as its fiscal error, the others go on) and sends them in envelopes of up to 250,
// keeping DGI's ACKSobre and ACKCFE as any CFE's. DGI unreachable is retried with backoff
// for as long as it takes — they go when the service is back —; a CFE DGI rejects (BE)
// stays unstamped with DGI's code and text (billrun invoice restamp after the fix). The
// paper was handed over: nothing is printed or e-mailed.
func ContingencyWorkflow(ctx workflow.Context, in ContingencyInput) (ContingencyOutcome, error) {
	t := in.Timeouts.withDefaults()
	out := ContingencyOutcome{InvoiceIDs: in.InvoiceIDs}
	for _, id := range in.InvoiceIDs {
		if err := step(ctx, t, "Sealing", publishing.SealInvoice, nil, activities.Document{InvoiceID: id}); err != nil {
			out.Unsealed = append(out.Unsealed, fmt.Sprintf("invoice %d: %v", id, err))
		}
	}
	retry := retryTransient()
	retry.MaximumInterval = 5 * time.Minute // DGI may be down for hours: asked now and then, for as long as it takes
	sctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Minute, HeartbeatTimeout: time.Minute,
		RetryPolicy: retry, Summary: "Sending to DGI in envelopes"})
	var res activities.PublishResult
	if err := workflow.ExecuteActivity(sctx, publishing.StampContingency, activities.ContingencyDocuments{InvoiceIDs: in.InvoiceIDs}).Get(ctx, &res); err != nil {
		return out, err
	}
	out.Sent = true
	return out, nil
}

// ContingencyWorkflowID is the business key of a set of contingency documents' sending: the
// same documents (the same file imported again) are the same sending.
func ContingencyWorkflowID(installation string, invoiceIDs []int64) string {
	ids := slices.Sorted(slices.Values(invoiceIDs))
	h := sha256.New()
	for _, id := range ids {
		_ = binary.Write(h, binary.BigEndian, id)
	}
	return fmt.Sprintf("%scontingency-%d-%x", prefix(installation), len(ids), h.Sum(nil)[:8])
}

// ContingencyInput names the contingency documents to send.
type ContingencyInput struct {
	InvoiceIDs []int64  `json:"invoice_ids"`
	Timeouts   Timeouts `json:"timeouts,omitempty"`
}

// ContingencyOutcome says the documents were sent and DGI answered them (each one's answer
// is its invoice's: stamped, or DGI's refusal as its fiscal error), and those that could not
// be sealed.
type ContingencyOutcome struct {
	InvoiceIDs []int64  `json:"invoice_ids"`
	Unsealed   []string `json:"unsealed,omitempty"`
	Sent       bool     `json:"sent"`
}

// StartContingency starts the sending of contingency documents, or follows the one running;
// once ended, it starts again (every step is idempotent: documents stamped already are
// skipped, an envelope recorded is sent again as it is).
func (c Client) StartContingency(ctx context.Context, invoiceIDs []int64, summary string) (client.WorkflowRun, error) {
	return c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       ContingencyWorkflowID(c.Installation, invoiceIDs),
		TaskQueue:                c.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(AttrDocumentKind.ValueSet("contingency")),
		StaticSummary:            summary,
	}, ContingencyWorkflow, ContingencyInput{InvoiceIDs: invoiceIDs})
}
