package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"billrun/internal/importfmt"
)

// contingencyDay is the day the test's contingency documents are dated and reported; their
// series letter (CX) is the test's own at the shared sandbox DGI.
const contingencyDay = "2026-11-25"

// contingencySetup is UYR's contingency series (201, 211 and 212) and their CAEs.
const contingencySetup = `{
  "series": [
    {"code": "CT", "issuer": "UYR", "document_kind": "contingency", "cfe_type": 201},
    {"code": "CF", "issuer": "UYR", "document_kind": "contingency", "cfe_type": 211},
    {"code": "CFNC", "issuer": "UYR", "document_kind": "contingency", "cfe_type": 212}],
  "caes": [
    {"series": "CT", "cae": "90120000201", "cfe_series": "CX", "from": 1, "to": 50, "expires": "2027-12-31"},
    {"series": "CF", "cae": "90120000211", "cfe_series": "CX", "from": 1, "to": 50, "expires": "2027-12-31"},
    {"series": "CFNC", "cae": "90120000212", "cfe_series": "CX", "from": 1, "to": 50, "expires": "2027-12-31"}]
}`

// contingencyDoc writes one document of a contingency file.
func contingencyRecord(series string, tipo, number int, cae, customer, lines, amounts, extra string) string {
	return fmt.Sprintf(`{"series": %q, "cfe_type": %d, "cfe_series": "CX", "number": %d, "cae": %q, "date": %q, "customer": %q,
		"currency": "UYU", "lines": [%s], "amounts": [%s]%s}`, series, tipo, number, cae, contingencyDay, customer, lines, amounts, extra)
}

// contingencyFile is two e-Tickets contingencia, an e-Factura contingencia (22 % and 10 %)
// and its credit note.
func contingencyFile() string {
	docs := []string{
		contingencyRecord("CT", 201, 1, "90120000201", "LUIS", `{"item": "SOP", "quantity": 1, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 100, "vat": 22}`, ""),
		contingencyRecord("CT", 201, 2, "90120000201", "MARIA", `{"item": "LIB", "quantity": 2, "price": 50, "vat_rate": 10}`, `{"vat_rate": 10, "net": "100.00", "vat": "10.00"}`, ""),
		contingencyRecord("CF", 211, 1, "90120000211", "EMPRESA",
			`{"item": "SOP", "quantity": 3, "price": 100, "vat_rate": 22}, {"item": "LIB", "description": "Libro de texto", "quantity": 1, "price": 50, "vat_rate": 10}`,
			`{"vat_rate": 22, "net": 300, "vat": 66}, {"vat_rate": 10, "net": 50, "vat": 5}`, ""),
		contingencyRecord("CFNC", 212, 1, "90120000212", "EMPRESA", `{"item": "SOP", "quantity": 1, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 100, "vat": 22}`,
			fmt.Sprintf(`, "reference": {"cfe_type": 211, "cfe_series": "CX", "number": 1, "date": %q, "reason": "Devolución"}`, contingencyDay)),
	}
	return `{"contingency_documents": [` + strings.Join(docs, ",\n") + `]}`
}

// Issue 26's contingency, end to end: paper documents on the contingency series are
// refused whole when a record is wrong (each mistake named by record and field, nothing
// written); recorded, they are numbered within their CAE (a number used once: the file
// again records nothing, the number with other content is refused, and the database refuses
// a second row), have their receivables (not the credit note), are sealed and sent to the
// sandbox DGI as CFE (ACKSobre and ACKCFE kept, AE), and count in their day's report
// (Rsmn_Tck_Cont, Rsmn_Fac_Cont, Rsmn_Fac_Cont_Nota_Credito: amounts and CantCFCEmi), which
// validates against DGI's XSD and the sandbox receives.
func TestContingencyImportedSentAndReported(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(uyReportData(t))
	h.importJSON(contingencySetup)

	bad := strings.NewReplacer(`"number": 2, "cae": "90120000201"`, `"number": 60, "cae": "90120000201"`,
		`"item": "LIB", "description"`, `"item": "GHOST", "description"`,
		`"vat_rate": 22, "net": 100, "vat": 22}`+"]", `"vat_rate": 22, "net": 100, "vat": 21}`+"]").Replace(contingencyFile())
	_, err := h.run("invoice", "contingency", "import", writeTemp(t, bad))
	var inv *importfmt.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("a bad file: %v, want an invalid file", err)
	}
	got := map[string]bool{}
	for _, p := range inv.Problems {
		got[p.Record+": "+p.Field] = true
	}
	for _, w := range []string{"contingency_documents[1] (201 CX 60): number", "contingency_documents[2] (211 CX 1): lines[1].item",
		"contingency_documents[0] (201 CX 1): amounts[0]", "contingency_documents[3] (212 CX 1): amounts[0]"} {
		if !got[w] {
			t.Errorf("missing problem %q in:\n%v", w, err)
		}
	}
	if n := h.int(`select count(*) from invoices where document_kind = 'contingency'`); n != 0 || len(inv.Problems) != 4 {
		t.Fatalf("after a refused file: %d documents recorded, %d problems:\n%v", n, len(inv.Problems), err)
	}

	file := writeTemp(t, contingencyFile())
	out := h.mustRun("invoice", "contingency", "import", file, "--wait")
	if !strings.Contains(out, "201 CX 1: recorded, invoice") || strings.Count(out, "; received by DGI") != 4 {
		t.Errorf("import: %s", out)
	}
	if n := h.int(`select count(*) from invoices v join contingency_documents c on c.invoice_id = v.id
		where v.fiscal_status = 'stamped' and v.status = 'completed' and v.number = c.number and v.invoice_date = $1`, contingencyDay); n != 4 {
		t.Errorf("%d contingency documents stamped, want 4", n)
	}
	if n := h.int(`select count(*) from fiscal_documents d join contingency_documents c on c.invoice_id = d.invoice_id
		where d.authority_ack like '%<Estado>AE</Estado>%'`); n != 4 {
		t.Errorf("%d DGI answers AE kept, want 4", n)
	}
	if s := h.str(`select string_agg(e.cfe_type || ':' || e.cfe_count, ' ' order by e.cfe_type) from cfe_envelopes e
		where e.state = 'answered' and e.ack like '%<Estado>AS</Estado>%' and e.answer like '%<Estado>AE</Estado>%'
		and e.id in (select envelope_id from fiscal_documents d join contingency_documents c on c.invoice_id = d.invoice_id)`); s != "201:2 211:1 212:1" {
		t.Errorf("contingency envelopes answered: %q, want one per type (201:2 211:1 212:1)", s)
	}
	if s := h.str(`select string_agg(v.series || ' ' || r.amount::numeric(18,2), ', ' order by v.series, v.number) from receivables r join invoices v on v.id = r.invoice_id
		where v.document_kind = 'contingency' and r.status = 'open'`); s != "CF 421.00, CT 122.00, CT 110.00" {
		t.Errorf("receivables: %s (want the e-Tickets' and the e-Factura's, not the credit note's)", s)
	}
	xml := h.str(`select d.xml from fiscal_documents d join contingency_documents c on c.invoice_id = d.invoice_id where c.cfe_type = 212`)
	for _, want := range []string{"<ns0:TipoCFE>212</ns0:TipoCFE>", "<ns0:TpoDocRef>211</ns0:TpoDocRef>", "<ns0:RazonRef>Devolución</ns0:RazonRef>", "<ns0:CAE_ID>90120000212</ns0:CAE_ID>"} {
		if !strings.Contains(xml, want) {
			t.Errorf("the credit note's CFE lacks %s", want)
		}
	}

	// The same file again records nothing; a used number with other content is refused, and
	// the database refuses a second row of the number.
	out = h.mustRun("invoice", "contingency", "import", file, "--wait")
	if !strings.Contains(out, "201 CX 1: recorded before") || strings.Count(out, "; received by DGI") != 4 || h.int(`select count(*) from contingency_documents`) != 4 {
		t.Errorf("imported again: %s", out)
	}
	other := strings.Replace(contingencyFile(), `"item": "SOP", "quantity": 1, "price": 100, "vat_rate": 22}`, `"item": "SOP", "quantity": 2, "price": 50, "vat_rate": 22}`, 1)
	if _, err := h.run("invoice", "contingency", "import", writeTemp(t, other)); err == nil || !strings.Contains(err.Error(), "contingency_documents[0] (201 CX 1): number: 201 CX 1 of issuer UYR is recorded already") {
		t.Errorf("a used number with other content: %v", err)
	}
	if _, err := h.db.Exec(t.Context(), `insert into contingency_documents (invoice_id, issuer, cfe_type, cfe_series, number, cae, fingerprint)
		select id, 'UYR', 201, 'CX', 1, cae, 'x' from invoices where document_kind = 'contingency' and series = 'CF'`); err == nil || !strings.Contains(err.Error(), "unique") {
		t.Errorf("the database took a contingency number twice: %v", err)
	}

	var v dailyView
	h.runJSON(&v, "report", "daily", "--date", contingencyDay, "--issuer", "UYR", "--send", "--wait")
	if len(v.Sendings) != 1 || v.Sendings[0].State != "received" || v.CFE != 4 || v.NotReady != "" {
		t.Fatalf("the day's report: %+v", v)
	}
	rep := h.str(`select xml from daily_reports where issuer = 'UYR' and day = $1`, contingencyDay)
	checkReportXSD(t, rep)
	for _, want := range []string{
		"<ns0:TipoComp>201</ns0:TipoComp><ns0:RsmnData><ns0:Montos><ns0:Mnts_FyT_Item><ns0:Fecha>" + contingencyDay + "</ns0:Fecha><ns0:CodSuc>1</ns0:CodSuc><ns0:TotMntNoGrv>0.00</ns0:TotMntNoGrv><ns0:TotMntIVATasaMin>100.00</ns0:TotMntIVATasaMin><ns0:TotMntIVATasaBas>100.00</ns0:TotMntIVATasaBas><ns0:MntIVATasaMin>10.00</ns0:MntIVATasaMin><ns0:MntIVATasaBas>22.00</ns0:MntIVATasaBas>",
		"<ns0:TotMntTotal>232.00</ns0:TotMntTotal></ns0:Mnts_FyT_Item></ns0:Montos><ns0:CantDocsMay_topeUI>0</ns0:CantDocsMay_topeUI><ns0:CantCFCEmi>2</ns0:CantCFCEmi>",
		"<ns0:TipoComp>211</ns0:TipoComp>", "<ns0:TotMntTotal>421.00</ns0:TotMntTotal></ns0:Mnts_FyT_Item></ns0:Montos><ns0:CantCFCEmi>1</ns0:CantCFCEmi>",
		"<ns0:Rsmn_Fac_Cont_Nota_Credito><ns0:TipoComp>212</ns0:TipoComp>", "<ns0:CantComprobantes>4</ns0:CantComprobantes>",
	} {
		if !strings.Contains(rep, want) {
			t.Errorf("the report lacks %s\n%s", want, rep)
		}
	}
	// An e-Ticket contingencia above the UI threshold (5,000 UI × 6.45) goes to DGI alone, not
	// in the envelope of the one imported with it.
	big := contingencyRecord("CT", 201, 10, "90120000201", "LUIS", `{"item": "SOP", "quantity": 400, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 40000, "vat": 8800}`, "")
	small := contingencyRecord("CT", 201, 11, "90120000201", "LUIS", `{"item": "SOP", "quantity": 1, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 100, "vat": 22}`, "")
	h.mustRun("invoice", "contingency", "import", writeTemp(t, `{"contingency_documents": [`+big+`, `+small+`]}`), "--wait")
	if n := h.int(`select e.cfe_count from cfe_envelopes e join fiscal_documents d on d.envelope_id = e.id join contingency_documents c on c.invoice_id = d.invoice_id
		where c.number = 10 and e.state = 'answered'`); n != 1 {
		t.Errorf("the e-Ticket contingencia above the threshold went in an envelope of %d", n)
	}
	id := h.int(`select invoice_id from contingency_documents where cfe_type = 211`)
	if shown := h.mustRun("invoice", "show", fmt.Sprint(id)); !strings.Contains(shown, "stamped") {
		t.Errorf("invoice show of a contingency document: %s", shown)
	}
	if shown := h.mustRun("report", "daily", "--date", contingencyDay, "--issuer", "UYR"); !strings.Contains(shown, "201 e-Ticket Contingencia") || !strings.Contains(shown, "numbers CX 1-2") {
		t.Errorf("report daily: %s", shown)
	}
}

// A scheduled daily report revisits the days before the one it reports: a day DGI rejected
// is sent again with the next sequence, and a day DGI received before contingency documents
// of that day were recorded is resent counting them; report daily shows both.
func TestScheduledReportRevisitsDays(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(uyReportData(t))
	h.importJSON(contingencySetup)
	one := contingencyRecord("CT", 201, 1, "90120000201", "LUIS", `{"item": "SOP", "quantity": 1, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 100, "vat": 22}`, "")
	h.mustRun("invoice", "contingency", "import", writeTemp(t, `{"contingency_documents": [`+one+`]}`), "--wait")
	h.mustRun("report", "daily", "--date", contingencyDay, "--issuer", "UYR", "--send", "--wait")

	const rejectedDay = "2026-11-20"
	dgiControl(t, "219999830019-report-"+rejectedDay, "R06")
	_, err := h.run("report", "daily", "--date", rejectedDay, "--issuer", "UYR", "--send", "--wait")
	dgiControl(t, "219999830019-report-"+rejectedDay, "")
	if exitCode(err) != exitError {
		t.Fatalf("the rejected day: %v", err)
	}
	two := contingencyRecord("CT", 201, 2, "90120000201", "MARIA", `{"item": "LIB", "quantity": 2, "price": 50, "vat_rate": 10}`, `{"vat_rate": 10, "net": 100, "vat": 10}`, "")
	if out := h.mustRun("invoice", "contingency", "import", writeTemp(t, `{"contingency_documents": [`+two+`]}`), "--wait"); !strings.Contains(out,
		"DGI received the daily report of UYR for "+contingencyDay+" before these were recorded") {
		t.Errorf("the import does not say the day's report is to be resent: %s", out)
	}
	for day, want := range map[string]string{rejectedDay: "to report again: DGI rejected its last report", contingencyDay: "to report again: documents of the day were recorded or stamped after DGI received"} {
		if out := h.mustRun("report", "daily", "--date", day, "--issuer", "UYR"); !strings.Contains(out, want) {
			t.Errorf("report daily --date %s does not say %q:\n%s", day, want, out)
		}
	}

	// The run of 27 November, 02:00 in Montevideo, reports the 26th and revisits both days.
	h.mustRun("schedule", "create", "rev-test", "--daily-report", "--issuer", "UYR")
	defer h.run("schedule", "delete", "rev-test")
	h.mustRun("schedule", "backfill", "rev-test", "2026-11-27T04:59:00Z", "2026-11-27T05:01:00Z")
	h.waitFor("the revisited days' reports", 2*time.Minute, func() bool {
		return h.int(`select count(*) from daily_reports where issuer = 'UYR' and sequence = 2 and state = 'received' and day in ($1, $2)`, rejectedDay, contingencyDay) == 2 &&
			h.int(`select count(*) from daily_reports where issuer = 'UYR' and day = '2026-11-26' and state = 'received'`) == 1
	})
	rep := h.str(`select xml from daily_reports where issuer = 'UYR' and day = $1 and sequence = 2`, contingencyDay)
	checkReportXSD(t, rep)
	if !strings.Contains(rep, "<ns0:CantCFCEmi>2</ns0:CantCFCEmi>") || !strings.Contains(rep, "<ns0:SecEnvio>2</ns0:SecEnvio>") {
		t.Errorf("the resent day does not count the document recorded later:\n%s", rep)
	}
	var v dailyView
	h.runJSON(&v, "report", "daily", "--date", rejectedDay, "--issuer", "UYR")
	if len(v.Sendings) != 2 || v.Sendings[0].State != "rejected" || v.Sendings[1].State != "received" {
		t.Errorf("report daily of the rejected day: %+v", v.Sendings)
	}
	if n := h.int(`select count(*) from daily_reports where issuer = 'UYR' and day not in ($1, $2, '2026-11-26')`, rejectedDay, contingencyDay); n != 0 {
		t.Errorf("%d sendings of other days", n)
	}
}

// Contingency documents recorded while DGI's service is down wait, sealed, their envelope
// recorded and retried with backoff, and go when it is back: each stamped by DGI's AE, the
// envelope sent under one number only.
func TestContingencySentWhenDGIIsBack(t *testing.T) {
	target, err := url.Parse(os.Getenv("DGI_URL"))
	if err != nil || target.Host == "" {
		t.Fatal("DGI_URL is not set: source .dev/test/env")
	}
	var down atomic.Bool
	var refused atomic.Int32
	down.Store(true)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			refused.Add(1)
			http.Error(w, "DGI is down (test)", http.StatusServiceUnavailable)
			return
		}
		httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host}).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	t.Setenv("DGI_URL", proxy.URL+target.Path)
	h := newHarness(t, true)
	h.importJSON(uyReportData(t))
	h.importJSON(contingencySetup)
	one := contingencyRecord("CT", 201, 5, "90120000201", "LUIS", `{"item": "SOP", "quantity": 1, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 100, "vat": 22}`, "")
	two := contingencyRecord("CT", 201, 6, "90120000201", "MARIA", `{"item": "SOP", "quantity": 2, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 200, "vat": 44}`, "")
	h.mustRun("invoice", "contingency", "import", writeTemp(t, `{"contingency_documents": [`+one+`, `+two+`]}`))
	h.waitFor("DGI refusing the envelope twice", time.Minute, func() bool { return refused.Load() >= 2 })
	if n := h.int(`select count(*) from invoices v join fiscal_documents d on d.invoice_id = v.id
		where v.document_kind = 'contingency' and v.fiscal_status = 'sealed' and v.fiscal_error = '' and d.envelope_id is not null`); n != 2 {
		t.Fatalf("%d documents sealed and waiting in their envelope, want 2", n)
	}
	if out, _ := h.run("report", "daily", "--date", contingencyDay, "--issuer", "UYR"); !strings.Contains(out, "still wait for DGI's answer") {
		t.Errorf("report daily while DGI is down: %s", out)
	}
	down.Store(false)
	h.waitFor("the documents stamped once DGI is back", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where document_kind = 'contingency' and fiscal_status = 'stamped'`) == 2
	})
	if n := h.int(`select count(distinct d.envelope_id) from fiscal_documents d join invoices v on v.id = d.invoice_id where v.document_kind = 'contingency'`); n != 1 {
		t.Errorf("%d envelopes, want the one recorded before DGI was down", n)
	}
}
