package workflows

import (
	"go.temporal.io/sdk/worker"

	"billrun/activities"
)

// Register puts billrun's workflows and activities on a worker.
func Register(w worker.Registry, acts *activities.Activities) {
	w.RegisterWorkflow(BatchWorkflow)
	w.RegisterWorkflow(InvoiceWorkflow)
	w.RegisterWorkflow(PublishWorkflow)
	w.RegisterWorkflow(DeliveryWorkflow)
	w.RegisterWorkflow(ScheduledRunWorkflow)
	w.RegisterWorkflow(CreditNoteWorkflow)
	w.RegisterWorkflow(CancelInvoiceWorkflow)
	w.RegisterActivity(acts)
}
