package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"billrun/schema/testdb"
)

// reportDay is the day the test's CFE are dated and reported; the sandbox DGI is shared and
// its CFE series letters are the test's own (RD), so a refusal reaches no other test.
const reportDay = "2026-11-23"

// dgiControl tells the sandbox DGI to refuse (code) or accept again ("") a CFE or a day's reports.
func dgiControl(t *testing.T, key, code string) {
	t.Helper()
	url := strings.Replace(os.Getenv("DGI_URL"), "/dgi/cfe", "/dgi/control", 1)
	if url == "" {
		t.Fatal("DGI_URL is not set: source .dev/test/env")
	}
	body, _ := json.Marshal(map[string]string{"key": key, "refuse": code})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sandbox DGI control %s %s: %s", key, code, resp.Status)
	}
}

// uyReportData is a Uruguayan issuer with e-Ticket, e-Factura and credit note series, and
// five contracts whose installments fall due on reportDay: three e-Tickets, two e-Facturas.
func uyReportData(t *testing.T) string {
	uy := filepath.Join(testdb.Root(t), "testdata/uy/219999830019")
	customer := func(code, name, id, kind string) string {
		return fmt.Sprintf(`{"code": %q, "name": %q, "tax_id": %q, "tax_id_kind": %q, "country": "UY", "payment_terms": "CASH",
			"address": "DE ARCO JUANA 3338", "city": "MONTEVIDEO", "email": "cliente@correo.example"}`, code, name, id, kind)
	}
	contract := func(n int, payer string, qty int) string {
		return fmt.Sprintf(`{"number": "R-%d", "partner": %q, "payer": %q, "series": "RF", "currency": "UYU", "payment_terms": "CASH", "lines": [
			{"item": "SOP", "quantity": %d, "price": 100, "installments": [{"due": %q, "state": "complete"}]},
			{"item": "LIB", "quantity": 1, "price": 50, "installments": [{"due": %q, "state": "complete"}]}]}`, n, payer, payer, qty, reportDay, reportDay)
	}
	return fmt.Sprintf(`{
  "currencies": [{"code": "UYU", "decimals": 2}],
  "payment_terms": [{"code": "CASH", "kind": "cash"}],
  "uy_ui_values": [{"date": "2026-11-01", "value": "6.4500"}],
  "issuers": [{"code": "UYR", "country": "UY", "rut": "219999830019", "name": "EMISOR DE PRUEBA", "currency": "UYU",
    "branch": "1", "address": "CALLE FALSA 123", "city": "MONTEVIDEO", "department": "MONTEVIDEO", "csd_certificate": %q, "csd_key": %q}],
  "customers": [%s, %s, %s, %s, %s],
  "items": [{"code": "SOP", "description": "Soporte", "unit_price": 100, "vat_rate": 22, "stocked": false},
    {"code": "LIB", "description": "Libro", "unit_price": 50, "vat_rate": 10, "stocked": false}],
  "series": [
    {"code": "RF", "issuer": "UYR", "document_kind": "invoice", "cfe_type": 111, "credit_note_series": "RFNC"},
    {"code": "RFNC", "issuer": "UYR", "document_kind": "credit_note", "cfe_type": 112},
    {"code": "RT", "issuer": "UYR", "document_kind": "ticket", "cfe_type": 101}],
  "document_kinds": [
    {"source_series": "RF", "tax_id_kind": "tax_registration", "document_kind": "invoice", "series": "RF"},
    {"source_series": "RF", "tax_id_kind": "national_id", "document_kind": "ticket", "series": "RT"}],
  "caes": [
    {"series": "RF", "cae": "90110000311", "cfe_series": "RD", "from": 1, "to": 100, "expires": "2027-12-31"},
    {"series": "RFNC", "cae": "90110000312", "cfe_series": "RD", "from": 1, "to": 100, "expires": "2027-12-31"},
    {"series": "RT", "cae": "90110000301", "cfe_series": "RD", "from": 1, "to": 100, "expires": "2027-12-31"}],
  "contracts": [%s, %s, %s, %s, %s]
}`, uy+".cer", uy+".key",
		customer("LUIS", "Luis Pérez", "12345672", "national_id"), customer("MARIA", "María Gómez", "34567894", "national_id"),
		customer("PEDRO", "Pedro Ruiz", "45678905", "national_id"), customer("EMPRESA", "BINALOR SOCIEDAD ANONIMA", "215071660012", "tax_registration"),
		customer("PRUEBA", "EMPRESA DE PRUEBA", "219999830019", "tax_registration"),
		contract(1, "LUIS", 1), contract(2, "MARIA", 2), contract(3, "PEDRO", 3), contract(4, "EMPRESA", 4), contract(5, "PRUEBA", 5))
}

// Issue 26's daily report, end to end: a day of CFE (three e-Tickets, one refused by the
// sandbox DGI; two e-Facturas; a credit note) gives a report that validates against DGI's
// XSD, whose counts, ranges and amounts a recomputation from the database reproduces, and
// that the sandbox acknowledges (AR, the answer kept); a resend takes the next sequence; a
// report DGI rejects is shown with DGI's reason and resent after; an empty day reports
// zeros; the daily-report Schedule's backfilled run reports the day before its run.
func TestDailyReportOfADay(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(uyReportData(t))
	dgiControl(t, "219999830019-101-RD-3", "E04") // the day's third e-Ticket
	t.Cleanup(func() { dgiControl(t, "219999830019-101-RD-3", "") })
	id := h.batchID("UYREP")
	h.mustRun("batch", "create", "--installments", "--series", "RF", "--due-until", reportDay, "--date", reportDay, "--id", id, "--wait")
	h.waitFor("four CFE published and one refused by DGI", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and fiscal_status = 'pdf'`, id) == 4 &&
			h.int(`select count(*) from invoices where batch_id = $1 and fiscal_error like '%BE%'`, id) == 1
	})
	factura := h.int(`select id from invoices where batch_id = $1 and series = 'RF' order by number limit 1`, id)
	h.mustRun("invoice", "rebate", fmt.Sprint(factura), "--line", "1", "--amount", "10.00", "--date", reportDay, "--wait")

	var v dailyView
	h.runJSON(&v, "report", "daily", "--date", reportDay, "--issuer", "UYR", "--send", "--wait")
	if len(v.Sendings) != 1 || v.Sendings[0].State != "received" || v.Sendings[0].Sequence != 1 || v.CFE != 6 || v.NotReady != "" {
		t.Fatalf("the day's report: %+v", v)
	}
	xml := h.str(`select xml from daily_reports where issuer = 'UYR' and day = $1 and sequence = 1`, reportDay)
	checkReportXSD(t, xml)
	h.recomputeReport(xml)
	if ack := h.str(`select ack from daily_reports where issuer = 'UYR' and day = $1 and sequence = 1`, reportDay); !strings.Contains(ack, "<Estado>AR</Estado>") {
		t.Errorf("DGI's answer kept: %s", ack)
	}
	// The refused e-Ticket is now reported annulled: DGI would refuse it (E01), so a restamp
	// is refused, naming the report.
	refused := h.int(`select id from invoices where batch_id = $1 and fiscal_error like '%BE%'`, id)
	if _, err := h.run("invoice", "restamp", fmt.Sprint(refused)); err == nil || !strings.Contains(err.Error(), "listed as annulled") ||
		!strings.Contains(err.Error(), "E01") || !strings.Contains(err.Error(), "sequence 1") {
		t.Errorf("a restamp of a CFE reported annulled: %v", err)
	}
	// Taken on by a batch retry instead, publication does not send it either.
	h.mustRun("batch", "retry", id, "--wait")
	h.waitFor("the annulled CFE refused by publication, not sent", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and fiscal_status = 'sealed' and fiscal_error like 'stamping: CFE 101 RD 3 is listed as annulled%'`, refused) == 1
	})

	// A resend takes the next sequence; a report DGI rejects is shown with DGI's reason
	// (exit 1), kept, and the next sending after the fix is received.
	h.runJSON(&v, "report", "daily", "--date", reportDay, "--issuer", "UYR", "--send", "--wait")
	if n := len(v.Sendings); n != 2 || v.Sendings[1].State != "received" || v.Sendings[1].Sequence != 2 {
		t.Errorf("resent: %+v", v.Sendings)
	}
	dgiControl(t, "219999830019-report-"+reportDay, "R06")
	out, err := h.run("report", "daily", "--date", reportDay, "--issuer", "UYR", "--send", "--wait")
	dgiControl(t, "219999830019-report-"+reportDay, "")
	if exitCode(err) != exitError || !strings.Contains(out, "sequence 3, rejected by DGI (BR)") || !strings.Contains(out, "R06 No cumple validaciones") {
		t.Errorf("a rejected report: %v\n%s", err, out)
	}
	h.runJSON(&v, "report", "daily", "--date", reportDay, "--issuer", "UYR", "--send", "--wait")
	if n := len(v.Sendings); n != 4 || v.Sendings[2].State != "rejected" || v.Sendings[3].State != "received" {
		t.Errorf("after the rejection: %+v", v.Sendings)
	}

	// An empty day reports zeros.
	h.runJSON(&v, "report", "daily", "--date", "2026-11-22", "--issuer", "UYR", "--send", "--wait")
	empty := h.str(`select xml from daily_reports where issuer = 'UYR' and day = '2026-11-22'`)
	checkReportXSD(t, empty)
	if len(v.Sendings) != 1 || v.Sendings[0].State != "received" || v.CFE != 0 || !strings.Contains(empty, "<ns0:CantComprobantes>0</ns0:CantComprobantes>") {
		t.Errorf("an empty day: %+v", v)
	}

	// The Schedule: its run of 22 November, 02:00 in Montevideo, reports the 21st.
	h.mustRun("schedule", "create", "rep-test", "--daily-report", "--issuer", "UYR")
	defer h.run("schedule", "delete", "rep-test")
	h.mustRun("schedule", "backfill", "rep-test", "2026-11-22T04:59:00Z", "2026-11-22T05:01:00Z")
	h.waitFor("the scheduled run's report", 2*time.Minute, func() bool {
		return h.int(`select count(*) from daily_reports where issuer = 'UYR' and day = '2026-11-21' and state = 'received'`) == 1
	})
}

// checkReportXSD holds a daily report to DGI's ReporteDiarioCFE.xsd with xmllint.
func checkReportXSD(t *testing.T, xml string) {
	t.Helper()
	root := testdb.Root(t)
	xmllint, xsd := testdb.Tool(t, "xmllint"), filepath.Join(root, "internal/fiscal/cfe/xsd/ReporteDiarioCFE.xsd")
	f := filepath.Join(t.TempDir(), "reporte.xml")
	if err := os.WriteFile(f, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	if o, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput(); err != nil {
		t.Errorf("the daily report fails DGI's XSD: %v\n%s", err, o)
	}
}

// recomputeReport holds the report's counts, ranges and amounts per CFE type to what SQL
// recomputes from the day's invoices, their lines and DGI's answers (a BE annuls: the
// CFE's own ACKCFE_Det, in an answer to an envelope of many).
func (h *harness) recomputeReport(xml string) {
	t := h.t
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, z := range doc.Root().ChildElements() {
		tipo := z.FindElement("TipoComp")
		if tipo == nil {
			continue
		}
		d := z.FindElement("RsmnData")
		var rng []string
		for _, r := range d.FindElements("RngDocsUtil/RDU_Item") {
			rng = append(rng, r.FindElement("Serie").Text()+" "+r.FindElement("NroDesde").Text()+"-"+r.FindElement("NroHasta").Text())
		}
		var ann []string
		for _, r := range d.FindElements("RngDocsAnulados/RDA_Item") {
			ann = append(ann, r.FindElement("NroDesde").Text()+"-"+r.FindElement("NroHasta").Text())
		}
		amount := func(tag string) string {
			if e := d.FindElement("Montos/Mnts_FyT_Item/" + tag); e != nil {
				return e.Text()
			}
			return "0.00"
		}
		got[tipo.Text()] = fmt.Sprintf("used %s issued %s annulled %s ranges %s annulled %s net22 %s vat22 %s net10 %s total %s",
			d.FindElement("CantDocsUtil").Text(), d.FindElement("CantDocsEmi").Text(), d.FindElement("CantDocsAnulados").Text(),
			strings.Join(rng, ","), strings.Join(ann, ","), amount("TotMntIVATasaBas"), amount("MntIVATasaBas"), amount("TotMntIVATasaMin"), amount("TotMntTotal"))
	}
	rows, err := h.db.Query(context.Background(), `
		with c as (select v.id, s.cfe_type, a.cfe_series, v.number, v.total,
			coalesce((xpath(format('//d:ACKCFE_Det[d:TipoCFE=%s and d:NroCFE=%s]/d:Estado/text()', s.cfe_type, v.number),
				coalesce(d.authority_ack, '<none/>')::xml, array[array['d', 'http://cfe.dgi.gub.uy']]))[1]::text, '') = 'BE' annulled
			from invoices v join series s on s.code = v.series join caes a on a.id = v.cae left join fiscal_documents d on d.invoice_id = v.id
			where v.issuer = 'UYR' and v.invoice_date = $1 and v.number is not null)
		select c.cfe_type::text, format('used %s issued %s annulled %s ranges %s annulled %s net22 %s vat22 %s net10 %s total %s',
			count(*), count(*) filter (where not annulled), count(*) filter (where annulled),
			min(cfe_series) || ' ' || min(number) || '-' || max(number),
			coalesce(string_agg(number || '-' || number, ',') filter (where annulled), ''),
			to_char(coalesce(sum(l.net22) filter (where not annulled), 0), 'FM999999990.00'),
			to_char(coalesce(sum(l.vat22) filter (where not annulled), 0), 'FM999999990.00'),
			to_char(coalesce(sum(l.net10) filter (where not annulled), 0), 'FM999999990.00'),
			to_char(coalesce(sum(c.total) filter (where not annulled), 0), 'FM999999990.00'))
		from c join lateral (select sum(subtotal) filter (where vat_rate = 22) net22, sum(vat) filter (where vat_rate = 22) vat22,
			sum(subtotal) filter (where vat_rate = 10) net10 from invoice_lines where invoice_id = c.id) l on true
		group by c.cfe_type having count(distinct cfe_series) = 1 and max(number) - min(number) + 1 = count(*)`, reportDay)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := map[string]string{}
	for rows.Next() {
		var tipo, s string
		if err := rows.Scan(&tipo, &s); err != nil {
			t.Fatal(err)
		}
		want[tipo] = s
	}
	if len(want) != 3 || len(got) != 3 {
		t.Errorf("types: report %v, database %v (want 101, 111, 112, each numbered without gaps)", got, want)
	}
	for tipo, w := range want {
		if got[tipo] != w {
			t.Errorf("type %s:\n report   %s\n database %s", tipo, got[tipo], w)
		}
	}
	if !strings.Contains(want["101"], "used 3 issued 2 annulled 1") {
		t.Errorf("the e-Tickets: %s", want["101"])
	}
}
