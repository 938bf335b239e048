package batching

import (
	"billrun/internal/rules"
	"billrun/internal/store"
)

// SourceLines are the selection's billable lines: orders' and installments' as read, plan
// events' split among their billing entities by quota.
func SourceLines(sel store.Selection) ([]rules.SourceLine, error) {
	lines := sel.Lines
	for _, e := range sel.PlanEvents {
		more, err := rules.PlanEventLines(e)
		if err != nil {
			return nil, err
		}
		lines = append(lines, more...)
	}
	return lines, nil
}
