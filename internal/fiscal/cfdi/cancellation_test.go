package cfdi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"billrun/internal/fiscal"
)

// fakeSAT answers SAT's status service as told, and records what it was asked.
type fakeSAT struct {
	answer SATStatus
	err    error
	asked  string
}

func (f *fakeSAT) Status(_ context.Context, expression string) (SATStatus, error) {
	f.asked = expression
	return f.answer, f.err
}

// fakePAC stamps nothing and answers every cancellation status as pending.
type fakePAC struct{ asked int }

func (*fakePAC) Stamp(context.Context, string) (Stamped, error) {
	return Stamped{}, errors.New("not here")
}
func (*fakePAC) Cancel(context.Context, CancelRequest) (CancelAnswer, error) {
	return CancelAnswer{}, errors.New("not here")
}
func (p *fakePAC) CancelStatus(context.Context, CancelRequest) (CancelAnswer, error) {
	p.asked++
	return CancelAnswer{Status: CancelPending, SATStatus: "En proceso (PAC)"}, nil
}

// A cancellation awaiting the receiver is followed by what SAT's status service says of
// the CFDI (asked by its printed expression); the PAC is asked only when SAT's answer does
// not settle it or SAT cannot be reached.
func TestCancelStatusFollowsSATsStatusService(t *testing.T) {
	csd := testCSD(t)
	doc := Build(hostileInvoice())
	if _, err := Seal(doc, csd); err != nil {
		t.Fatal(err)
	}
	uuid := "AAAABBBB-3333-4444-5555-666677778888"
	s, err := SignStamp(Stamp{UUID: uuid, FechaTimbrado: time.Date(2026, 11, 23, 12, 31, 0, 0, mexicoCity),
		RfcProvCertif: SandboxRFC, SelloCFD: doc.Root().SelectAttrValue("Sello", ""), NoCertificadoSAT: csd.NoCertificado()}, csd.Key)
	if err != nil {
		t.Fatal(err)
	}
	AddStamp(doc, s)
	xml, _ := doc.WriteToString()
	d := fiscal.Document{XML: xml, UUID: uuid}
	for _, c := range []struct {
		sat       SATStatus
		satErr    error
		want      string
		askedPAC  bool
		authority string
	}{
		{sat: SATStatus{Code: SATStatusFound, State: "Cancelado", CancellationStatus: "Cancelado con aceptación"}, want: CancelDone, authority: "Cancelado con aceptación"},
		{sat: SATStatus{Code: SATStatusFound, State: "Vigente", CancellationStatus: "Solicitud rechazada"}, want: CancelRejected, authority: "Solicitud rechazada"},
		{sat: SATStatus{Code: SATStatusFound, State: "Vigente", CancellationStatus: "En proceso"}, want: CancelPending, authority: "En proceso"},
		{sat: SATStatus{Code: SATStatusFound, State: "Vigente"}, want: CancelPending, askedPAC: true, authority: "En proceso (PAC)"},
		{sat: SATStatus{Code: SATStatusNotFound, State: "No Encontrado"}, want: CancelPending, askedPAC: true, authority: "En proceso (PAC)"},
		{satErr: errors.New("SAT is down"), want: CancelPending, askedPAC: true, authority: "En proceso (PAC)"},
	} {
		sat, pac := &fakeSAT{answer: c.sat, err: c.satErr}, &fakePAC{}
		got, err := Profile{PAC: pac, SAT: sat}.CancelStatus(context.Background(), d, "EKU9003173C9")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != c.want || got.AuthorityStatus != c.authority || (pac.asked > 0) != c.askedPAC {
			t.Errorf("SAT %+v (%v): %+v, PAC asked %d times; want %s (%s), PAC asked %v", c.sat, c.satErr, got, pac.asked, c.want, c.authority, c.askedPAC)
		}
		if !strings.Contains(sat.asked, "id="+uuid) {
			t.Errorf("SAT was asked %q, not about %s", sat.asked, uuid)
		}
	}
}
