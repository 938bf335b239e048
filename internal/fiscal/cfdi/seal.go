package cfdi

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
)

// ErrCSD marks a problem with the issuer's certificate or key: a business error that
// leaves the invoice completed and unsealed until it is fixed.
var ErrCSD = fiscal.ErrCredentials

// CSD is an issuer's sealing certificate and private key.
type CSD struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// NoCertificado is the certificate's serial number read as ASCII, as SAT issues them.
func (c *CSD) NoCertificado() string { return string(c.Cert.SerialNumber.Bytes()) }

// Certificado is the certificate's DER in base64 with no line breaks.
func (c *CSD) Certificado() string { return base64.StdEncoding.EncodeToString(c.Cert.Raw) }

// LoadCSD reads a DER certificate and its encrypted PKCS#8 DER key.
func LoadCSD(certPath, keyPath string, password []byte) (*CSD, error) {
	cert, key, err := fiscal.LoadKeyPair(certPath, keyPath, password)
	if err != nil {
		return nil, err
	}
	return &CSD{Cert: cert, Key: key}, nil
}

// ValidAt refuses a certificate that is not valid at the document's date.
func (c *CSD) ValidAt(t time.Time) error {
	if t.Before(c.Cert.NotBefore) || t.After(c.Cert.NotAfter) {
		return fmt.Errorf("%w: certificate %s is valid from %s to %s, not on %s", ErrCSD, c.NoCertificado(),
			c.Cert.NotBefore.Format(time.DateOnly), c.Cert.NotAfter.Format(time.DateOnly), t.Format(time.DateOnly))
	}
	return nil
}

// Seal sets NoCertificado and Certificado on the document, computes its cadena original
// and sets Sello = base64(RSA-SHA256(cadena)). It returns the cadena.
func Seal(doc *etree.Document, csd *CSD) (string, error) {
	root := doc.Root()
	if root == nil {
		return "", fmt.Errorf("cfdi: empty document")
	}
	root.CreateAttr("NoCertificado", csd.NoCertificado())
	cadena, err := CadenaOriginal(doc)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(cadena))
	sig, err := rsa.SignPKCS1v15(nil, csd.Key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	root.CreateAttr("Certificado", csd.Certificado())
	root.CreateAttr("Sello", base64.StdEncoding.EncodeToString(sig))
	return cadena, nil
}

// Verify checks a sealed document's Sello against its own Certificado and cadena.
func Verify(doc *etree.Document) error {
	root := doc.Root()
	cadena, err := CadenaOriginal(doc)
	if err != nil {
		return err
	}
	der, err := base64.StdEncoding.DecodeString(root.SelectAttrValue("Certificado", ""))
	if err != nil {
		return fmt.Errorf("cfdi: Certificado: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("cfdi: Certificado: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(root.SelectAttrValue("Sello", ""))
	if err != nil {
		return fmt.Errorf("cfdi: Sello: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("cfdi: not an RSA certificate")
	}
	sum := sha256.Sum256([]byte(cadena))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}
