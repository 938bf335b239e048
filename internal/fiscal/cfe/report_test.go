package cfe_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/fiscal/cfe"
)

// The day's counts per CFE type: used = issued + annulled, the ranges of consecutive numbers
// per series, the e-Tickets above the threshold counted apart (issued ones only).
func TestReportSummaries(t *testing.T) {
	c := func(tipo int, series string, n int64, annulled, above bool) cfe.ReportedCFE {
		return cfe.ReportedCFE{Type: tipo, Series: series, Number: n, Branch: "1", Annulled: annulled, AboveThreshold: above}
	}
	r := func(s string, from, to int64) cfe.NumberRange { return cfe.NumberRange{Series: s, From: from, To: to} }
	for name, tc := range map[string]struct {
		cfe  []cfe.ReportedCFE
		want []cfe.TypeSummary
	}{
		"an empty day": {nil, nil},
		"tickets with a gap and one refused": {
			[]cfe.ReportedCFE{c(101, "A", 3, false, false), c(101, "A", 1, false, true), c(101, "A", 2, true, true), c(101, "A", 7, false, false)},
			[]cfe.TypeSummary{{Type: 101, Used: 4, Issued: 3, Annulled: 1, AboveThreshold: 1,
				UsedRanges: []cfe.NumberRange{r("A", 1, 3), r("A", 7, 7)}, AnnulledRange: []cfe.NumberRange{r("A", 2, 2)}}},
		},
		"two types, two series": {
			[]cfe.ReportedCFE{c(111, "B", 5, false, false), c(111, "A", 9, false, false), c(112, "A", 1, false, false), c(111, "A", 10, false, false)},
			[]cfe.TypeSummary{
				{Type: 111, Used: 3, Issued: 3, UsedRanges: []cfe.NumberRange{r("A", 9, 10), r("B", 5, 5)}},
				{Type: 112, Used: 1, Issued: 1, UsedRanges: []cfe.NumberRange{r("A", 1, 1)}}},
		},
	} {
		got := cfe.DailyReport{CFE: tc.cfe}.Summaries()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, tc.want)
		}
	}
}

// A day's report is signed, valid against DGI's schema and acknowledged (AR) by the sandbox
// DGI; sent again with the same sequence it is the same answer, a different report with the
// same sequence is rejected (BR) and its resend with the next one received. An empty day
// reports zeros.
func TestReportSentToTheSandbox(t *testing.T) {
	p, _ := sandboxDGI(t)
	d := decimal.RequireFromString
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	report := cfe.DailyReport{RUT: "219999830019", Day: day, Sequence: 1, SignedAt: time.Now(), CFE: []cfe.ReportedCFE{
		{Type: 101, Series: "A", Number: 1, Branch: "1", NetBasic: d("100"), VATBasic: d("22"), Total: d("122")},
		{Type: 101, Series: "A", Number: 2, Branch: "1", Annulled: true},
		{Type: 111, Series: "A", Number: 12, Branch: "1", Exempt: d("29.26"), NetMinimum: d("7.35"), VATMinimum: d("0.74"), NetBasic: d("180"), VATBasic: d("39.60"), Total: d("256.95")},
		{Type: 112, Series: "A", Number: 1, Branch: "1", NetBasic: d("10"), VATBasic: d("2.20"), Total: d("12.20")},
	}}
	sent, err := p.SendReport(context.Background(), report, credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	if sent.Receipt.State != cfe.ReportReceived {
		t.Fatalf("receipt %+v", sent.Receipt)
	}
	for _, want := range []string{"<ns0:CantComprobantes>4</ns0:CantComprobantes>", "<ns0:TotMntIVATasaBas>100.00</ns0:TotMntIVATasaBas>",
		"<ns0:CantDocsUtil>2</ns0:CantDocsUtil><ns0:CantDocsMay_topeUI>0</ns0:CantDocsMay_topeUI><ns0:CantDocsAnulados>1</ns0:CantDocsAnulados><ns0:CantDocsEmi>1</ns0:CantDocsEmi>",
		"<ns0:RngDocsAnulados><ns0:RDA_Item><ns0:Serie>A</ns0:Serie><ns0:NroDesde>2</ns0:NroDesde><ns0:NroHasta>2</ns0:NroHasta>", "<ns0:TotMntTotal>256.95</ns0:TotMntTotal>"} {
		if !strings.Contains(sent.XML, want) {
			t.Errorf("report lacks %s", want)
		}
	}
	// The annulled number is read back from the report as sent (a restamp of it is refused).
	for _, c := range []struct {
		tipo int
		nro  int64
		want bool
	}{{101, 2, true}, {101, 1, false}, {111, 2, false}, {101, 3, false}} {
		if got := cfe.ReportedAnnulled(sent.XML, c.tipo, "A", c.nro); got != c.want {
			t.Errorf("CFE %d A %d reported annulled: %v, want %v", c.tipo, c.nro, got, c.want)
		}
	}
	report.CFE = report.CFE[:3]
	again, err := p.SendReport(context.Background(), report, credentials(t))
	if err != nil || again.Receipt.State != cfe.ReportRejected || !strings.Contains(again.Receipt.Reason(), "SecEnvio 1") {
		t.Fatalf("same sequence, other content: %v %+v", err, again.Receipt)
	}
	report.Sequence = 2
	if resent, err := p.SendReport(context.Background(), report, credentials(t)); err != nil || resent.Receipt.State != cfe.ReportReceived {
		t.Fatalf("resent with the next sequence: %v %+v", err, resent.Receipt)
	}
	empty := cfe.DailyReport{RUT: "219999830019", Day: day.AddDate(0, 0, 1), Sequence: 1, SignedAt: time.Now()}
	none, err := p.SendReport(context.Background(), empty, credentials(t))
	if err != nil || none.Receipt.State != cfe.ReportReceived || !strings.Contains(none.XML, "<ns0:CantComprobantes>0</ns0:CantComprobantes>") {
		t.Fatalf("an empty day: %v %+v", err, none.Receipt)
	}
}
