// Package workflows orchestrates bill runs: a batch workflow fans out one invoice child
// workflow per invoice. Workflow code is deterministic: it only decides and waits; every
// effect happens in an activity.
package workflows

import (
	"strconv"

	"go.temporal.io/sdk/temporal"
)

// Custom search attributes, registered on the server by the stack scripts. They make
// batches and invoices findable and their progress visible in the Web UI.
var (
	AttrBatchID           = temporal.NewSearchAttributeKeyKeyword("BillrunBatchId")
	AttrBatchStatus       = temporal.NewSearchAttributeKeyKeyword("BillrunBatchStatus")
	AttrInvoicesTotal     = temporal.NewSearchAttributeKeyInt64("BillrunInvoicesTotal")
	AttrInvoicesCompleted = temporal.NewSearchAttributeKeyInt64("BillrunInvoicesCompleted")
	AttrInvoicesFailed    = temporal.NewSearchAttributeKeyInt64("BillrunInvoicesFailed")
	AttrCustomer          = temporal.NewSearchAttributeKeyKeyword("BillrunCustomer")
	AttrInvoiceStatus     = temporal.NewSearchAttributeKeyKeyword("BillrunInvoiceStatus")
)

// SearchAttributeTypes lists them for registration (name=Type, as the Temporal CLI takes them).
var SearchAttributeTypes = []string{
	"BillrunBatchId=Keyword",
	"BillrunBatchStatus=Keyword",
	"BillrunInvoicesTotal=Int",
	"BillrunInvoicesCompleted=Int",
	"BillrunInvoicesFailed=Int",
	"BillrunCustomer=Keyword",
	"BillrunInvoiceStatus=Keyword",
}

// BatchWorkflowID and InvoiceWorkflowID are the business keys of the workflows: one batch,
// one invoice, one id, reused when an operator retries.
func BatchWorkflowID(batchID string) string { return "billrun-batch-" + batchID }

// InvoiceWorkflowID is the invoice's workflow id.
func InvoiceWorkflowID(invoiceID int64) string {
	return "billrun-invoice-" + strconv.FormatInt(invoiceID, 10)
}
