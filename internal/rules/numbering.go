package rules

import (
	"errors"
	"fmt"
	"time"
)

// ErrClosedPeriod marks an invoice date the series cannot take: a business error.
var ErrClosedPeriod = errors.New("closed period")

// CheckInvoiceDate enforces the series' date rules (seed 002, 001): the date must be after
// the closing date, and never earlier than the last date already numbered, so numbers
// never run backwards in time. Nil dates are unset.
func CheckInvoiceDate(series string, date time.Time, closing, last *time.Time) error {
	if closing != nil && !date.After(*closing) {
		return fmt.Errorf("%w: invoice date %s is not after series %s's closing date %s",
			ErrClosedPeriod, date.Format(time.DateOnly), series, closing.Format(time.DateOnly))
	}
	if last != nil && date.Before(*last) {
		return fmt.Errorf("%w: invoice date %s is before %s, the date of the last number issued in series %s",
			ErrClosedPeriod, date.Format(time.DateOnly), last.Format(time.DateOnly), series)
	}
	return nil
}
