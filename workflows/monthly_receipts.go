package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"billrun/activities"
)

// monthlyPage is how many customers' receipts a monthly run makes at once.
const monthlyPage = 25

// MonthlyReceiptsWorkflow makes a monthly issuer's payment receipts of a month (MX: one
// CFDI P per receiver for its payments of the month, due by the 5th of the next): a page
// of receivers at a time, one child MonthlyReceiptWorkflow per receiver, so one receiver's
// failure stops no other's. Run by its Schedule (the month before the run, in Mexico City)
// or by hand (payment receipts --month). It continues as new when its history grows.
func MonthlyReceiptsWorkflow(ctx workflow.Context, in MonthlyReceiptsInput) (MonthlyReceiptsOutcome, error) {
	t := in.Timeouts.withDefaults()
	if in.Month == "" { // a Schedule's run: the month before, and any left before it
		in.Sweep = true
		nominal := workflow.Now(ctx)
		if s, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime); ok {
			nominal = s
		}
		loc, err := time.LoadLocation("America/Mexico_City") // where the 5th-of-the-month rule runs
		if err != nil {
			return MonthlyReceiptsOutcome{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadSchedule", nil)
		}
		m := nominal.In(loc)
		in.Month = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
	}
	out := in.SoFar
	out.Month = in.Month
	if in.Sweep && in.Months == nil && workflow.GetVersion(ctx, "sweep-months", workflow.DefaultVersion, 1) == 1 {
		// Every month up to this one with payments waiting: late payments of a month run
		// already, payments whose receipt was cancelled, those left by a change of mode.
		req := activities.MonthlyReceiversRequest{Issuer: in.Issuer, Month: in.Month}
		if err := step(ctx, t, "List the months whose payments wait", receipts.PendingMonths, &in.Months, req); err != nil {
			return out, err
		}
		if len(in.Months) == 0 {
			in.Months = []string{in.Month}
		}
		out.Months = in.Months
	}
	if len(in.Months) > 0 {
		in.Month = in.Months[0]
	}
	for {
		// Checked before every page, the next month's first too: a long sweep goes on in a new run.
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			in.SoFar = out
			return out, workflow.NewContinueAsNewError(ctx, MonthlyReceiptsWorkflow, in)
		}
		var page []string
		req := activities.MonthlyReceiversRequest{Issuer: in.Issuer, Month: in.Month, After: in.After, Limit: monthlyPage}
		if err := step(ctx, t, "List the receivers whose payments wait", receipts.MonthlyReceivers, &page, req); err != nil {
			return out, err
		}
		if len(page) == 0 && len(in.Months) > 1 { // the next month
			in.Months, in.Month, in.After = in.Months[1:], in.Months[1], ""
			continue
		}
		if len(page) == 0 {
			return out, nil
		}
		var futures []workflow.ChildWorkflowFuture
		for _, customer := range page {
			r := activities.MonthlyReceiptRequest{Issuer: in.Issuer, Customer: customer, Month: in.Month}
			cctx := workflow.WithChildOptions(ctx, monthlyReceiptOptions(in.Installation, r))
			futures = append(futures, workflow.ExecuteChildWorkflow(cctx, MonthlyReceiptWorkflow, MonthlyReceiptInput{Request: r, Timeouts: in.Timeouts}))
		}
		for i, f := range futures {
			var res PaymentReceiptOutcome
			out.count(page[i], res, f.Get(ctx, &res))
		}
		in.After = page[len(page)-1]
	}
}

// MonthlyReceiptWorkflow makes one customer's receipt of a month's payments: it records
// and numbers it, then seals, stamps, prints and e-mails it. Started again, it answers the
// receipt made and takes it on from where it stopped.
func MonthlyReceiptWorkflow(ctx workflow.Context, in MonthlyReceiptInput) (PaymentReceiptOutcome, error) {
	t := in.Timeouts.withDefaults()
	var out PaymentReceiptOutcome
	if err := step(ctx, t, "Record the month's receipt and number it", receipts.IssueMonthlyReceipt, &out.Receipt, in.Request); err != nil {
		return out, err
	}
	// Receipts of the month made before but never published (a run stopped midway) are
	// taken on first; one that fails still lets the new one go out.
	var first error
	for _, id := range out.Receipt.Unpublished {
		if _, err := publishDocument(ctx, t, id); err != nil && first == nil {
			first = err
		}
	}
	if out.Receipt.NotNeeded != "" {
		return out, first
	}
	var err error
	out.Published, err = publishDocument(ctx, t, out.Receipt.ID)
	if err == nil {
		err = first
	}
	return out, err
}

func monthlyReceiptOptions(installation string, r activities.MonthlyReceiptRequest) workflow.ChildWorkflowOptions {
	return workflow.ChildWorkflowOptions{
		WorkflowID:            MonthlyReceiptWorkflowID(installation, r.Issuer, r.Month, r.Customer),
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrDocumentKind.ValueSet("payment_receipt"), AttrCustomer.ValueSet(r.Customer),
			AttrInvoiceStatus.ValueSet("processing")),
		StaticSummary: fmt.Sprintf("Payment receipt of %s for %s's payments of %s", r.Issuer, r.Customer, r.Month),
	}
}

// count adds one receiver's outcome to the run's.
func (o *MonthlyReceiptsOutcome) count(customer string, res PaymentReceiptOutcome, err error) {
	var started *temporal.ChildWorkflowExecutionAlreadyStartedError
	switch {
	case errors.As(err, &started):
		o.UnderWay++ // another run makes it now
	case err != nil:
		o.Failed++
		if len(o.Failures) < 20 {
			o.Failures = append(o.Failures, customer+": "+failureReason(err))
		}
	case res.Receipt.NotNeeded != "":
		o.None++
	default:
		o.Issued++
		if res.Receipt.Late != "" && len(o.Late) < 20 {
			o.Late = append(o.Late, customer+": "+res.Receipt.Late)
		}
	}
}

// failureReason is why a receiver's receipt failed: its business error's reason, or how
// its workflow ended.
func failureReason(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Error()
	}
	return endedReason(err)
}

// MonthlyReceiptsWorkflowID is the business key of a monthly issuer's run for a month.
func MonthlyReceiptsWorkflowID(installation, issuer, month string) string {
	return prefix(installation) + "monthly-receipts-" + issuer + "-" + month
}

// MonthlyReceiptWorkflowID is the business key of a customer's receipt of a month.
func MonthlyReceiptWorkflowID(installation, issuer, month, customer string) string {
	return prefix(installation) + "monthly-receipt-" + issuer + "-" + month + "-" + customer
}

// MonthlyReceiptsInput asks for a monthly issuer's receipts of a month ("" in a Schedule:
// the month before the run). After and SoFar carry a run on across continue-as-new.
type MonthlyReceiptsInput struct {
	Installation string `json:"installation"`
	Issuer       string `json:"issuer"`
	Month        string `json:"month,omitempty"`
	// Sweep: every month up to Month with payments waiting, oldest first (Months, once listed).
	Sweep    bool                   `json:"sweep,omitempty"`
	Months   []string               `json:"months,omitempty"`
	After    string                 `json:"after,omitempty"`
	SoFar    MonthlyReceiptsOutcome `json:"so_far"`
	Timeouts Timeouts               `json:"timeouts,omitempty"`
}

// MonthlyReceiptInput asks for one customer's receipt of a month.
type MonthlyReceiptInput struct {
	Request  activities.MonthlyReceiptRequest `json:"request"`
	Timeouts Timeouts                         `json:"timeouts,omitempty"`
}

// MonthlyReceiptsOutcome counts a month's receipts: issued (and published), none needed,
// under way in another run, failed (with the first failures' reasons).
type MonthlyReceiptsOutcome struct {
	Month    string   `json:"month"`
	Months   []string `json:"months,omitempty"` // a sweep's months
	Issued   int      `json:"issued"`
	None     int      `json:"none"`
	UnderWay int      `json:"under_way"`
	Failed   int      `json:"failed"`
	Failures []string `json:"failures,omitempty"`
	Late     []string `json:"late,omitempty"` // receipts issued after the 5th of the month after
}

// StartMonthlyReceipts starts a monthly issuer's receipts of a month, or follows the run
// under way; once ended, it starts again (receivers whose receipt failed, fixed since).
// With sweep, it makes every month's up to month with payments waiting.
func (c Client) StartMonthlyReceipts(ctx context.Context, issuer, month string, sweep bool) (client.WorkflowRun, error) {
	id := MonthlyReceiptsWorkflowID(c.Installation, issuer, month)
	if sweep {
		id = MonthlyReceiptsWorkflowID(c.Installation, issuer, "through-"+month)
	}
	return c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                c.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            fmt.Sprintf("Payment receipts of %s for the payments of %s", issuer, month),
	}, MonthlyReceiptsWorkflow, MonthlyReceiptsInput{Installation: c.Installation, Issuer: issuer, Month: month, Sweep: sweep})
}
