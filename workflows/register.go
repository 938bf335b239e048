package workflows

import (
	"go.temporal.io/sdk/worker"

	"billrun/activities"
)

// Register puts billrun's workflows and activities on a worker. The activities reach
// Temporal through wc: they wake a batch's publication and follow invoice workflows.
func Register(w worker.Registry, acts *activities.Activities, wc Client) {
	acts.SetWorkflows(wc)
	w.RegisterWorkflow(BatchWorkflow)
	w.RegisterWorkflow(InvoiceWorkflow)
	w.RegisterWorkflow(PublishWorkflow)
	w.RegisterWorkflow(DeliveryWorkflow)
	w.RegisterWorkflow(ScheduledRunWorkflow)
	w.RegisterWorkflow(CreditNoteWorkflow)
	w.RegisterWorkflow(PaymentReceiptWorkflow)
	w.RegisterWorkflow(GlobalInvoiceWorkflow)
	w.RegisterWorkflow(MonthlyReceiptsWorkflow)
	w.RegisterWorkflow(MonthlyReceiptWorkflow)
	w.RegisterWorkflow(CancelInvoiceWorkflow)
	w.RegisterWorkflow(DailyReportWorkflow)
	w.RegisterWorkflow(ScheduledDailyReportWorkflow)
	w.RegisterWorkflow(ContingencyWorkflow)
	acts.Register(w)
}
