package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
)

// Issue 25's review: a period not ended, a bimonthly period for a régimen other than 621
// and a series naming another issuer's global invoice series are refused (exit 2, naming
// the flag or the record and field); a sale to the general public on an invoice series
// naming the global invoice series goes in it, a sale to a customer with an RFC does not;
// FormaPago is the form of the largest amount received; a late global invoice is warned
// about; tickets completed after the period's global invoice are listed as stranded and
// go in a further one, and asking again with none left answers what exists.
func TestGlobalInvoiceLeftoversAndSATRules(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	order := func(n int, customer, terms, date string, qty int) string {
		return fmt.Sprintf(`{"number": %d, "customer": "%s", "payment_terms": "%s", "series": "A", "warehouse": "CENTRAL", "currency": "MXN",
			"date": "%s", "lines": [{"item": "B", "ordered": %d}]}`, n, customer, terms, date, qty)
	}
	h.importJSON(`{"payment_terms": [{"code": "CARD", "kind": "cash", "forma_pago": "04", "metodo_pago": "PUE"}],
		"customers": [{"code": "PUBLICO", "name": "Mostrador dos", "tax_id": "XAXX010101000", "tax_id_kind": "generic", "payment_terms": "CASH"},
		              {"code": "PEDRO", "name": "Pedro Páramo", "tax_id": "PAPP800101", "tax_id_kind": "national_id", "email": "pedro@correo.example", "payment_terms": "CASH"}],
		"series": [
		{"code": "G", "issuer": "EKU", "document_kind": "global_invoice", "closing_date": "2026-10-31"},
		{"code": "A", "issuer": "EKU", "document_kind": "invoice", "closing_date": "2026-10-31", "credit_note_series": "NC", "payment_receipt_series": "P", "global_invoice_series": "G"},
		{"code": "T", "issuer": "EKU", "document_kind": "ticket", "closing_date": "2026-10-31", "credit_note_series": "NC", "global_invoice_series": "G"}],
		"orders": [` + strings.Join([]string{order(1301, "JUAN", "CASH", "2026-11-10", 3), order(1302, "JUAN", "CASH", "2026-11-11", 2),
		order(1303, "PEDRO", "CARD", "2026-11-12", 9), order(1304, "PUBLICO", "CASH", "2026-11-12", 1), order(1305, "FORSETI", "NET30", "2026-11-12", 1),
		order(1306, "JUAN", "CASH", "2026-11-20", 1)}, ",") + `]}`)

	// Another issuer's global invoice series is refused at import, naming record and field.
	out, err := h.run("import", writeTemp(t, `{"series": [{"code": "ET", "issuer": "UYE", "document_kind": "ticket", "cfe_type": 101, "global_invoice_series": "G"}]}`))
	if exitCode(err) != exitUsage || !strings.Contains(out+fmt.Sprint(err), "series[0] (ET): global_invoice_series") || !strings.Contains(out+fmt.Sprint(err), "issuer EKU's series, not UYE's") {
		t.Errorf("another issuer's global invoice series: %v\n%s", err, out)
	}
	// ... and by the database, whatever writes it.
	if _, err := h.db.Exec(t.Context(), `update series set global_invoice_series = 'G' where code = 'EF'`); err == nil {
		t.Error("the database took another issuer's global invoice series")
	}

	// A period not ended (Mexico City) and a bimester for régimen 601 are refused, exit 2.
	month := fiscal.Today("MX", time.Now())[:7]
	out, err = h.run("batch", "create", "--global", "--period", month)
	if exitCode(err) != exitUsage || !strings.Contains(out+fmt.Sprint(err), "--period") || !strings.Contains(out+fmt.Sprint(err), "has not ended") {
		t.Errorf("the current month %s: %v\n%s", month, err, out)
	}
	out, err = h.run("batch", "create", "--global", "--period", "2026-09", "--periodicity", "05")
	if exitCode(err) != exitUsage || !strings.Contains(out+fmt.Sprint(err), "régimen 621") {
		t.Errorf("a bimester for régimen 601: %v\n%s", err, out)
	}

	var sum struct {
		BatchID   string `json:"batch_id"`
		Completed int    `json:"completed"`
	}
	h.runJSON(&sum, "batch", "create", "--orders", "1301-1305", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--wait")
	if sum.Completed != 5 {
		t.Fatalf("batch: %+v", sum)
	}
	kinds := h.str(`select string_agg(customer || ' ' || document_kind || ' ' || fiscal_status, ', ' order by customer) from invoices where batch_id = $1`, sum.BatchID)
	if kinds != "FORSETI invoice pdf, JUAN ticket global, JUAN ticket global, PEDRO ticket global, PUBLICO invoice global" {
		t.Errorf("the batch's documents: %s", kinds)
	}

	out = h.mustRun("batch", "create", "--global", "--period", "2026-11", "--wait")
	if !strings.Contains(out, "G-1 carries 4 tickets") || !strings.Contains(out, "warning: late") {
		t.Fatalf("global invoice: %s", out)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(h.str(`select d.xml from fiscal_documents d join invoices v on v.id = d.invoice_id where v.series = 'G' and v.number = 1`)); err != nil {
		t.Fatal(err)
	}
	if got := doc.Root().SelectAttrValue("FormaPago", ""); got != "04" { // PEDRO's card: the largest amount
		t.Errorf("FormaPago %s, want 04", got)
	}
	concepts := []string{}
	for _, c := range doc.FindElements("//Conceptos/Concepto") {
		concepts = append(concepts, c.SelectAttrValue("NoIdentificacion", ""))
	}
	if want := h.str(`select string_agg(series || '-' || number, ',' order by series, number) from invoices where batch_id = $1 and customer <> 'FORSETI'`, sum.BatchID); strings.Join(concepts, ",") != want {
		t.Errorf("concepts %v, want %s", concepts, want)
	}

	// A ticket completed after the period's global invoice is stranded until asked again,
	// then goes in a further global invoice alone.
	h.runJSON(&sum, "batch", "create", "--orders", "1306-1306", "--series", "A", "--date", "2026-11-23", "--wait")
	out = h.mustRun("batch", "create", "--global", "--period", "2026-10", "--wait")
	ticket := h.str(`select series || '-' || number from invoices where batch_id = $1`, sum.BatchID)
	if !strings.Contains(out, "1 tickets dated before today are in no global invoice of G") || !strings.Contains(out, ticket+" (2026-11-23)") {
		t.Errorf("the stranded ticket %s not shown: %s", ticket, out)
	}
	out = h.mustRun("batch", "create", "--global", "--period", "2026-11", "--wait")
	if !strings.Contains(out, "G-2 carries 1 tickets") || !strings.Contains(out, "global invoices: G-1, G-2") || strings.Contains(out, "in no global invoice") {
		t.Fatalf("the leftover ticket: %s", out)
	}
	if got := h.str(`select v.series || '-' || v.number from global_invoice_tickets g join invoices v on v.id = g.global_id join invoices k on k.id = g.ticket_id
		where k.batch_id = $1`, sum.BatchID); got != "G-2" {
		t.Errorf("the leftover ticket is in %s", got)
	}
	if got := h.str(`select fiscal_status || ' ' || delivery_status from invoices where series = 'G' and number = 2`); got != "pdf sent" {
		t.Errorf("G-2: %s", got)
	}
	if out = h.mustRun("batch", "create", "--global", "--period", "2026-11", "--wait"); !strings.Contains(out, "no tickets left to declare: the period's global invoices are G-1, G-2") {
		t.Errorf("asked again: %s", out)
	}
}
