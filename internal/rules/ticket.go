package rules

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Uruguay's e-Ticket threshold: an e-Ticket (CFE 101) whose amount without VAT, in pesos,
// is above a threshold in Unidades Indexadas (UI, INE's inflation-indexed unit, one value
// per day) must identify its receiver; DGI's daily report counts the e-Tickets above it
// apart (CantDocsMay_topeUI: "montos totales, excluido el IVA, mayores al tope
// establecido"). Sources disagree on the figure (5,000 or 10,000 UI), so it is a dated
// setting (uy_eticket_thresholds); with none in force, DefaultTicketThresholdUI.

// ETicketType is the CFE type the rule holds: the e-Ticket.
const ETicketType = 101

// DefaultTicketThresholdUI is the threshold in UI on a date no imported setting covers:
// the lower of the figures sources give, so that billrun asks for an identification
// rather than issue a CFE DGI may refuse.
var DefaultTicketThresholdUI = decimal.NewFromInt(5000)

// ErrTicketThreshold marks an e-Ticket to an unidentified consumer above the threshold, or
// one the threshold cannot be checked for (no UI value): a business error (fix: identify
// the consumer, or import the UI values; then retry).
var ErrTicketThreshold = errors.New("e-Ticket threshold")

// UIValue is the value of one UI in pesos on a date.
type UIValue struct {
	Date  time.Time
	Value decimal.Decimal
}

// TicketThreshold is the threshold in UI in force from a date on (From zero: the default).
type TicketThreshold struct {
	From time.Time
	UI   decimal.Decimal
}

// Ticket is what the rule reads of a CFE: its type, whether its receiver is identified,
// and its amounts in its currency at its exchange rate (pesos per unit; 1 for pesos).
type Ticket struct {
	CFEType   int
	Customer  string
	Anonymous bool // the consumer gave no document (the CFE carries no receiver)
	Currency  string
	Total     decimal.Decimal
	VAT       decimal.Decimal
	Rate      decimal.Decimal
	Date      time.Time
}

// NetPesos is the ticket's amount without VAT in pesos, to the cent.
func (t Ticket) NetPesos() decimal.Decimal {
	rate := t.Rate
	if rate.IsZero() {
		rate = decimal.NewFromInt(1)
	}
	return t.Total.Sub(t.VAT).Mul(rate).Round(2)
}

// TicketLimit is the threshold of a date in pesos: the threshold in force times the UI's
// value (the latest on or before the date).
type TicketLimit struct {
	UI        UIValue
	Threshold TicketThreshold
	Pesos     decimal.Decimal
}

// TicketLimitOn is the limit on date from the latest UI value on or before it (ui; nil:
// none imported) and the setting in force (th; nil: the default). Without a UI value there
// is no limit: an error wrapping ErrTicketThreshold.
func TicketLimitOn(date time.Time, ui *UIValue, th *TicketThreshold) (TicketLimit, error) {
	if ui == nil || ui.Date.After(date) || !ui.Value.IsPositive() {
		return TicketLimit{}, fmt.Errorf("%w: no UI value (Unidad Indexada) on or before %s to check the e-Ticket threshold: import uy_ui_values",
			ErrTicketThreshold, date.Format(time.DateOnly))
	}
	l := TicketLimit{UI: *ui, Threshold: TicketThreshold{UI: DefaultTicketThresholdUI}}
	if th != nil && !th.From.After(date) && th.UI.IsPositive() {
		l.Threshold = *th
	}
	l.Pesos = l.Threshold.UI.Mul(ui.Value).Round(2)
	return l, nil
}

// Above tells an amount in pesos is above the limit (strictly: the limit itself is not).
func (l TicketLimit) Above(pesos decimal.Decimal) bool {
	return pesos.GreaterThan(l.Pesos)
}

// String names the limit and where its figures come from.
func (l TicketLimit) String() string {
	from := "the default, no uy_eticket_thresholds in force"
	if !l.Threshold.From.IsZero() {
		from = "in force since " + l.Threshold.From.Format(time.DateOnly)
	}
	return fmt.Sprintf("%s UI (%s) × %s UYU per UI of %s = %s UYU",
		l.Threshold.UI, from, l.UI.Value, l.UI.Date.Format(time.DateOnly), l.Pesos.StringFixed(2))
}

// HeldToThreshold tells the rule holds the ticket: an e-Ticket to an unidentified consumer.
func (t Ticket) HeldToThreshold() bool {
	return t.CFEType == ETicketType && t.Anonymous
}

// CheckTicketThreshold refuses an e-Ticket to an unidentified consumer whose amount without
// VAT in pesos is above the threshold of its date, naming the rule, the amounts and the fix;
// and one it cannot check (no UI value). Any other CFE passes without a UI value.
func CheckTicketThreshold(t Ticket, ui *UIValue, th *TicketThreshold) error {
	if !t.HeldToThreshold() {
		return nil
	}
	l, err := TicketLimitOn(t.Date, ui, th)
	if err != nil {
		return err
	}
	net := t.NetPesos()
	if !l.Above(net) {
		return nil
	}
	amount := net.StringFixed(2) + " UYU"
	if t.Currency != "" && t.Currency != "UYU" {
		amount = fmt.Sprintf("%s %s × %s = %s", t.Total.Sub(t.VAT).StringFixed(2), t.Currency, t.Rate, amount)
	}
	return fmt.Errorf("%w: an e-Ticket to an unidentified consumer (customer %s) above the threshold must identify its receiver: "+
		"%s without VAT is above %s; identify the consumer (import customer %s with its document: its cédula, tax_id_kind national_id), then retry the invoice",
		ErrTicketThreshold, t.Customer, amount, l, t.Customer)
}
