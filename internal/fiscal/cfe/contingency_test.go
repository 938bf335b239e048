package cfe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/fiscal"
	"billrun/schema/testdb"
)

// Contingency documents (CFC, types 201-213) are written as DGI's schema lays them out:
// in eTck or eFact by their family, signed, valid against CFEDGI.xsd; an e-Factura
// contingencia needs a RUT as an e-Factura does.
func TestContingencyCFEValidate(t *testing.T) {
	testdb.Tool(t, "xmllint")
	cred := fiscal.Credentials{CertPath: repo(t, "testdata/uy/219999830019.cer"), KeyPath: repo(t, "testdata/uy/219999830019.key"), Password: []byte("12345678a")}
	cert, key, err := fiscal.LoadKeyPair(cred.CertPath, cred.KeyPath, cred.Password)
	if err != nil {
		t.Fatal(err)
	}
	rut := Receptor{TipoDoc: DocRUT, CodPais: "UY", Doc: "215071660012", RznSoc: "BINALOR SOCIEDAD ANONIMA", Dir: "DE ARCO JUANA 3338", Ciudad: "MONTEVIDEO"}
	ref := &Referencia{Tipo: 211, Serie: "A", Nro: 5, Razon: "Devolución", Fecha: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		tipo int
		rec  *Receptor
		ref  *Referencia
		elem string
	}{
		{201, nil, nil, "eTck"}, {202, nil, &Referencia{Tipo: 201, Serie: "A", Nro: 1, Fecha: ref.Fecha}, "eTck"},
		{211, &rut, nil, "eFact"}, {212, &rut, ref, "eFact"}, {213, &rut, ref, "eFact"},
	} {
		d := vectorTicket()
		d.Tipo, d.TmstFirma, d.Referencia = tc.tipo, cert.NotBefore.Add(24*time.Hour).In(uyt), tc.ref
		if tc.rec != nil {
			d.Receptor = *tc.rec
		}
		x, err := Build(d)
		if err != nil {
			t.Fatalf("%d: %v", tc.tipo, err)
		}
		if err := Sign(x, key, cert.Raw); err != nil {
			t.Fatal(err)
		}
		xml, _ := x.WriteToString()
		if err := Validate(context.Background(), xml); err != nil {
			t.Errorf("%d fails DGI's schema: %v", tc.tipo, err)
		}
		if !strings.Contains(xml, "<ns0:"+tc.elem+">") || !strings.Contains(xml, "<ns0:TipoCFE>"+itoa(tc.tipo)+"</ns0:TipoCFE>") {
			t.Errorf("%d: not written as %s", tc.tipo, tc.elem)
		}
	}
	d := vectorTicket()
	d.Tipo = 211
	if _, err := Build(d); err == nil || !strings.Contains(err.Error(), "RUT") {
		t.Errorf("an e-Factura contingencia to a cédula: %v", err)
	}
}

func itoa(n int) string { return decimal.NewFromInt(int64(n)).String() }

// A day with contingency documents beside CFE: their zones come in the schema's order
// (e-Tickets, e-Tickets contingencia, e-Facturas, e-Facturas contingencia), each with its
// amounts and CantCFCEmi (no ranges: DGI's RsmnData_*_Cont has none); a rejected CFC is
// left out. The signed report validates against ReporteDiarioCFE.xsd.
func TestReportWithContingency(t *testing.T) {
	testdb.Tool(t, "xmllint")
	d := decimal.RequireFromString
	cred := fiscal.Credentials{CertPath: repo(t, "testdata/uy/219999830019.cer"), KeyPath: repo(t, "testdata/uy/219999830019.key"), Password: []byte("12345678a")}
	cert, _, err := fiscal.LoadKeyPair(cred.CertPath, cred.KeyPath, cred.Password)
	if err != nil {
		t.Fatal(err)
	}
	r := DailyReport{RUT: "219999830019", Day: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), Sequence: 1, SignedAt: cert.NotBefore.Add(24 * time.Hour),
		CFE: []ReportedCFE{
			{Type: 211, Series: "C", Number: 7, Branch: "1", NetBasic: d("100"), VATBasic: d("22"), Total: d("122")},
			{Type: 111, Series: "A", Number: 1, Branch: "1", NetBasic: d("10"), VATBasic: d("2.2"), Total: d("12.2")},
			{Type: 201, Series: "C", Number: 3, Branch: "1", NetMinimum: d("50"), VATMinimum: d("5"), Total: d("55"), AboveThreshold: true},
			{Type: 201, Series: "C", Number: 4, Branch: "1", Annulled: true},
			{Type: 212, Series: "C", Number: 1, Branch: "1", NetBasic: d("10"), VATBasic: d("2.2"), Total: d("12.2")},
			{Type: 101, Series: "A", Number: 9, Branch: "1", Exempt: d("5"), Total: d("5")},
		}}
	xml, err := SignedReport(context.Background(), r, cred)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateReport(context.Background(), xml); err != nil {
		t.Fatalf("fails ReporteDiarioCFE.xsd: %v\n%s", err, xml)
	}
	order := []string{"Rsmn_Tck>", "Rsmn_Tck_Cont>", "Rsmn_Fac>", "Rsmn_Fac_Cont>", "Rsmn_Fac_Cont_Nota_Credito>"}
	at := -1
	for _, z := range order {
		i := strings.Index(xml, "<ns0:"+z)
		if i <= at {
			t.Errorf("zone %s out of order in\n%s", z, xml)
		}
		at = i
	}
	for _, want := range []string{
		"<ns0:TotMntIVATasaMin>50.00</ns0:TotMntIVATasaMin>",
		"<ns0:CantDocsMay_topeUI>1</ns0:CantDocsMay_topeUI><ns0:CantCFCEmi>1</ns0:CantCFCEmi>",
		"<ns0:TotMntTotal>122.00</ns0:TotMntTotal></ns0:Mnts_FyT_Item></ns0:Montos><ns0:CantCFCEmi>1</ns0:CantCFCEmi>",
		"<ns0:CantComprobantes>5</ns0:CantComprobantes>", // CFE used, CFC issued (not the one DGI rejected)
	} {
		if !strings.Contains(xml, want) {
			t.Errorf("report lacks %s", want)
		}
	}
}
