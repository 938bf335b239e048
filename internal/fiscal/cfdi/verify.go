package cfdi

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// TFDNS is the namespace of the TimbreFiscalDigital a PAC adds.
const TFDNS = "http://www.sat.gob.mx/TimbreFiscalDigital"

// VerifyStored checks a document as it is stored, from its bytes: it parses them, checks
// every element and attribute against SAT's schemas (the CFDI's, Pagos 2.0's for a payment
// receipt, and the TimbreFiscalDigital's when stamped), recomputes the cadena original and verifies the
// Sello against the embedded certificate, whose serial must be the NoCertificado. A
// document is sealed only if this passes: a value that did not survive writing (a
// character XML cannot carry, say) is caught here, not by SAT.
func VerifyStored(xml string) error {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return fmt.Errorf("the stored document is not XML: %w", err)
	}
	root := doc.Root()
	if root == nil {
		return fmt.Errorf("the stored document is empty")
	}
	probs := cfdiSchema.Validate(root)
	for _, c := range root.SelectElements("Complemento") {
		for _, t := range c.ChildElements() {
			switch t.NamespaceURI() {
			case TFDNS:
				probs = append(probs, tfdSchema.Validate(t)...)
			case PagosNS:
				probs = append(probs, pagoSchema.Validate(t)...)
				probs = append(probs, CheckPagos(t)...)
			}
		}
	}
	if len(probs) > 0 {
		if len(probs) > 5 {
			probs = append(probs[:5], fmt.Sprintf("and %d more", len(probs)-5))
		}
		return fmt.Errorf("the document fails SAT's schema: %s", strings.Join(probs, "; "))
	}
	der, err := base64.StdEncoding.DecodeString(root.SelectAttrValue("Certificado", ""))
	if err != nil {
		return fmt.Errorf("Certificado: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("Certificado: %w", err)
	}
	if got := string(cert.SerialNumber.Bytes()); got != root.SelectAttrValue("NoCertificado", "") {
		return fmt.Errorf("NoCertificado %q is not the certificate's serial %q", root.SelectAttrValue("NoCertificado", ""), got)
	}
	if err := Verify(doc); err != nil {
		return fmt.Errorf("the Sello does not verify against the stored document (a value changed in writing, such as a character XML cannot carry): %w", err)
	}
	return nil
}
