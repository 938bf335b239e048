package fiscal

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// refNames are the printed (Spanish) names of a line's references.
var refNames = map[string]string{"contract": "contrato", "contract_line": "línea de contrato", "installment": "cuota",
	"expense_report": "informe de gastos", "activity": "actividad", "plan": "plan", "event_date": "evento del", "entity": "entidad"}

// LineReferences are the printed notes of lines with references (seed 000): "Línea 1:
// contrato C-2026-01, línea de contrato 1, cuota 2, informe de gastos IG-0102, actividad
// ACT-7". References with no printed name (internal flags) are left out.
func LineReferences(lines []Line) []string {
	var out []string
	for i, l := range lines {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(l.Refs)) {
			if name, ok := refNames[k]; ok && l.Refs[k] != "" {
				parts = append(parts, name+" "+l.Refs[k])
			}
		}
		if len(parts) > 0 {
			out = append(out, fmt.Sprintf("Línea %d: %s", i+1, strings.Join(parts, ", ")))
		}
	}
	return out
}
