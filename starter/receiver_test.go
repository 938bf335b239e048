package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"billrun/activities"
	"billrun/internal/model"
	"billrun/schema/testdb"
)

// mailAttachments fetches from the mail sink the attachments of the message with
// messageID: file name → content.
func mailAttachments(t *testing.T, messageID string) map[string]string {
	t.Helper()
	api := os.Getenv("MAILPIT_API")
	if api == "" {
		t.Fatal("MAILPIT_API is not set: source .dev/test/env")
	}
	get := func(path string, v any) []byte {
		resp, err := http.Get(api + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("mail sink %s: %s %v", path, resp.Status, err)
		}
		if v != nil {
			if err := json.Unmarshal(b, v); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	var list struct {
		Messages []struct{ ID, MessageID string }
	}
	get("/api/v1/messages?limit=5000", &list)
	out := map[string]string{}
	for _, m := range list.Messages {
		if m.MessageID != messageID {
			continue
		}
		var msg struct {
			Attachments []struct{ PartID, FileName string }
		}
		get("/api/v1/message/"+m.ID, &msg)
		for _, a := range msg.Attachments {
			out[a.FileName] = string(get("/api/v1/message/"+m.ID+"/part/"+a.PartID, nil))
		}
	}
	return out
}

// Issue 26's receivers' copies: a customer marked as an electronic receiver gets its
// e-Factura by e-mail in DGI's exchange envelope (EnvioCFE_entreEmpresas, addressed to its
// RUT, valid against its schema), with the PDF; a customer that is not one gets the CFE's
// XML and the PDF, as before.
func TestUruguayElectronicReceiverGetsTheExchangeEnvelope(t *testing.T) {
	h := newHarness(t, true)
	uy := filepath.Join(testdb.Root(t), "testdata/uy/219999830019")
	customer := func(code, name, rut string, electronic bool) string {
		return fmt.Sprintf(`{"code": %q, "name": %q, "tax_id": %q, "tax_id_kind": "tax_registration", "country": "UY", "payment_terms": "CASH",
			"address": "DE ARCO JUANA 3338", "city": "MONTEVIDEO", "email": "facturas@%s.example", "electronic_receiver": %v}`, code, name, rut, strings.ToLower(code), electronic)
	}
	contract := func(n int, payer string) string {
		return fmt.Sprintf(`{"number": "ER-%d", "partner": %q, "payer": %q, "series": "XR", "currency": "UYU", "payment_terms": "CASH", "lines": [
			{"item": "SOP", "quantity": %d, "price": 100, "installments": [{"due": "2026-11-26", "state": "complete"}]}]}`, n, payer, payer, n)
	}
	h.importJSON(fmt.Sprintf(`{
  "currencies": [{"code": "UYU", "decimals": 2}],
  "payment_terms": [{"code": "CASH", "kind": "cash"}],
  "issuers": [{"code": "UYR", "country": "UY", "rut": "219999830019", "name": "EMISOR DE PRUEBA", "currency": "UYU",
    "branch": "1", "address": "CALLE FALSA 123", "city": "MONTEVIDEO", "department": "MONTEVIDEO", "csd_certificate": %q, "csd_key": %q}],
  "customers": [%s, %s],
  "items": [{"code": "SOP", "description": "Soporte", "unit_price": 100, "vat_rate": 22, "stocked": false}],
  "series": [{"code": "XR", "issuer": "UYR", "document_kind": "invoice", "cfe_type": 111}],
  "caes": [{"series": "XR", "cae": "90110000711", "cfe_series": "ER", "from": 1, "to": 100, "expires": "2027-12-31"}],
  "contracts": [%s, %s]
}`, uy+".cer", uy+".key", customer("BINALOR", "BINALOR SOCIEDAD ANONIMA", "215071660012", true),
		customer("PRUEBA", "EMPRESA DE PRUEBA", "219999830019", false), contract(1, "BINALOR"), contract(2, "PRUEBA")))
	id := h.batchID("UYREC")
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--installments", "--series", "XR", "--due-until", "2026-11-26", "--date", "2026-11-26", "--id", id, "--wait")
	if sum.Completed != 2 {
		t.Fatalf("summary %+v", sum)
	}
	h.waitFor("both e-Facturas mailed", 2*time.Minute, func() bool {
		return h.int(`select count(*) from invoices where batch_id = $1 and delivery_status = 'sent'`, id) == 2
	})
	xmllint, xsd := testdb.Tool(t, "xmllint"), filepath.Join(testdb.Root(t), "internal/fiscal/cfe/xsd/EnvioCFE_entreEmpresas.xsd")
	for _, c := range []string{"BINALOR", "PRUEBA"} {
		inv := h.int(`select id from invoices where batch_id = $1 and customer = $2`, id, c)
		folio := h.str(`select series || '-' || number from invoices where id = $1`, inv)
		stored := h.str(`select xml from fiscal_documents where invoice_id = $1`, inv)
		files := mailAttachments(t, activities.MessageID(h.inst, int64(inv), 1))
		var names []string
		for n := range files {
			names = append(names, n)
		}
		if c == "PRUEBA" {
			if len(files) != 2 || files[folio+".xml"] != stored || !strings.HasPrefix(files[folio+".pdf"], "%PDF") {
				t.Errorf("PRUEBA (not an electronic receiver) got %v, want the CFE's XML and the PDF", names)
			}
			continue
		}
		signed := strings.ReplaceAll(stored[strings.Index(stored, "<ns0:TmstFirma>")+len("<ns0:TmstFirma>"):][:10], "-", "")
		name := fmt.Sprintf("Sob_219999830019_%s_%d.xml", signed, 111*10_000_000+h.int(`select number from invoices where id = $1`, inv))
		env, ok := files[name]
		if len(files) != 2 || !ok || !strings.HasPrefix(files[folio+".pdf"], "%PDF") {
			t.Fatalf("BINALOR (an electronic receiver) got %v, want %s and the PDF", names, name)
		}
		if !strings.Contains(env, "<DGICFE:RutReceptor>215071660012</DGICFE:RutReceptor>") || !strings.Contains(env, stored[strings.Index(stored, "<ns0:CFE"):]) {
			t.Errorf("the exchange envelope is not addressed to BINALOR's RUT or does not carry the stored CFE:\n%.600s", env)
		}
		x := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(x, []byte(env), 0o644); err != nil {
			t.Fatal(err)
		}
		if o, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, x).CombinedOutput(); err != nil {
			t.Errorf("the exchange envelope fails EnvioCFE_entreEmpresas.xsd: %v\n%s", err, o)
		}
	}
}
