package importfmt

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// maxUIValue bounds a UI's value: pesos per UI (about 6 in 2026), far from any real figure.
var maxUIValue = decimal.NewFromInt(1_000_000)

// checkUIValues checks Uruguay's e-Ticket threshold: the UI's values by day (positive, up
// to INE's 4 decimals, one per day) and the threshold settings (positive UI, up to 2
// decimals, one per effective date).
func (v *validation) checkUIValues() {
	c := v.checker
	seen := newSet()
	for i, x := range v.d.UIValues {
		c.rec = fmt.Sprintf("uy_ui_values[%d] (%s)", i, x.Date)
		c.date("date", x.Date)
		if !x.Value.IsPositive() || x.Value.GreaterThanOrEqual(maxUIValue) {
			c.add("value", "%s is not a UI value in pesos (greater than 0, below %s)", x.Value, maxUIValue)
		}
		c.decimals("value", x.Value, 4)
		c.unique(seen, "date", x.Date)
	}
	seen = newSet()
	for i, x := range v.d.TicketThresholds {
		c.rec = fmt.Sprintf("uy_eticket_thresholds[%d] (%s)", i, x.From)
		c.date("from", x.From)
		if !x.UI.IsPositive() || x.UI.GreaterThanOrEqual(maxUIValue) {
			c.add("ui", "%s is not a threshold in UI (greater than 0, below %s)", x.UI, maxUIValue)
		}
		c.decimals("ui", x.UI, 2)
		c.unique(seen, "from", x.From)
	}
}
