package cfdi

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// paidInvoice is an invoice of the property test: its total, its taxes and its currency.
type paidInvoice struct {
	uuid        string
	folio       int64
	currency    string
	rate        decimal.Decimal // MXN per unit
	total       decimal.Decimal
	traslados   []Tax
	retenciones []Tax
}

// randomInvoice draws an invoice of one to three concepts taxed at VAT 16, 8, 0, exempt
// (TipoFactor Exento) or none, some with IEPS at a rate or by quota (TipoFactor Cuota),
// some with VAT and ISR withheld; its taxes summed as the invoice's Impuestos sums them.
func randomInvoice(r *rand.Rand, n int) paidInvoice {
	inv := paidInvoice{uuid: fmt.Sprintf("%08X-0000-4000-8000-%012d", n, n), folio: int64(n), currency: "MXN", rate: decimal.NewFromInt(1)}
	if r.IntN(3) == 0 {
		inv.currency, inv.rate = "USD", decimal.New(int64(1650+r.IntN(300)), -2)
	}
	var tr, ret taxSums
	for range 1 + r.IntN(3) {
		base := decimal.New(int64(100+r.IntN(2_000_000)), -2)
		inv.total = inv.total.Add(base)
		add := func(s *taxSums, imp string, rate decimal.Decimal, sign int) {
			x := base.Mul(rate).Round(2)
			s.add(Tax{Impuesto: imp, Base: base, Rate: rate, Importe: x})
			inv.total = inv.total.Add(x.Mul(decimal.NewFromInt(int64(sign))))
		}
		switch r.IntN(5) {
		case 0:
			add(&tr, IVA, dec("0.16"), 1)
		case 1:
			add(&tr, IVA, dec("0.08"), 1)
		case 2:
			add(&tr, IVA, dec("0"), 1)
		case 3: // VAT-exempt (TipoFactor Exento): a base, no rate, no amount
			tr.add(Tax{Impuesto: IVA, Factor: Exento, Base: base})
		} // 4: no tax
		switch r.IntN(4) {
		case 0:
			add(&tr, IEPS, dec("0.265"), 1)
		case 1: // IEPS by quota (TipoFactor Cuota): the units as base, an amount per unit
			units := decimal.NewFromInt(int64(1 + r.IntN(500)))
			x := units.Mul(dec("1.6451")).Round(2)
			tr.add(Tax{Impuesto: IEPS, Factor: Cuota, Base: units, Rate: dec("1.6451"), Importe: x})
			inv.total = inv.total.Add(x)
		}
		if r.IntN(4) == 0 {
			add(&ret, IVA, dec("0.106667"), -1)
			add(&ret, ISR, dec("0.10"), -1)
		}
	}
	flat := func(s taxSums) []Tax {
		var out []Tax
		for _, k := range s.keys {
			rate, _ := decimal.NewFromString(k.rate)
			out = append(out, Tax{Impuesto: k.impuesto, Factor: k.factor, Rate: rate, Base: s.sums[k].base, Importe: s.sums[k].importe})
		}
		return out
	}
	inv.traslados, inv.retenciones = flat(tr), flat(ret)
	return inv
}

// Randomized payments — partial, several invoices at once, MXN and USD both ways, VAT
// 16/8/0/exempt, IEPS at a rate and by quota, withholdings — give receipts that SAT's schemas accept, whose
// cadena is SAT's stylesheet's and whose Sello verifies with openssl; the parcialidades of
// each invoice chain, end at 0.00, and their taxes add up to the invoice's to the cent.
func TestPaymentReceiptsOfRandomPayments(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 7))
	csd := testCSD(t)
	oracle := !testing.Short()
	for round := range 12 {
		invoices := make([]paidInvoice, 1+r.IntN(3))
		saldo, parcialidad := map[int]decimal.Decimal{}, map[int]int{}
		for i := range invoices {
			invoices[i] = randomInvoice(r, round*10+i+1)
			saldo[i] = invoices[i].total
		}
		paidTaxes := map[string]decimal.Decimal{} // invoice/tax/rate → parts declared
		for step := 0; ; step++ {
			open := []int{}
			for i := range invoices {
				if saldo[i].IsPositive() {
					open = append(open, i)
				}
			}
			if len(open) == 0 {
				break
			}
			p := Payment{FechaPago: time.Date(2026, 11, 24+step%5, 10, 0, 0, 0, time.UTC), FormaDePagoP: "03", MonedaP: "MXN",
				Decimals: 2, TipoCambioP: decimal.NewFromInt(1)}
			if r.IntN(3) == 0 {
				p.MonedaP, p.TipoCambioP = "USD", dec("17.1234")
			}
			for _, i := range open {
				inv := invoices[i]
				pay := saldo[i] // the rest, or a part of it
				if step < 3 && r.IntN(2) == 0 {
					pay = saldo[i].Mul(decimal.New(int64(10+r.IntN(80)), -2)).Round(2)
				}
				if !pay.IsPositive() {
					pay = saldo[i]
				}
				parcialidad[i]++
				d := PaidDocument{UUID: inv.uuid, Serie: "A", Folio: inv.folio, MonedaDR: inv.currency, Decimals: 2,
					EquivalenciaDR: Equivalencia(inv.rate, p.TipoCambioP), NumParcialidad: parcialidad[i],
					Total: inv.total, SaldoAnt: saldo[i], Pagado: pay, Traslados: inv.traslados, Retenciones: inv.retenciones}
				p.Documentos = append(p.Documentos, d)
				p.Monto = p.Monto.Add(d.inPaymentCurrency(pay))
				saldo[i] = d.SaldoInsoluto()
				tr, ret := d.PaidTaxes()
				for _, x := range append(tr, ret...) {
					k := fmt.Sprint(i, x.Impuesto, x.TipoFactor(), x.Rate)
					paidTaxes[k+"/base"] = paidTaxes[k+"/base"].Add(x.Base)
					paidTaxes[k+"/importe"] = paidTaxes[k+"/importe"].Add(x.Importe)
				}
			}
			p.Monto = p.Monto.RoundCeil(2) // never less than what it pays
			receipt := PaymentReceipt{Serie: "P", Folio: int64(round*100 + step + 1), Fecha: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
				LugarExpedicion: "42501", Emisor: Emisor{Rfc: "EKU9003173C9", Nombre: "ESCUELA KEMPER URGATE", RegimenFiscal: "601"},
				Receptor: Receptor{Rfc: "URE180429TM6", Nombre: "UNIVERSIDAD ROBOTICA ESPAÑOLA", DomicilioFiscal: "86991", RegimenFiscal: "601"},
				Pagos:    []Payment{p}}
			checkReceipt(t, receipt, csd, oracle)
		}
		for i, inv := range invoices {
			for _, x := range append(append([]Tax{}, inv.traslados...), inv.retenciones...) {
				k := fmt.Sprint(i, x.Impuesto, x.TipoFactor(), x.Rate)
				if !paidTaxes[k+"/base"].Equal(x.Base) || !paidTaxes[k+"/importe"].Equal(x.Importe) {
					t.Errorf("round %d invoice %d %s: parts add to %s/%s, the invoice has %s/%s", round, i, k,
						paidTaxes[k+"/base"], paidTaxes[k+"/importe"], x.Base, x.Importe)
				}
			}
		}
	}
}

// checkReceipt seals the receipt and checks it as stored, and against SAT's own tools.
func checkReceipt(t *testing.T, receipt PaymentReceipt, csd *CSD, oracle bool) {
	t.Helper()
	doc := BuildPaymentReceipt(receipt)
	cadena, err := Seal(doc, csd)
	if err != nil {
		t.Fatal(err)
	}
	xml, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyStored(xml); err != nil {
		t.Fatalf("receipt %d: %v\n%s", receipt.Folio, err, xml)
	}
	if !oracle {
		return
	}
	p := filepath.Join(t.TempDir(), "p.xml")
	if err := doc.WriteToFile(p); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool(t, "xsltproc"), "--nonet", shared(t, "cfdi40/www.sat.gob.mx/sitio_internet/cfd/4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt"), p).Output()
	if err != nil || string(out) != cadena {
		t.Fatalf("receipt %d: cadena differs from SAT's stylesheet (%v):\n  go  %q\n  sat %q", receipt.Folio, err, cadena, out)
	}
	if out, err := exec.Command(tool(t, "xmllint"), "--noout", "--nonet", "--schema", shared(t, "cfdi40/cfdi40-with-tfd.xsd"), p).CombinedOutput(); err != nil {
		t.Fatalf("receipt %d: SAT's XSD: %v\n%s\n%s", receipt.Folio, err, out, xml)
	}
	if out, err := exec.Command(shared(t, "tools/verify-cfdi40-sello.sh"), p).CombinedOutput(); err != nil {
		t.Fatalf("receipt %d: the oracle refuses the Sello: %v\n%s", receipt.Folio, err, out)
	}
}

// The sums SAT's schema cannot check are checked: a Totales off by a cent, or a payment
// paying its documents more than its Monto, is named.
func TestCheckPagosNamesWrongSums(t *testing.T) {
	inv := randomInvoice(rand.New(rand.NewPCG(5, 6)), 1)
	d := PaidDocument{UUID: inv.uuid, Serie: "A", Folio: 1, MonedaDR: "MXN", Decimals: 2, EquivalenciaDR: dec("1"), NumParcialidad: 1,
		Total: inv.total, SaldoAnt: inv.total, Pagado: inv.total, Traslados: inv.traslados, Retenciones: inv.retenciones}
	p := Payment{FechaPago: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), FormaDePagoP: "03", MonedaP: "MXN", Decimals: 2,
		TipoCambioP: dec("1"), Monto: inv.total, Documentos: []PaidDocument{d}}
	doc := BuildPaymentReceipt(PaymentReceipt{Serie: "P", Folio: 1, Pagos: []Payment{p}})
	pagos := doc.FindElement("//Pagos")
	if probs := CheckPagos(pagos); len(probs) > 0 {
		t.Fatalf("a right receipt: %v", probs)
	}
	totales := doc.FindElement("//Totales")
	totales.CreateAttr("MontoTotalPagos", inv.total.Add(dec("0.01")).StringFixed(2))
	doc.FindElement("//Pago").CreateAttr("Monto", inv.total.Sub(dec("0.01")).StringFixed(2))
	probs := CheckPagos(pagos)
	if len(probs) != 2 || !strings.Contains(probs[0], "more than its Monto") || !strings.Contains(probs[1], "MontoTotalPagos") {
		t.Errorf("wrong sums named as %v", probs)
	}
}
