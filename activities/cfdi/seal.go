package cfdi

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/beevik/etree"
	"github.com/youmark/pkcs8"
)

// ErrCSD marks a problem with the issuer's certificate or key: a business error that
// leaves the invoice completed and unsealed until it is fixed.
var ErrCSD = errors.New("CSD")

// CSD is an issuer's sealing certificate and private key.
type CSD struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// NoCertificado is the certificate's serial number read as ASCII, as SAT issues them.
func (c *CSD) NoCertificado() string { return string(c.Cert.SerialNumber.Bytes()) }

// Certificado is the certificate's DER in base64 with no line breaks.
func (c *CSD) Certificado() string { return base64.StdEncoding.EncodeToString(c.Cert.Raw) }

// LoadCSD reads a DER certificate and its encrypted PKCS#8 DER key. The password is only
// used here; it is never logged or returned.
func LoadCSD(certPath, keyPath string, password []byte) (*CSD, error) {
	certDER, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate: %v", ErrCSD, err)
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate %s is not a DER X.509 certificate: %v", ErrCSD, certPath, err)
	}
	keyDER, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("%w: key: %v", ErrCSD, err)
	}
	if len(password) == 0 {
		return nil, fmt.Errorf("%w: no password for key %s", ErrCSD, keyPath)
	}
	k, err := pkcs8.ParsePKCS8PrivateKey(keyDER, password)
	if err != nil {
		return nil, fmt.Errorf("%w: key %s cannot be decrypted (wrong password?)", ErrCSD, keyPath)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: key %s is not an RSA key", ErrCSD, keyPath)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("%w: key %s does not belong to certificate %s", ErrCSD, keyPath, certPath)
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
