package dgisandbox

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"

	"billrun/internal/fiscal/cfe"
)

// Daily report rejections (RechazoRepType).
var reportReasons = map[string][2]string{
	"R04": {"R04", "No coincide RUC en Reporte, Certificado o envío"},
	"R05": {"R05", "Firma o Certificado electrónicos no son válidos"},
	"R06": {"R06", "No cumple validaciones según Formato de Reporte"},
}

// report takes a daily report (Reporte) and answers an ACKRepDiario: received (AR) when it
// validates against DGI's schema, its signature verifies with the certificate that signed
// the request, its RUT is the certificate's, its total count is the sum of its summaries',
// and its SecEnvio follows the day's last one received (a resend bumps it); rejected (BR)
// naming why otherwise. The same report sent again is answered as the first time.
func (s *Server) report(ctx context.Context, signer *x509.Certificate, report string) (string, error) {
	now := s.Now()
	sum := sha256.Sum256([]byte(report))
	hash := hex.EncodeToString(sum[:])
	for _, x := range s.sendings {
		if x.Kind == "report" && x.ReportHash == hash {
			return s.ackReport(ctx, x)
		}
	}
	x := sending{ID: s.nextID(), Kind: "report", At: now, State: cfe.ReportReceived, ReportHash: hash}
	doc := etree.NewDocument()
	_ = doc.ReadFromString(report)
	t := func(path string) string {
		if e := doc.FindElement(path); e != nil {
			return strings.TrimSpace(e.Text())
		}
		return ""
	}
	x.RUT, x.Date = t("//Caratula/RUCEmisor"), t("//Caratula/FechaResumen")
	fmt.Sscan(t("//Caratula/SecEnvio"), &x.Seq)
	fmt.Sscan(t("//Caratula/IDEmisor"), &x.EmitterID)
	x.File = fmt.Sprintf("Rep_%s_%s_%02d", x.RUT, strings.ReplaceAll(x.Date, "-", ""), x.Seq)
	last := 0
	for _, p := range s.sendings {
		if p.Kind == "report" && p.RUT == x.RUT && p.Date == x.Date && p.State == cfe.ReportReceived {
			last = max(last, p.Seq)
		}
	}
	total, counted := 0, 0
	fmt.Sscan(t("//Caratula/CantComprobantes"), &total)
	// DGI's CantComprobantes: every CFE used (issued and annulled) and every CFC issued.
	for _, u := range append(doc.FindElements("//RsmnData/CantDocsUtil"), doc.FindElements("//RsmnData/CantCFCEmi")...) {
		n := 0
		fmt.Sscan(u.Text(), &n)
		counted += n
	}
	refused, told := s.refuse[x.RUT+"-report-"+x.Date]
	switch valid := cfe.ValidateReport(ctx, report); {
	case told:
		x.State, x.Motivo, x.Glosa, x.Detail = cfe.ReportRejected, refused[0], refused[1], "refused as the sandbox was told to"
	case valid != nil:
		x = rejectReport(x, "R06", valid.Error())
	case rucOf(signer) != x.RUT:
		x = rejectReport(x, "R04", "the request is signed by RUC "+rucOf(signer)+", the report is RUC "+x.RUT+"'s")
	case cfe.Verify(report, signer) != nil:
		x = rejectReport(x, "R05", cfe.Verify(report, signer).Error())
	case total != counted:
		x = rejectReport(x, "R06", fmt.Sprintf("CantComprobantes %d is not the summaries' CantDocsUtil and CantCFCEmi, %d", total, counted))
	case x.Seq != last+1 && !s.Shared:
		x = rejectReport(x, "R06", fmt.Sprintf("SecEnvio %d: the day's last report received was %d; a resend is the next", x.Seq, last))
	}
	if err := appendJSON(s.journal, x); err != nil {
		return "", err
	}
	s.sendings[x.ID] = x
	return s.ackReport(ctx, x)
}

func rejectReport(x sending, code, detail string) sending {
	why := reportReasons[code]
	x.State, x.Motivo, x.Glosa, x.Detail = cfe.ReportRejected, why[0], why[1], clip(detail)
	return x
}

// ackReport writes and signs the ACKRepDiario.
func (s *Server) ackReport(ctx context.Context, x sending) (string, error) {
	root := ackRoot("ACKRepDiario")
	c := root.CreateElement("Caratula")
	el(c, "RUCReceptor", cfe.DGIRUT)
	el(c, "RUCEmisor", orZeros(x.RUT))
	el(c, "NomArch", x.File)
	el(c, "FecHRecibido", x.At.Format(time.RFC3339))
	el(c, "IDEmisor", fmt.Sprint(x.EmitterID))
	el(c, "IDReceptor", fmt.Sprint(x.ID))
	el(c, "Tmst", s.Now().Format(time.RFC3339))
	d := root.CreateElement("Detalle")
	el(d, "Estado", x.State)
	if x.State != cfe.ReportReceived {
		m := d.CreateElement("MotivosRechazo")
		el(m, "Motivo", x.Motivo)
		el(m, "Glosa", x.Glosa)
		if x.Detail != "" {
			el(m, "Detalle", x.Detail)
		}
	}
	return s.signed(ctx, root, cfe.ValidateReportAck)
}
