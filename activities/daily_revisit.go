package activities

import (
	"context"
	"time"

	"billrun/internal/rules"
)

// RevisitWindow is how many days before the day it reports a scheduled run looks back for
// days to report again.
const RevisitWindow = 31

// RevisitRequest asks for the days of an issuer, in the Days days before Before
// (YYYY-MM-DD), that a scheduled run reports again.
type RevisitRequest struct {
	Issuer string `json:"issuer"`
	Before string `json:"before"`
	Days   int    `json:"days"`
}

// DaysToRevisit reads where the issuer's days before in.Before stand and answers those to
// report again (rules.RevisitDays): a day whose report failed or DGI rejected, one still
// waiting for DGI's answer, one whose documents were recorded or stamped after DGI received it.
func (a *Reporting) DaysToRevisit(ctx context.Context, in RevisitRequest) ([]rules.Revisit, error) {
	before, err := time.Parse(time.DateOnly, in.Before)
	if err != nil {
		return nil, temporalError(StepDailyReport, businessf(StepDailyReport, "day %q is not YYYY-MM-DD", in.Before))
	}
	var days []rules.ReportDay
	err = a.Store.InTx(ctx, func(tx ReportingTx) (err error) {
		days, err = tx.ReportDays(in.Issuer, before.AddDate(0, 0, -in.Days), before.AddDate(0, 0, -1))
		return err
	})
	return rules.RevisitDays(days), err
}
