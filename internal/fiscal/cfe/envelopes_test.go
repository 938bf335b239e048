package cfe_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"billrun/internal/fiscal/cfe"
)

func TestPackEnvelopes(t *testing.T) {
	u := func(id int64, issuer string, tipo int) cfe.Unsent {
		return cfe.Unsent{InvoiceID: id, Issuer: issuer, Type: tipo}
	}
	many := make([]cfe.Unsent, 0, 252)
	for i := range 252 {
		many = append(many, u(int64(i+1), "UYE", 101))
	}
	for _, tc := range []struct {
		name  string
		docs  []cfe.Unsent
		limit int
		want  string // envelopes' invoice ids
	}{
		{"none", nil, 250, ""},
		{"one issuer, one type: one envelope", []cfe.Unsent{u(1, "UYE", 111), u(2, "UYE", 111), u(3, "UYE", 111)}, 250, "[1 2 3]"},
		{"types apart, in the order met", []cfe.Unsent{u(1, "UYE", 111), u(2, "UYE", 101), u(3, "UYE", 111), u(4, "UYE", 112)}, 250, "[1 3] [2] [4]"},
		{"issuers apart", []cfe.Unsent{u(1, "UYE", 101), u(2, "UYX", 101), u(3, "UYE", 101)}, 250, "[1 3] [2]"},
		{"the limit starts a new envelope", []cfe.Unsent{u(1, "UYE", 101), u(2, "UYE", 101), u(3, "UYE", 101), u(4, "UYE", 111)}, 2, "[1 2] [3] [4]"},
		{"never more than 250", many, 1000, fmt.Sprintf("250 CFE, then [%d %d]", 251, 252)},
		{"an e-Ticket above the threshold alone", []cfe.Unsent{u(1, "UYE", 101), {InvoiceID: 2, Issuer: "UYE", Type: 101, Alone: true}, u(3, "UYE", 101)}, 250, "[1 3] [2]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, env := range cfe.PackEnvelopes(tc.docs, tc.limit) {
				if len(env) == 250 {
					got = append(got, "250 CFE, then")
					continue
				}
				ids := make([]int64, len(env))
				for i, d := range env {
					ids[i] = d.InvoiceID
				}
				got = append(got, fmt.Sprint(ids))
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("envelopes %s, want %s", g, tc.want)
			}
		})
	}
}

// Three CFE in one envelope: it validates against EnvioCFE.xsd, the sandbox DGI receives it
// (AS) and answers each CFE at its place — the one it was told to refuse BE, the others AE —
// and a stored answer says each CFE's own state; the same envelope sent again (a lost
// answer) is refused as held already (S08), its CFE awaiting in the day's report. CFE of another
// RUT do not share it.
func TestEnvelopeOfManyCFE(t *testing.T) {
	p, dgi := sandboxDGI(t)
	ctx := context.Background()
	var xmls []string
	for _, n := range []int64{21, 22, 23} {
		inv := uyInvoice()
		inv.Number = n
		doc, err := p.Seal(ctx, inv, credentials(t))
		if err != nil {
			t.Fatal(err)
		}
		xmls = append(xmls, doc.XML)
	}
	if err := dgi.Refuse("219999830019-111-A-22", "E04"); err != nil {
		t.Fatal(err)
	}
	env, err := cfe.BuildEnvelope(ctx, 7, time.Now(), xmls)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<DGICFE:Idemisor>7</DGICFE:Idemisor>", "<DGICFE:CantCFE>3</DGICFE:CantCFE>"} {
		if !strings.Contains(env, want) {
			t.Errorf("the envelope lacks %s", want)
		}
	}
	sobre, r, err := p.SendEnvelope(ctx, env, credentials(t))
	if err != nil || r.State != cfe.EnvelopeReceived {
		t.Fatalf("sent: %v %+v", err, r)
	}
	ack, answers, err := p.EnvelopeAnswers(ctx, sobre, credentials(t))
	if err != nil || len(answers) != 3 {
		t.Fatalf("answers %v %+v", err, answers)
	}
	for place, want := range map[int]string{1: "AE", 2: "BE", 3: "AE"} {
		if answers[place].State != want {
			t.Errorf("CFE at place %d: %+v, want %s", place, answers[place], want)
		}
	}
	if !strings.Contains(answers[2].Reason(), "E04") {
		t.Errorf("the refusal's reason: %q", answers[2].Reason())
	}
	for nro, want := range map[int64]string{21: cfe.DayIssued, 22: cfe.DayAnnulled, 23: cfe.DayIssued} {
		if got := cfe.DayState(ack, false, cfe.EFactura, "A", nro); got != want {
			t.Errorf("CFE A %d in the stored answer: %s, want %s", nro, got, want)
		}
	}
	if sobre, r, err := p.SendEnvelope(ctx, env, credentials(t)); err != nil || !r.HeldAlready() || !cfe.IsHeldAlready(sobre) {
		t.Errorf("the same envelope again: %v %+v, want S08", err, r)
	} else if got := cfe.DayState(sobre, false, cfe.EFactura, "A", 21); got != cfe.DayAwaiting {
		t.Errorf("a CFE of an envelope DGI held already, in its day's report: %s, want awaiting", got)
	}
	if got := cfe.DayState(ack, true, cfe.EFactura, "A", 22); got != cfe.DayIssued {
		t.Errorf("a stamped CFE whose stored answer is a rejection (E03 after S08): %s, want issued", got)
	}

	other := uyInvoice()
	other.Number, other.Issuer.TaxID = 24, "215071660012"
	doc, err := p.Seal(ctx, other, credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfe.BuildEnvelope(ctx, 8, time.Now(), []string{xmls[0], doc.XML}); err == nil || !strings.Contains(err.Error(), "an envelope is one issuer's") {
		t.Errorf("CFE of two RUTs in one envelope: %v", err)
	}
}

func TestGather(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		waiting int
		billing bool
		waited  time.Duration
		hold    bool
	}{
		{"the batch still billing: wait for more", 3, true, 10 * time.Second, true},
		{"the batch done: send", 3, false, 10 * time.Second, false},
		{"an envelope's worth: send", cfe.EnvelopeLimit, true, 0, false},
		{"waited long enough: send", 3, true, cfe.EnvelopeGather, false},
		{"nothing waits", 0, true, 0, false},
	} {
		if got := cfe.Gather(tc.waiting, tc.billing, now.Add(-tc.waited), now); got != tc.hold {
			t.Errorf("%s: hold %v", tc.name, got)
		}
	}
}

// A CFE for an electronic receiver goes in DGI's exchange envelope, addressed to its RUT:
// valid against EnvioCFE_entreEmpresas.xsd (one without its count does not), the same
// envelope each time, named by DGI's convention; a cédula is not an address for it.
func TestExchangeEnvelope(t *testing.T) {
	p := sandboxProfile(t)
	ctx := context.Background()
	doc, err := p.Seal(ctx, uyInvoice(), credentials(t))
	if err != nil {
		t.Fatal(err)
	}
	name, xml, err := cfe.ExchangeEnvelope(ctx, doc.XML, "215071660012")
	if err != nil {
		t.Fatal(err)
	}
	if name != "Sob_219999830019_"+strings.ReplaceAll(doc.XML[strings.Index(doc.XML, "<ns0:TmstFirma>")+15:][:10], "-", "")+"_1110000012.xml" {
		t.Errorf("file name %s", name)
	}
	for _, want := range []string{"<DGICFE:EnvioCFE_entreEmpresas", "<DGICFE:RutReceptor>215071660012</DGICFE:RutReceptor>",
		"<DGICFE:RUCEmisor>219999830019</DGICFE:RUCEmisor>", "<DGICFE:CantCFE>1</DGICFE:CantCFE>", "<DGICFE:CFE_Adenda><ns0:CFE"} {
		if !strings.Contains(xml, want) {
			t.Errorf("the exchange envelope lacks %s", want)
		}
	}
	if err := cfe.ValidateExchange(ctx, xml); err != nil {
		t.Error(err)
	}
	if _, again, _ := cfe.ExchangeEnvelope(ctx, doc.XML, "215071660012"); again != xml {
		t.Error("the same CFE made another exchange envelope")
	}
	if _, _, err := cfe.ExchangeEnvelope(ctx, doc.XML, "12345672"); err == nil {
		t.Error("an exchange envelope to a cédula")
	}
	if err := cfe.ValidateExchange(ctx, strings.Replace(xml, "<DGICFE:CantCFE>1</DGICFE:CantCFE>", "", 1)); err == nil {
		t.Error("an exchange envelope without its count validates")
	}
}
