package workflows

import (
	"context"
	"fmt"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// GlobalInvoiceWorkflow makes the global invoice of a series for a period (MX: the period's
// tickets sold to the general public, one CFDI with InformacionGlobal): it records and
// numbers it, then seals, stamps, prints and e-mails it like an invoice. A period with no
// tickets ends at the first step. Every step is idempotent: starting it again takes an
// interrupted or failed global invoice on from where it stopped.
func GlobalInvoiceWorkflow(ctx workflow.Context, in GlobalInvoiceInput) (GlobalInvoiceOutcome, error) {
	t := in.Timeouts.withDefaults()
	var out GlobalInvoiceOutcome
	if err := step(ctx, t, "Record the global invoice and number it", receipts.IssueGlobalInvoice, &out.Invoice, in.Request); err != nil {
		return out, err
	}
	if out.Invoice.NotNeeded != "" {
		return out, nil
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, AttrInvoiceNumber.ValueSet(fmt.Sprintf("%s-%d", out.Invoice.Series, out.Invoice.Number)))
	// Global invoices of the period made before and never published go out first.
	for _, id := range out.Invoice.Unpublished {
		if _, err := publishDocument(ctx, t, id); err != nil {
			return out, err
		}
	}
	var err error
	out.Published, err = publishDocument(ctx, t, out.Invoice.ID)
	return out, err
}

// GlobalInvoiceWorkflowID is the business key of a series' global invoice for a period.
func GlobalInvoiceWorkflowID(installation, series, from, to string) string {
	return prefix(installation) + "global-" + series + "-" + from + "-" + to
}

// GlobalInvoiceInput asks for a series' global invoice of a period.
type GlobalInvoiceInput struct {
	Request  activities.GlobalInvoiceRequest `json:"request"`
	Timeouts Timeouts                        `json:"timeouts,omitempty"`
}

// GlobalInvoiceOutcome is the global invoice made, and whether it was sealed, stamped,
// printed and e-mailed.
type GlobalInvoiceOutcome struct {
	Invoice   activities.GlobalInvoiceResult `json:"invoice"`
	Published bool                           `json:"published"`
}

// StartGlobalInvoice starts the workflow of a series' global invoice for a period, or
// follows the one running; once ended, it starts again (a global invoice whose step
// failed, fixed since, or tickets completed since in a period with none before).
func (c Client) StartGlobalInvoice(ctx context.Context, r activities.GlobalInvoiceRequest) (client.WorkflowRun, error) {
	return c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       GlobalInvoiceWorkflowID(c.Installation, r.Series, r.From, r.To),
		TaskQueue:                c.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrDocumentKind.ValueSet("global_invoice"),
			AttrInvoiceStatus.ValueSet("processing")),
		StaticSummary: fmt.Sprintf("Global invoice of series %s for %s..%s (periodicidad %s)", r.Series, r.From, r.To, r.Periodicidad),
	}, GlobalInvoiceWorkflow, GlobalInvoiceInput{Request: r})
}
