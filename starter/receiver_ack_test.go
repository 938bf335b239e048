package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfe"
	"billrun/schema/testdb"
)

// receiverAckXML is a receiver's signed ACKCFE (ACKCFE_Partes.xsd) from RUT 219999830019 —
// the test certificate's — answering the CFE dets ("type series number state [motivo]").
func receiverAckXML(t *testing.T, responseID int, dets ...string) string {
	t.Helper()
	uy := filepath.Join(testdb.Root(t), "testdata/uy/219999830019")
	cert, key, err := fiscal.LoadKeyPair(uy+".cer", uy+".key", []byte("12345678a"))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := doc.CreateElement("ACKCFE")
	root.CreateAttr("xmlns", cfe.NS)
	root.CreateAttr("version", "1.0")
	el := func(p *etree.Element, tag, v string) { p.CreateElement(tag).SetText(v) }
	c := root.CreateElement("Caratula")
	for _, kv := range [][2]string{{"RUCReceptor", "219999830019"}, {"RUCEmisor", "219999830019"}, {"IDRespuesta", fmt.Sprint(responseID)},
		{"NomArch", "Sob_219999830019_20261125_1"}, {"FecHRecibido", "2026-11-26T10:00:00-03:00"}, {"IDEmisor", "1"}, {"IDReceptor", "77"},
		{"CantenSobre", fmt.Sprint(len(dets))}, {"CantResponden", fmt.Sprint(len(dets))}, {"Tmst", "2026-11-26T10:00:05-03:00"}} {
		el(c, kv[0], kv[1])
	}
	for i, d := range dets {
		f := strings.Fields(d)
		x := root.CreateElement("ACKCFE_Det")
		for _, kv := range [][2]string{{"Nro_ordinal", fmt.Sprint(i + 1)}, {"TipoCFE", f[0]}, {"Serie", f[1]}, {"NroCFE", f[2]},
			{"FechaCFE", contingencyDay}, {"Estado", f[3]}} {
			el(x, kv[0], kv[1])
		}
		if len(f) > 4 {
			m := x.CreateElement("MotivosRechazoCF")
			el(m, "Motivo", f[4])
			el(m, "Glosa", "Diferencia de precios y/o condiciones")
		}
	}
	if err := cfe.Sign(doc, key, cert.Raw); err != nil {
		t.Fatal(err)
	}
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// An electronic receiver's acknowledgement of its CFE, read back (issue 26): the signed
// ACKCFE it sends is recorded against each CFE's invoice — received, or rejected with its
// reasons —, once (the same file again records nothing); one that names a CFE of another
// receiver, or no CFE of the issuer, or is not valid against DGI's schema, records nothing.
func TestReceiverAcknowledgementRecorded(t *testing.T) {
	h := newHarness(t, true)
	h.importJSON(uyReportData(t))
	h.importJSON(contingencySetup)
	docs := []string{
		contingencyRecord("CF", 211, 1, "90120000211", "PRUEBA", `{"item": "SOP", "quantity": 1, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 100, "vat": 22}`, ""),
		contingencyRecord("CF", 211, 2, "90120000211", "PRUEBA", `{"item": "SOP", "quantity": 2, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 200, "vat": 44}`, ""),
		contingencyRecord("CF", 211, 3, "90120000211", "EMPRESA", `{"item": "SOP", "quantity": 1, "price": 100, "vat_rate": 22}`, `{"vat_rate": 22, "net": 100, "vat": 22}`, ""),
	}
	h.mustRun("invoice", "contingency", "import", writeTemp(t, `{"contingency_documents": [`+strings.Join(docs, ",")+`]}`), "--wait")

	ack := writeTemp(t, receiverAckXML(t, 501, "211 CX 1 AE", "211 CX 2 BE E20"))
	out := h.mustRun("invoice", "receiver-ack", ack)
	if !strings.Contains(out, "211 CX 1 (invoice") || !strings.Contains(out, "received by the receiver (AE)") ||
		!strings.Contains(out, "rejected by the receiver (BE): E20 Diferencia de precios") {
		t.Errorf("receiver-ack: %s", out)
	}
	if s := h.str(`select string_agg(v.number || ' ' || r.state || ' ' || r.reasons, '; ' order by v.number) from receiver_acks r join invoices v on v.id = r.invoice_id
		where r.response_id = 501 and r.receiver_rut = '219999830019' and r.xml like '%<ACKCFE %'`); s != "1 AE ; 2 BE E20 Diferencia de precios y/o condiciones" {
		t.Errorf("recorded: %q", s)
	}
	if out := h.mustRun("invoice", "receiver-ack", ack); !strings.Contains(out, "recorded before") || h.int(`select count(*) from receiver_acks`) != 2 {
		t.Errorf("the same file again: %s", out)
	}
	for name, doc := range map[string]string{
		"another receiver's CFE": receiverAckXML(t, 502, "211 CX 1 AE", "211 CX 3 AE"),
		"no such CFE":            receiverAckXML(t, 503, "211 CX 9 AE"),
		"not DGI's schema":       strings.Replace(receiverAckXML(t, 504, "211 CX 1 AE"), "<Estado>AE</Estado>", "<Estado>XX</Estado>", 1),
		"tampered":               strings.Replace(receiverAckXML(t, 505, "211 CX 1 AE"), "<IDReceptor>77</IDReceptor>", "<IDReceptor>78</IDReceptor>", 1),
	} {
		if _, err := h.run("invoice", "receiver-ack", writeTemp(t, doc)); exitCode(err) == 0 {
			t.Errorf("%s: recorded", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if n := h.int(`select count(*) from receiver_acks`); n != 2 {
		t.Errorf("%d answers recorded after the refused files, want 2", n)
	}
}
