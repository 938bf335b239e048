package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/internal/model"
	"billrun/internal/rules"
)

// Uruguay's e-Ticket threshold (migration 028): the UI's values by day and the threshold
// settings, imported; read for the rule (rules.CheckTicketThreshold) by completion, the
// draft review and the daily report.

// uiValues writes the dataset's UI values and threshold settings (upserted by date).
func (w *writer) uiValues() error {
	for _, x := range w.d.UIValues {
		if err := w.exec("uy_ui_values", `insert into uy_ui_values (day, value) values ($1, $2)
			on conflict (day) do update set value = excluded.value`, x.Date, x.Value); err != nil {
			return err
		}
	}
	for _, x := range w.d.TicketThresholds {
		if err := w.exec("uy_eticket_thresholds", `insert into uy_eticket_thresholds (effective, ui) values ($1, $2)
			on conflict (effective) do update set ui = excluded.ui`, x.From, x.UI); err != nil {
			return err
		}
	}
	return nil
}

// uiLimitColumns read, for an invoice v, the latest UI value on or before its date and the
// threshold setting in force on it (nulls: none).
const uiLimitColumns = `
	(select u.day from uy_ui_values u where u.day <= v.invoice_date order by u.day desc limit 1),
	(select u.value from uy_ui_values u where u.day <= v.invoice_date order by u.day desc limit 1),
	(select e.effective from uy_eticket_thresholds e where e.effective <= v.invoice_date order by e.effective desc limit 1),
	(select e.ui from uy_eticket_thresholds e where e.effective <= v.invoice_date order by e.effective desc limit 1)`

// uiLimit is what uiLimitColumns scan into.
type uiLimit struct {
	uiDay, thFrom *time.Time
	ui, th        *decimal.Decimal
}

func (u *uiLimit) dest() []any { return []any{&u.uiDay, &u.ui, &u.thFrom, &u.th} }

// values are the UI value and threshold read (nil: none).
func (u uiLimit) values() (*rules.UIValue, *rules.TicketThreshold) {
	var ui *rules.UIValue
	var th *rules.TicketThreshold
	if u.uiDay != nil && u.ui != nil {
		ui = &rules.UIValue{Date: *u.uiDay, Value: *u.ui}
	}
	if u.thFrom != nil && u.th != nil {
		th = &rules.TicketThreshold{From: *u.thFrom, UI: *u.th}
	}
	return ui, th
}

// TicketFacts reads what the e-Ticket threshold holds an invoice to: its series' CFE type
// (0: none), whether its customer is identified, its amounts and rate, and the UI value and
// threshold of its date.
func (t *Tx) TicketFacts(invoiceID int64) (rules.Ticket, *rules.UIValue, *rules.TicketThreshold, error) {
	var tk rules.Ticket
	var cfeType *int
	var u uiLimit
	err := t.tx.QueryRow(t.ctx, `select s.cfe_type, c.code, (c.is_generic or c.tax_id_kind = 'generic'), v.currency, v.total, v.vat, v.rate, v.invoice_date,`+
		uiLimitColumns+`
		from invoices v join series s on s.code = v.series join customers c on c.code = v.customer where v.id = $1`, invoiceID).
		Scan(append([]any{&cfeType, &tk.Customer, &tk.Anonymous, &tk.Currency, &tk.Total, &tk.VAT, &tk.Rate, &tk.Date}, u.dest()...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return tk, nil, nil, fmt.Errorf("invoice %d: %w", invoiceID, model.ErrNotFound)
	}
	if cfeType != nil {
		tk.CFEType = *cfeType
	}
	ui, th := u.values()
	return tk, ui, th, err
}

// UILimit reads the latest UI value on or before day and the threshold in force on it.
func (t *Tx) UILimit(day time.Time) (*rules.UIValue, *rules.TicketThreshold, error) {
	var u uiLimit
	err := t.tx.QueryRow(t.ctx, `select `+uiLimitColumns[1:]+` from (select $1::date as invoice_date) v`, day).Scan(u.dest()...)
	ui, th := u.values()
	return ui, th, err
}
