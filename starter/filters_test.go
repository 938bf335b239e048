package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"billrun/internal/model"
)

// Issue 27, seed 002's filters: orders are chosen by customer, zone, seller, payment terms,
// warehouse, order date and delivery date, each shown in the batch's details and report;
// a filter the source kind does not take is refused, naming the flag (exit 2); seed 004's
// purchase-order reference, delivery date and seller are printed on the invoice.
func TestBatchFiltersChooseOrders(t *testing.T) {
	h := newHarness(t, true)
	h.mustRun("import", "../examples/demo.json")
	h.importJSON(`{"customers": [
		{"code": "NORTE", "name": "Ferretería del Norte", "tax_id": "URE180429TM6", "tax_id_kind": "tax_registration", "fiscal_regime": "601",
		 "postal_code": "86991", "cfdi_use": "G03", "email": "norte@correo.example", "payment_terms": "CASH", "zone": "N"},
		{"code": "SUR", "name": "Tlapalería del Sur", "tax_id": "XIA190128J61", "tax_id_kind": "tax_registration", "fiscal_regime": "601",
		 "postal_code": "76000", "cfdi_use": "G03", "email": "sur@correo.example", "payment_terms": "CASH", "zone": "S"}],
	 "orders": [
		{"number": 1401, "customer": "NORTE", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-02", "seller": "ANA",
		 "delivery_date": "2026-11-20", "po_reference": "PO-77", "lines": [{"item": "B", "ordered": 2}]},
		{"number": 1402, "customer": "NORTE", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-05", "seller": "LUIS",
		 "payment_terms": "NET30", "lines": [{"item": "B", "ordered": 2}]},
		{"number": 1403, "customer": "SUR", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-09", "seller": "ANA",
		 "delivery_date": "2026-11-28", "lines": [{"item": "B", "ordered": 2}]},
		{"number": 1404, "customer": "SUR", "series": "A", "warehouse": "CENTRAL", "currency": "MXN", "date": "2026-11-12", "seller": "LUIS",
		 "delivery_date": "2026-12-02", "lines": [{"item": "B", "ordered": 2}]}]}`)
	chosen := func(flags ...string) []string {
		t.Helper()
		var plan model.PlanOutcome
		h.runJSON(&plan, append([]string{"batch", "create", "--orders", "1401-1404", "--series", "A", "--date", "2026-11-23", "--grouping", "none", "--dry-run"}, flags...)...)
		var out []string
		for _, inv := range plan.Invoices {
			for _, s := range inv.Sources {
				out = append(out, strings.Fields(s)[1]) // "order 1401 line 1"
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{nil, "1401,1402,1403,1404"},
		{[]string{"--zones", "N"}, "1401,1402"},
		{[]string{"--sellers", "ANA"}, "1401,1403"},
		{[]string{"--terms", "NET30"}, "1402"},
		{[]string{"--warehouses", "CENTRAL", "--customers", "SUR"}, "1403,1404"},
		{[]string{"--order-dates", "2026-11-05..2026-11-10"}, "1402,1403"},
		{[]string{"--order-dates", "..2026-11-04"}, "1401"},
		{[]string{"--delivery-dates", "2026-11-21.."}, "1403,1404"},
		{[]string{"--zones", "S", "--sellers", "ANA", "--delivery-dates", "..2026-11-30"}, "1403"},
	} {
		if got := strings.Join(chosen(c.flags...), ","); got != c.want {
			t.Errorf("%v: orders %s, want %s", c.flags, got, c.want)
		}
	}
	// Installments by contract and due dates: of C-2026-01's two complete installments, the
	// one due from November on; of the Uruguayan contracts, C-UY-01's alone.
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--contracts", "C-2026-01", "--due-from", "2026-11-01"}, "FORSETI:1"},
		{[]string{"--contracts", "C-2026-01"}, "FORSETI:2"},
		{[]string{"--contracts", "C-UY-01,C-2026-01", "--due-from", "2026-11-15", "--customers", "ANA"}, "ANA:1"},
	} {
		var plan model.PlanOutcome
		h.runJSON(&plan, append([]string{"batch", "create", "--installments", "--due-until", "2026-11-30", "--date", "2026-11-23", "--grouping", "none", "--dry-run"}, c.flags...)...)
		var got []string
		for _, inv := range plan.Invoices {
			got = append(got, fmt.Sprintf("%s:%d", inv.Customer, inv.Lines))
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("installments %v: %v, want %s", c.flags, got, c.want)
		}
	}
	for _, bad := range [][]string{
		{"--orders", "1401-1404", "--series", "A", "--contracts", "C-1"},
		{"--orders", "1401-1404", "--series", "A", "--warehouses", "NOWHERE"},
		{"--orders", "1401-1404", "--series", "A", "--order-dates", "2026-11-10..2026-11-01"},
		{"--orders", "1401-1404", "--series", "A", "--delivery-dates", "soon"},
		{"--installments", "--due-until", "2026-11-30", "--zones", "N"},
		{"--plans", "--period", "2026-11-01..2026-11-30", "--contracts", "C-1"},
		{"--plans", "--period", "2026-11-01..2026-11-30", "--sellers", "ANA"},
	} {
		msg := h.mustFail(append([]string{"batch", "create", "--date", "2026-11-23"}, bad...)...)
		flag := bad[len(bad)-2]
		if !strings.Contains(msg, flag+":") {
			t.Errorf("%v: the error does not name %s: %s", bad, flag, msg)
		}
	}

	// A real batch: its details and report say what it bills; the invoice prints the
	// order's purchase-order reference, delivery date and seller.
	var sum model.Summary
	h.runJSON(&sum, "batch", "create", "--orders", "1401-1404", "--series", "A", "--date", "2026-11-23", "--zones", "N", "--sellers", "ANA", "--wait")
	if sum.Completed != 1 || !strings.Contains(sum.Selection, "zones N; sellers ANA") {
		t.Fatalf("filtered batch: %+v", sum)
	}
	if out := h.mustRun("batch", "report", sum.BatchID); !strings.Contains(out, "bills: orders 1401-1404 of series A; zones N; sellers ANA") {
		t.Errorf("batch report:\n%s", out)
	}
	if out := h.mustRun("batch", "status", sum.BatchID); !strings.Contains(out, "zones N; sellers ANA") {
		t.Errorf("batch status:\n%s", out)
	}
	id := h.int(`select id from invoices where batch_id = $1`, sum.BatchID)
	h.waitFor("the invoice printed", time.Minute, func() bool {
		return h.int(`select count(*) from invoices where id = $1 and fiscal_status = 'pdf'`, id) == 1
	})
	pdf := filepath.Join(t.TempDir(), "i.pdf")
	h.mustRun("invoice", "pdf", fmt.Sprint(id), "-o", pdf)
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "Pedido 1401: OC PO-77, entrega 2026-11-20, vendedor ANA"; !strings.Contains(squeeze(string(text)), squeeze(want)) {
		t.Errorf("the PDF does not print %q:\n%s", want, text)
	}
}
