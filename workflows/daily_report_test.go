package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"billrun/activities"
)

// A scheduled run reports the day before its nominal time in Montevideo: it prepares the
// report, sends it while DGI's answer is wanted (a transient failure of DGI retried), and
// ends with DGI's answer.
func TestScheduledDailyReportSendsTheDayBefore(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(DailyReportWorkflow)
	env.RegisterWorkflow(ScheduledDailyReportWorkflow)
	nominal := time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC) // 23:30 on 30 November in Montevideo
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(scheduledStartTime.ValueSet(nominal))); err != nil {
		t.Fatal(err)
	}
	var asked activities.DailyReportRequest
	env.OnActivity(reporting.PrepareDailyReport, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DailyReportRequest) (activities.DailyReportResult, error) {
			asked = in
			return activities.DailyReportResult{Issuer: in.Issuer, Day: in.Day, Sequence: 1, State: activities.ReportSending}, nil
		})
	sends := 0
	env.OnActivity(reporting.SendDailyReport, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DailyReportResult) (activities.DailyReportResult, error) {
			if sends++; sends == 1 {
				return in, errors.New("DGI answered 503")
			}
			in.State = activities.ReportReceived
			return in, nil
		})
	env.ExecuteWorkflow(ScheduledDailyReportWorkflow, ScheduledDailyReportInput{Issuer: "UYE"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res activities.DailyReportResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if asked.Day != "2026-11-29" || asked.Resend || res.State != activities.ReportReceived || sends != 2 {
		t.Errorf("asked %+v, answered %+v after %d sendings", asked, res, sends)
	}
}

// A report DGI rejects fails the workflow naming DGI's reasons and what to do; a day DGI
// received already is not sent again.
func TestDailyReportRejectedFails(t *testing.T) {
	for name, prepared := range map[string]string{"rejected": activities.ReportSending, "received already": activities.ReportReceived} {
		env := newEnv(t)
		env.RegisterWorkflow(DailyReportWorkflow)
		env.OnActivity(reporting.PrepareDailyReport, mock.Anything, mock.Anything).Return(
			activities.DailyReportResult{Issuer: "UYE", Day: "2026-11-30", Sequence: 2, State: prepared}, nil)
		sent := false
		env.OnActivity(reporting.SendDailyReport, mock.Anything, mock.Anything).Return(
			func(_ context.Context, in activities.DailyReportResult) (activities.DailyReportResult, error) {
				sent = true
				in.State, in.Reason = activities.ReportRejected, "DGI rejected it (BR): R06 No cumple validaciones"
				return in, nil
			})
		env.ExecuteWorkflow(DailyReportWorkflow, DailyReportInput{Issuer: "UYE", Day: "2026-11-30"})
		err := env.GetWorkflowError()
		switch name {
		case "rejected":
			var app *temporal.ApplicationError
			if !errors.As(err, &app) || app.Type() != ReportRejectedType || !strings.Contains(app.Error(), "R06") ||
				!strings.Contains(app.Error(), "report daily --date 2026-11-30 --issuer UYE --send") {
				t.Errorf("%s: %v", name, err)
			}
		default:
			if err != nil || sent {
				t.Errorf("%s: %v, sent %v", name, err, sent)
			}
		}
	}
}

func TestDayBeforeIsMontevideos(t *testing.T) {
	for at, want := range map[time.Time]string{
		time.Date(2026, 12, 1, 2, 59, 0, 0, time.UTC): "2026-11-29", // 23:59 on the 30th there
		time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC):  "2026-11-30",
		time.Date(2027, 1, 1, 6, 0, 0, 0, time.UTC):   "2026-12-31",
	} {
		if got, err := DayBefore(at); err != nil || got != want {
			t.Errorf("%s: %s %v, want %s", at, got, err, want)
		}
	}
}
