// Package sandboxkey is the signing identity of billrun's sandboxes (the sandbox PAC, the
// sandbox DGI receiver): an RSA key and a self-signed certificate, made in the sandbox's
// folder on first start and read from it after, so its signatures verify across restarts.
package sandboxkey

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

// LoadOrMake reads the key (PEM, PKCS#1) at keyFile and the certificate (DER) at certFile;
// when the key is not there yet, it makes both from tmpl and writes them.
func LoadOrMake(keyFile, certFile string, tmpl *x509.Certificate) (*rsa.PrivateKey, *x509.Certificate, error) {
	if raw, err := os.ReadFile(keyFile); err == nil {
		block, _ := pem.Decode(raw)
		if block == nil {
			return nil, nil, fmt.Errorf("%s: not PEM", keyFile)
		}
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, nil, err
		}
		der, err := os.ReadFile(certFile)
		if err != nil {
			return nil, nil, err
		}
		cert, err := x509.ParseCertificate(der)
		return key, cert, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(certFile, der, 0o644); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, err
}
