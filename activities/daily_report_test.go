package activities_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

func ackCFE(state string) string {
	return `<ACKCFE><Caratula/><ACKCFE_Det><Nro_ordinal>1</Nro_ordinal><Estado>` + state + `</Estado></ACKCFE_Det></ACKCFE>`
}

// The day's CFE as the report states them: DGI's AE (or a stamped document) is issued,
// DGI's BE — or its envelope's BS — annulled, with the amounts of the issued ones in pesos
// by VAT rate; a CFE DGI has not answered while the publication is at it makes the report
// wait (transient); one with a fiscal error DGI did not give waits for an operator.
func TestDayReport(t *testing.T) {
	d := decimal.RequireFromString
	is := store.ReportIssuer{Code: "UYE", RUT: "219999830019", Country: "UY", Branch: "1"}
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	row := func(tipo int, n int64, fiscalStatus, fiscalErr, ack string) store.DayCFE {
		return store.DayCFE{InvoiceID: n, Type: tipo, Series: "A", Number: n, Branch: "1", Status: "completed", FiscalStatus: fiscalStatus,
			FiscalError: fiscalErr, AuthorityAck: ack, Currency: "UYU", Rate: d("1"), Total: d("122"),
			Rates: []store.RateAmount{{Rate: d("22"), Net: d("100"), VAT: d("22")}}}
	}
	usd := row(111, 7, "pdf", "", ackCFE("AE"))
	usd.Currency, usd.Rate, usd.Total = "USD", d("40.125"), d("27.20")
	usd.Rates = []store.RateAmount{{Rate: d("0"), Net: d("5"), VAT: d("0")}, {Rate: d("10"), Net: d("20.20"), VAT: d("2.00")}}
	sobre := `<ACKSobre><Caratula/><Detalle><Estado>BS</Estado></Detalle></ACKSobre>`
	ui := &rules.UIValue{Date: day, Value: d("6.2")}
	r, err := activities.DayReport(is, day, []store.DayCFE{
		row(101, 1, "pdf", "", ackCFE("AE")),
		row(101, 2, "sealed", "stamp: DGI rejected the CFE (BE): E04", ackCFE("BE")),
		row(101, 3, "stamped", "", ""),
		row(111, 4, "sealed", "stamp: DGI rejected the envelope", sobre),
		usd,
	}, ui, nil)
	if err != nil {
		t.Fatal(err)
	}
	sums := r.Summaries()
	if len(sums) != 2 || sums[0].Used != 3 || sums[0].Issued != 2 || sums[0].Annulled != 1 || sums[1].Used != 2 || sums[1].Annulled != 1 {
		t.Fatalf("summaries %+v", sums)
	}
	x := r.CFE[4]
	if !x.Exempt.Equal(d("200.63")) || !x.NetMinimum.Equal(d("810.53")) || !x.VATMinimum.Equal(d("80.25")) || !x.Total.Equal(d("1091.40")) || !r.CFE[1].Total.IsZero() {
		t.Errorf("the USD e-Factura in pesos: %+v; the annulled one %+v", x, r.CFE[1])
	}
	if _, err := activities.DayReport(is, day, []store.DayCFE{row(101, 1, "sealed", "", "")}, ui, nil); err == nil || errors.As(err, new(*model.BusinessError)) {
		t.Errorf("a CFE the publication is still at: %v, want a transient error", err)
	}
	_, err = activities.DayReport(is, day, []store.DayCFE{row(101, 1, "unsealed", "seal: no address", "")}, ui, nil)
	var be *model.BusinessError
	if !errors.As(err, &be) || !strings.Contains(be.Reason, "101 A 1 (invoice 1): seal: no address") {
		t.Errorf("a CFE that waits for an operator: %v", err)
	}
	odd := row(101, 1, "pdf", "", ackCFE("AE"))
	odd.Rates[0].Rate = d("16")
	if _, err := activities.DayReport(is, day, []store.DayCFE{odd}, ui, nil); !errors.As(err, &be) || !strings.Contains(be.Reason, "VAT rate 16") {
		t.Errorf("a rate DGI does not know: %v", err)
	}
	if empty, err := activities.DayReport(is, day, nil, nil, nil); err != nil || len(empty.Summaries()) != 0 || empty.RUT != is.RUT {
		t.Errorf("an empty day: %v %+v", err, empty)
	}
}

// The issued e-Tickets (and their credit notes) above the day's UI threshold — amount
// without VAT in pesos, identified receiver or not — are counted apart; an annulled one and
// an e-Factura are not; a day with e-Tickets and no UI value waits for an operator, one
// with none needs no UI value.
func TestDayReportCountsETicketsAboveTheThreshold(t *testing.T) {
	d := decimal.RequireFromString
	is := store.ReportIssuer{Code: "UYE", RUT: "219999830019", Country: "UY", Branch: "1"}
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	ui := &rules.UIValue{Date: day.AddDate(0, 0, -3), Value: d("6.2")} // 5,000 UI: 31,000.00 UYU
	cfe := func(tipo int, n int64, net, vat, rate, ack string) store.DayCFE {
		status := "pdf"
		if ack == "BE" {
			status = "sealed" // a CFE DGI refused stays sealed
		}
		return store.DayCFE{InvoiceID: n, Type: tipo, Series: "A", Number: n, Branch: "1", Status: "completed", FiscalStatus: status,
			AuthorityAck: ackCFE(ack), Currency: "UYU", Rate: d(rate), Total: d(net).Add(d(vat)),
			Rates: []store.RateAmount{{Rate: d("22"), Net: d(net), VAT: d(vat)}}}
	}
	rows := []store.DayCFE{
		cfe(101, 1, "31000.00", "6820.00", "1", "AE"), // the limit itself: not above
		cfe(101, 2, "31000.01", "6820.00", "1", "AE"), // above
		cfe(101, 3, "800", "176", "40", "AE"),         // 32,000.00 UYU at the rate: above
		cfe(101, 4, "90000", "19800", "1", "BE"),      // annulled: not counted
		cfe(102, 5, "40000", "8800", "1", "AE"),       // a credit note above
		cfe(111, 6, "90000", "19800", "1", "AE"),      // an e-Factura: no such count
	}
	r, err := activities.DayReport(is, day, rows, ui, nil)
	if err != nil {
		t.Fatal(err)
	}
	above := map[int]int{}
	for _, s := range r.Summaries() {
		above[s.Type] = s.AboveThreshold
	}
	if above[101] != 2 || above[102] != 1 || above[111] != 0 {
		t.Errorf("above the threshold by type: %v", above)
	}
	ten := &rules.TicketThreshold{From: day.AddDate(-1, 0, 0), UI: d("10000")}
	if r, err = activities.DayReport(is, day, rows, ui, ten); err != nil || r.Summaries()[0].AboveThreshold != 0 {
		t.Errorf("at 10,000 UI none is above: %v %+v", err, r.Summaries())
	}
	_, err = activities.DayReport(is, day, rows, nil, nil)
	var be *model.BusinessError
	if !errors.As(err, &be) || !strings.Contains(be.Reason, "import uy_ui_values") || !strings.Contains(be.Reason, "report daily --date 2026-11-23 --send") {
		t.Errorf("e-Tickets without a UI value: %v", err)
	}
	if _, err := activities.DayReport(is, day, rows[5:], nil, nil); err != nil {
		t.Errorf("a day of e-Facturas needs no UI value: %v", err)
	}
}

// reportTx is a fake of the daily report's transaction: an issuer and its day's sendings.
type reportTx struct {
	activities.ReportingTx
	issuer store.ReportIssuer
	sent   []store.DailyReport
}

func (f *reportTx) ReportIssuer(string) (store.ReportIssuer, error) { return f.issuer, nil }
func (f *reportTx) DailyReports(string, time.Time) ([]store.DailyReport, error) {
	return f.sent, nil
}

// A sending still waiting for DGI's answer is sent again as it is, a day DGI received is
// answered as received (unless resent), and a Mexican issuer sends no daily report.
func TestPrepareDailyReportAnswersWhatIsRecorded(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	uy := store.ReportIssuer{Code: "UYE", Country: "UY"}
	for name, tc := range map[string]struct {
		sent []store.DailyReport
		want activities.DailyReportResult
	}{
		"waiting for its answer": {[]store.DailyReport{{Issuer: "UYE", Day: day, Sequence: 1, State: "rejected"}, {Issuer: "UYE", Day: day, Sequence: 2, State: "sending", CFE: 3}},
			activities.DailyReportResult{Issuer: "UYE", Day: "2026-11-30", Sequence: 2, CFE: 3, State: "sending"}},
		"received": {[]store.DailyReport{{Issuer: "UYE", Day: day, Sequence: 1, State: "received"}},
			activities.DailyReportResult{Issuer: "UYE", Day: "2026-11-30", Sequence: 1, State: "received"}},
	} {
		a := &activities.Reporting{Store: inTx[activities.ReportingTx]{&reportTx{issuer: uy, sent: tc.sent}}}
		got, err := a.PrepareDailyReport(context.Background(), activities.DailyReportRequest{Issuer: "UYE", Day: "2026-11-30"})
		if err != nil || got != tc.want {
			t.Errorf("%s: %v %+v", name, err, got)
		}
	}
	a := &activities.Reporting{Store: inTx[activities.ReportingTx]{&reportTx{issuer: store.ReportIssuer{Code: "EKU", Country: "MX"}}}}
	_, err := a.PrepareDailyReport(context.Background(), activities.DailyReportRequest{Issuer: "EKU", Day: "2026-11-30"})
	if why := businessReason(t, err); !strings.Contains(why, "not Uruguayan") {
		t.Errorf("a Mexican issuer: %s", why)
	}
}
