package store

import (
	"time"

	"github.com/jackc/pgx/v5"
)

// Receivers' acknowledgements (migration 034).

// ReceiverAck is a receiver's answer to one CFE, as recorded.
type ReceiverAck struct {
	InvoiceID   int64     `json:"invoice_id"`
	ResponseID  int64     `json:"response_id"`
	ReceiverRUT string    `json:"receiver_rut"`
	State       string    `json:"state"`
	Reasons     string    `json:"reasons,omitempty"`
	RecordedAt  time.Time `json:"recorded_at"`
}

// AckTarget is a CFE of an issuer, with its invoice and its customer's RUT.
type AckTarget struct {
	Type        int
	Series      string
	Number      int64
	InvoiceID   int64
	ReceiverRUT string
}

// AckTargets reads the CFE of the issuer (by its RUT) named by type, series letter and
// number (the three lists, place by place), each with its invoice and its customer's RUT.
func (t *Tx) AckTargets(issuerRUT string, types []int32, series []string, numbers []int64) ([]AckTarget, error) {
	rows, err := t.tx.Query(t.ctx, `select s.cfe_type, a.cfe_series, v.number, v.id, c.tax_id
		from unnest($2::int[], $3::text[], $4::bigint[]) k(t, s, n)
		join series s on s.cfe_type = k.t join invoices v on v.series = s.code and v.number = k.n
		join caes a on a.id = v.cae and a.cfe_series = k.s join issuers i on i.code = v.issuer and i.rfc = $1
		join customers c on c.code = v.customer`, issuerRUT, types, series, numbers)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AckTarget, error) {
		var x AckTarget
		return x, r.Scan(&x.Type, &x.Series, &x.Number, &x.InvoiceID, &x.ReceiverRUT)
	})
}

// RecordReceiverAck records a receiver's answer to a CFE, once: the same answer again
// (its invoice and number) records nothing, and recorded says which it was.
func (t *Tx) RecordReceiverAck(a ReceiverAck, xml string) (recorded bool, err error) {
	tag, err := t.tx.Exec(t.ctx, `insert into receiver_acks (invoice_id, response_id, receiver_rut, state, reasons, xml)
		values ($1, $2, $3, $4, $5, $6) on conflict do nothing`, a.InvoiceID, a.ResponseID, a.ReceiverRUT, a.State, a.Reasons, xml)
	return err == nil && tag.RowsAffected() == 1, err
}
