package store_test

import (
	"testing"

	"billrun/internal/store"
)

// A day's report is recorded once per sequence, one sending of a day at a time waits for
// DGI's answer (RecordDailyReport), and that answer is kept once (AnswerDailyReport); what
// must never be is refused by the database.
func TestDailyReportWritesOnce(t *testing.T) {
	w := newWorld(t)
	r := store.DailyReport{Issuer: "UYE", Day: day(30), Sequence: 1, XML: "<Reporte/>", CFE: 2}
	record := func(r store.DailyReport) bool {
		var ok bool
		w.mustTx(func(tx *store.Tx) (err error) { ok, err = tx.RecordDailyReport(r); return err })
		return ok
	}
	answer := func(seq int, state, reason string) bool {
		var ok bool
		w.mustTx(func(tx *store.Tx) (err error) {
			ok, err = tx.AnswerDailyReport("UYE", day(30), seq, state, "<ACKRepDiario/>", reason)
			return err
		})
		return ok
	}
	if !record(r) || record(r) {
		t.Fatal("the first sending is recorded once")
	}
	next := r
	next.Sequence = 2
	if record(next) {
		t.Error("a second sending recorded while the first waits for its answer")
	}
	if !answer(1, "rejected", "R06 No cumple validaciones") || answer(1, "received", "") {
		t.Error("the answer is kept once")
	}
	if !record(next) || !answer(2, "received", "") {
		t.Error("the resend, with the next sequence, after the rejection")
	}
	got, err := w.st.DailyReports(w.ctx, "UYE", day(30))
	if err != nil || len(got) != 2 || got[0].State != "rejected" || got[0].Reason == "" || got[1].State != "received" || got[1].AnsweredAt == nil {
		t.Fatalf("the day's sendings: %v %+v", err, got)
	}
	for what, sql := range map[string]string{
		"daily_reports_check":          `update daily_reports set state = 'received', ack = null where sequence = 2`,
		"daily_reports_check1":         `update daily_reports set reason = 'x' where sequence = 2`,
		"daily_reports_sequence_check": `insert into daily_reports (issuer, day, sequence, xml, cfe_count) values ('UYE', '2026-11-29', 100, '', 0)`,
	} {
		if _, err := w.db.Exec(w.ctx, sql); !refusedBy(err, what) {
			t.Errorf("%s: %v", what, err)
		}
	}
}
