package cfdi

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Stamp is a PAC's TimbreFiscalDigital 1.1, as it goes into a CFDI's Complemento.
type Stamp struct {
	UUID             string
	FechaTimbrado    time.Time // Mexico City time
	RfcProvCertif    string    // the PAC's RFC
	SelloCFD         string    // the CFDI's Sello
	NoCertificadoSAT string
	SelloSAT         string
}

var tfdFields = []field{req("Version"), req("UUID"), req("FechaTimbrado"), req("RfcProvCertif"), opt("Leyenda"), req("SelloCFD"), req("NoCertificadoSAT")}

// element writes the stamp as a tfd:TimbreFiscalDigital element.
func (s Stamp) element() *etree.Element {
	e := etree.NewElement("tfd:TimbreFiscalDigital")
	e.CreateAttr("xmlns:tfd", TFDNS)
	e.CreateAttr("xsi:schemaLocation", TFDNS+" http://www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd")
	e.CreateAttr("Version", "1.1")
	e.CreateAttr("UUID", s.UUID)
	e.CreateAttr("FechaTimbrado", s.FechaTimbrado.In(mexicoCity).Format("2006-01-02T15:04:05"))
	e.CreateAttr("RfcProvCertif", s.RfcProvCertif)
	e.CreateAttr("SelloCFD", s.SelloCFD)
	e.CreateAttr("NoCertificadoSAT", s.NoCertificadoSAT)
	if s.SelloSAT != "" {
		e.CreateAttr("SelloSAT", s.SelloSAT)
	}
	return e
}

// CadenaTFD is the TimbreFiscalDigital's cadena original, as SAT's
// cadenaoriginal_TFD_1_1.xslt makes it.
func CadenaTFD(tfd *etree.Element) string {
	var c cadena
	c.b.WriteByte('|')
	c.fields(tfd, tfdFields)
	c.b.WriteString("||")
	return c.b.String()
}

// SignStamp signs a stamp with a PAC's key: SelloSAT = base64(RSA-SHA256(cadena TFD)).
func SignStamp(s Stamp, key *rsa.PrivateKey) (Stamp, error) {
	s.SelloSAT = ""
	sum := sha256.Sum256([]byte(CadenaTFD(s.element())))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		return s, err
	}
	s.SelloSAT = base64.StdEncoding.EncodeToString(sig)
	return s, nil
}

// AddStamp puts a signed stamp in the document's Complemento.
func AddStamp(doc *etree.Document, s Stamp) {
	root := doc.Root()
	comp := root.SelectElement("Complemento")
	if comp == nil {
		comp = root.CreateElement("cfdi:Complemento")
	}
	comp.AddChild(s.element())
	doc.Indent(2)
}

// FindStamp reads a stamped document's TimbreFiscalDigital; nil when there is none.
func FindStamp(doc *etree.Document) *etree.Element {
	for _, comp := range doc.Root().SelectElements("Complemento") {
		for _, x := range comp.ChildElements() {
			if x.NamespaceURI() == TFDNS && x.Tag == "TimbreFiscalDigital" {
				return x
			}
		}
	}
	return nil
}

// VerifyStamp checks a stamped document's TimbreFiscalDigital: its SelloCFD is the CFDI's
// Sello, and its SelloSAT verifies with the PAC's certificate, whose serial is the
// NoCertificadoSAT.
func VerifyStamp(doc *etree.Document, pacCert *x509.Certificate) error {
	tfd := FindStamp(doc)
	if tfd == nil {
		return fmt.Errorf("cfdi: the document is not stamped")
	}
	if got, want := tfd.SelectAttrValue("SelloCFD", ""), doc.Root().SelectAttrValue("Sello", ""); got != want {
		return fmt.Errorf("cfdi: the stamp's SelloCFD is not the document's Sello")
	}
	if got := string(pacCert.SerialNumber.Bytes()); got != tfd.SelectAttrValue("NoCertificadoSAT", "") {
		return fmt.Errorf("cfdi: NoCertificadoSAT %q is not the PAC certificate's %q", tfd.SelectAttrValue("NoCertificadoSAT", ""), got)
	}
	sig, err := base64.StdEncoding.DecodeString(tfd.SelectAttrValue("SelloSAT", ""))
	if err != nil {
		return fmt.Errorf("cfdi: SelloSAT: %w", err)
	}
	pub, ok := pacCert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("cfdi: the PAC certificate is not RSA")
	}
	sum := sha256.Sum256([]byte(CadenaTFD(tfd)))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("cfdi: SelloSAT does not verify: %w", err)
	}
	return nil
}

// UUIDOf is a stamped document's folio fiscal, upper-case as SAT prints it.
func UUIDOf(doc *etree.Document) string {
	if tfd := FindStamp(doc); tfd != nil {
		return strings.ToUpper(tfd.SelectAttrValue("UUID", ""))
	}
	return ""
}
