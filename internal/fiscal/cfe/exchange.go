package cfe

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// ExchangeEnvelope is the envelope a signed CFE goes to an electronic receiver in (DGI's
// EnvioCFE_entreEmpresas: "intercambio entre empresas"): addressed to the receiver's RUT,
// from the issuer's, with the certificate the CFE is signed with, and the CFE as stored
// (its own namespace declaration kept, so it verifies once taken out). It is numbered and
// dated as the CFE's own envelope to DGI is (type×10⁷+number; its signing time), so the
// same CFE always makes the same envelope, and held to DGI's schema. It answers the file
// name DGI's convention gives it (Sob_RUT_YYYYMMDD_number.xml) and the envelope.
func ExchangeEnvelope(ctx context.Context, cfeXML, receiverRUT string) (name, xml string, err error) {
	e, err := envelopeOf(cfeXML)
	if err != nil {
		return "", "", err
	}
	if len(receiverRUT) != 12 {
		return "", "", fmt.Errorf("an electronic receiver is addressed by its RUT (12 digits), not %q", receiverRUT)
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<DGICFE:EnvioCFE_entreEmpresas xmlns:DGICFE="` + NS + `" version="1.0"><DGICFE:Caratula version="1.0">`)
	for _, f := range [][2]string{{"RutReceptor", receiverRUT}, {"RUCEmisor", e.IssuerRUT}, {"Idemisor", fmt.Sprint(e.ID)},
		{"CantCFE", "1"}, {"Fecha", e.Created.Format(time.RFC3339)}, {"X509Certificate", base64.StdEncoding.EncodeToString(e.CertDER)}} {
		b.WriteString("<DGICFE:" + f[0] + ">" + f[1] + "</DGICFE:" + f[0] + ">")
	}
	b.WriteString("</DGICFE:Caratula><DGICFE:CFE_Adenda>")
	b.WriteString(withoutDeclaration(cfeXML))
	b.WriteString("</DGICFE:CFE_Adenda></DGICFE:EnvioCFE_entreEmpresas>\n")
	xml = b.String()
	if err := ValidateExchange(ctx, xml); err != nil {
		return "", "", err
	}
	return fmt.Sprintf("Sob_%s_%s_%d.xml", e.IssuerRUT, e.Created.Format("20060102"), e.ID), xml, nil
}

// ValidateExchange holds an exchange envelope to EnvioCFE_entreEmpresas.xsd.
func ValidateExchange(ctx context.Context, xml string) error {
	return validateAgainst(ctx, "EnvioCFE_entreEmpresas.xsd", xml)
}
