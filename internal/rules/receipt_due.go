package rules

import (
	"fmt"
	"time"
)

// ReceiptDue is the last day a payment received on paidOn may be stated in its payment
// receipt (MX, RMF 2.7.1.32): the 5th calendar day of the month after the payment's.
func ReceiptDue(paidOn time.Time) time.Time {
	return time.Date(paidOn.Year(), paidOn.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 4)
}

// LateReceipt says why a receipt issued on issued (a date in Mexico) for payments received
// on paidOn is late, or "" when it is on time. Lateness is not refused — the receipt is
// still owed — but an accountant must know: the receiver may not deduct meanwhile.
func LateReceipt(paidOn, issued time.Time) string {
	due := ReceiptDue(paidOn)
	if !issued.After(due) {
		return ""
	}
	return fmt.Sprintf("late: a payment of %s was due in its receipt by %s (RMF 2.7.1.32), issued %s",
		paidOn.Format("2006-01-02"), due.Format("2006-01-02"), issued.Format("2006-01-02"))
}
