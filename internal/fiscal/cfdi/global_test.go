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

	"billrun/internal/fiscal"
)

// randomTicket is a ticket of 1–4 lines priced as billrun prices them: each line's taxes
// rounded on its own, VAT 16/8/0 or exempt, sometimes IEPS at a rate or by quota and
// withholdings, sometimes a discount.
func randomTicket(r *rand.Rand, n int) fiscal.Ticket {
	t := fiscal.Ticket{Number: fmt.Sprintf("T-%d", n)}
	sums := map[string]*fiscal.TicketTax{}
	var order []string
	add := func(kind string, rate, base decimal.Decimal) decimal.Decimal {
		k := kind + "/" + rate.String()
		if sums[k] == nil {
			sums[k] = &fiscal.TicketTax{Kind: kind, Rate: rate}
			order = append(order, k)
		}
		x := base.Mul(rate).Div(decimal.NewFromInt(100)).Round(2)
		sums[k].Base, sums[k].Amount = sums[k].Base.Add(base), sums[k].Amount.Add(x)
		return x
	}
	total := decimal.Zero
	for range 1 + r.IntN(4) {
		amount := decimal.New(int64(100+r.IntN(500_000)), -2)
		discount := decimal.Zero
		if r.IntN(3) == 0 {
			discount = amount.Mul(decimal.New(int64(r.IntN(30)), -2)).Round(2)
		}
		sub := amount.Sub(discount)
		t.Amount, t.Discount, t.Subtotal = t.Amount.Add(amount), t.Discount.Add(discount), t.Subtotal.Add(sub)
		total = total.Add(sub)
		if r.IntN(4) == 0 { // VAT-exempt: a base, no amount
			add("vat_exempt", dec("0"), sub)
		} else {
			total = total.Add(add("vat", []decimal.Decimal{dec("16"), dec("8"), dec("0")}[r.IntN(3)], sub))
		}
		switch r.IntN(5) {
		case 0:
			total = total.Add(add("excise", dec("26.5"), sub))
		case 1: // IEPS by quota: the units as its base, the amount per unit as its rate
			k := "excise_quota/1.6451"
			if sums[k] == nil {
				sums[k] = &fiscal.TicketTax{Kind: "excise_quota", Rate: dec("1.6451")}
				order = append(order, k)
			}
			units := decimal.NewFromInt(int64(1 + r.IntN(40)))
			x := units.Mul(dec("1.6451")).Round(2)
			sums[k].Base, sums[k].Amount = sums[k].Base.Add(units), sums[k].Amount.Add(x)
			total = total.Add(x)
		}
		if r.IntN(5) == 0 {
			total = total.Sub(add("vat_withheld", dec("10.6667"), sub)).Sub(add("isr_withheld", dec("10"), sub))
		}
	}
	for _, k := range order {
		t.Taxes = append(t.Taxes, *sums[k])
	}
	return t
}

// Randomized periods of tickets give global invoices that SAT's schema accepts, whose
// cadena is SAT's stylesheet's and whose Sello verifies, with one concept per ticket
// stating exactly the ticket's amounts and taxes.
func TestGlobalInvoicesOfRandomTickets(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 11))
	csd := testCSD(t)
	for round := range 6 {
		g := &fiscal.Global{Periodicidad: "04", Meses: "11", Año: 2026}
		if round%2 == 1 {
			g.Periodicidad, g.Meses = "05", "18"
		}
		inv := fiscal.Invoice{Series: "G", Number: int64(round + 1), DocumentKind: "global_invoice", Currency: "MXN", Decimals: 2,
			IssuedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Terms: fiscal.Terms{Kind: "cash", FormaPago: "01", MetodoPago: "PUE"},
			Issuer: fiscal.Issuer{TaxID: "EKU9003173C9", Name: "ESCUELA KEMPER URGATE", Regime: "601", PostalCode: "42501"}, Global: g}
		for i := range 1 + r.IntN(30) {
			tk := randomTicket(r, round*100+i+1)
			g.Tickets = append(g.Tickets, tk)
			inv.Amount, inv.Discount = inv.Amount.Add(tk.Amount), inv.Discount.Add(tk.Discount)
			inv.Total = inv.Total.Add(tk.Subtotal)
			for _, x := range tk.Taxes {
				if strings.HasSuffix(x.Kind, "_withheld") {
					inv.Total = inv.Total.Sub(x.Amount)
				} else {
					inv.Total = inv.Total.Add(x.Amount)
				}
			}
		}
		in, err := FromGlobal(inv)
		if err != nil {
			t.Fatal(err)
		}
		doc := Build(in)
		cadena, err := Seal(doc, csd)
		if err != nil {
			t.Fatal(err)
		}
		xml, err := doc.WriteToString()
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyStored(xml); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, xml)
		}
		if probs := CheckRules(doc.Root()); len(probs) > 0 {
			t.Fatalf("round %d: %v\n%s", round, probs, xml)
		}
		root := doc.Root()
		if ig := root.SelectElement("cfdi:InformacionGlobal"); ig == nil || ig.SelectAttrValue("Meses", "") != g.Meses {
			t.Fatalf("round %d: InformacionGlobal missing or wrong", round)
		}
		concepts := root.FindElements("cfdi:Conceptos/cfdi:Concepto")
		if len(concepts) != len(g.Tickets) {
			t.Fatalf("round %d: %d concepts for %d tickets", round, len(concepts), len(g.Tickets))
		}
		for i, c := range concepts {
			if c.SelectAttrValue("NoIdentificacion", "") != g.Tickets[i].Number || c.SelectAttrValue("ClaveProdServ", "") != "01010101" {
				t.Fatalf("round %d: concept %d is not ticket %s", round, i, g.Tickets[i].Number)
			}
		}
		if testing.Short() {
			continue
		}
		p := filepath.Join(t.TempDir(), "g.xml")
		if err := doc.WriteToFile(p); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(tool(t, "xsltproc"), "--nonet", shared(t, "cfdi40/www.sat.gob.mx/sitio_internet/cfd/4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt"), p).Output()
		if err != nil || string(out) != cadena {
			t.Fatalf("round %d: cadena differs from SAT's stylesheet (%v)", round, err)
		}
		if out, err := exec.Command(tool(t, "xmllint"), "--noout", "--nonet", "--schema", shared(t, "cfdi40/cfdi40-with-tfd.xsd"), p).CombinedOutput(); err != nil {
			t.Fatalf("round %d: SAT's XSD: %v\n%s", round, err, out)
		}
		if out, err := exec.Command(shared(t, "tools/verify-cfdi40-sello.sh"), p).CombinedOutput(); err != nil {
			t.Fatalf("round %d: the oracle refuses the Sello: %v\n%s", round, err, out)
		}
	}
}
