package cfe

import (
	"context"
	"fmt"

	"billrun/internal/fiscal"
)

// SentReport is a daily report as sent and DGI's answer to it.
type SentReport struct {
	XML     string // the signed Reporte
	Ack     string // DGI's ACKRepDiario as received
	Receipt Receipt
}

// SendReport builds the day's report, signs it with the issuer's certificate (enveloped
// XMLDSig, as a CFE), holds it to DGI's schema and hands it to DGI, reading its answer
// (validated, signed by DGI). A report DGI rejects (BR) is answered with its receipt, not an
// error: the caller keeps it and resends with the next sequence. Errors are transient
// unless they wrap fiscal.ErrFiscal (the report cannot be made from this data).
func (p Profile) SendReport(ctx context.Context, r DailyReport, cred fiscal.Credentials) (SentReport, error) {
	if p.DGI == nil {
		return SentReport{}, &fiscal.Refusal{Reason: "no DGI web service is configured (DGI_URL): the daily report cannot be sent"}
	}
	xml, err := SignedReport(ctx, r, cred)
	if err != nil {
		return SentReport{}, err
	}
	return p.SendSignedReport(ctx, xml, cred)
}

// SendSignedReport hands a report SignedReport made (and its caller kept) to DGI, the
// request signed with the issuer's certificate, and reads DGI's answer (validated, signed
// by DGI). Sent again, it is the same report: DGI answers it as the first time. Errors are
// as SendReport's.
func (p Profile) SendSignedReport(ctx context.Context, xml string, cred fiscal.Credentials) (SentReport, error) {
	if p.DGI == nil {
		return SentReport{XML: xml}, &fiscal.Refusal{Reason: "no DGI web service is configured (DGI_URL): the daily report cannot be sent"}
	}
	who, err := identity(cred)
	if err != nil {
		return SentReport{XML: xml}, err
	}
	ack, err := p.DGI.Report(ctx, who, xml)
	if err != nil {
		return SentReport{XML: xml}, err
	}
	rec, err := ReadReportReceipt(ctx, ack, p.DGICert)
	if err != nil {
		return SentReport{XML: xml, Ack: ack}, refusalUnlessEnvironment(err)
	}
	return SentReport{XML: xml, Ack: ack, Receipt: rec}, nil
}

// SignedReport is the day's report signed and checked: it verifies with the issuer's
// certificate and validates against DGI's ReporteDiarioCFE.xsd.
func SignedReport(ctx context.Context, r DailyReport, cred fiscal.Credentials) (string, error) {
	doc, err := BuildReport(r)
	if err != nil {
		return "", &fiscal.Refusal{Reason: err.Error()}
	}
	cert, key, err := fiscal.LoadKeyPair(cred.CertPath, cred.KeyPath, cred.Password)
	if err != nil {
		return "", refusalUnlessEnvironment(err)
	}
	if err := Sign(doc, key, cert.Raw); err != nil {
		return "", err
	}
	xml, err := doc.WriteToString()
	if err != nil {
		return "", err
	}
	if err := Verify(xml, cert); err != nil {
		return "", fmt.Errorf("the signed daily report does not verify: %w", err)
	}
	if err := ValidateReport(ctx, xml); err != nil {
		return "", refusalUnlessEnvironment(err)
	}
	return xml, nil
}
