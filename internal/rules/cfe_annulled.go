package rules

import (
	"fmt"
	"time"
)

// AnnulledCFE is why a CFE DGI refused is never sent again once a daily report DGI received
// lists its number as annulled: DGI refuses it then (E01 "Tipo y Nº de CFE ya fue reportado
// como anulado"). Its number is void; the sale needs a new document, which billrun does not
// issue from this invoice.
func AnnulledCFE(tipo int, series string, number int64, day time.Time, sequence int) string {
	return fmt.Sprintf("CFE %d %s %d is listed as annulled in the daily report of %s (sequence %d) DGI received: DGI refuses it if sent again (E01); "+
		"its number is void and the sale needs a new document (billrun does not reissue it)", tipo, series, number, day.Format(time.DateOnly), sequence)
}
