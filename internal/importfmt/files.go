package importfmt

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

// CheckFiles reads the files a dataset points at — each issuer's CSD certificate and key —
// and reports, by record and field, one that is missing or is not what it should be: an
// X.509 certificate (DER or PEM), and an encrypted PKCS#8 private key (DER, as SAT issues
// it). The key's password is not needed here; sealing checks it.
func CheckFiles(d *Dataset) []Problem {
	var probs []Problem
	path := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(d.BaseDir, p)
	}
	for i, x := range d.Issuers {
		rec := fmt.Sprintf("issuers[%d] (%s)", i, x.Code)
		if x.CSDCertificate != "" {
			if err := checkCertificate(path(x.CSDCertificate)); err != nil {
				probs = append(probs, Problem{Record: rec, Field: "csd_certificate", Error: err.Error()})
			}
		}
		if x.CSDKey != "" {
			if err := checkEncryptedKey(path(x.CSDKey)); err != nil {
				probs = append(probs, Problem{Record: rec, Field: "csd_key", Error: err.Error()})
			}
		}
	}
	return probs
}

func checkCertificate(p string) error {
	raw, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if b, _ := pem.Decode(raw); b != nil {
		raw = b.Bytes
	}
	if _, err := x509.ParseCertificate(raw); err != nil {
		return fmt.Errorf("%s is not an X.509 certificate: %v", p, err)
	}
	return nil
}

// encryptedPrivateKeyInfo is PKCS#8's EncryptedPrivateKeyInfo (RFC 5208).
type encryptedPrivateKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

func checkEncryptedKey(p string) error {
	raw, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if b, _ := pem.Decode(raw); b != nil {
		raw = b.Bytes
	}
	var k encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(raw, &k); err != nil || len(rest) > 0 || len(k.Data) == 0 {
		return fmt.Errorf("%s is not an encrypted PKCS#8 private key (SAT's .key)", p)
	}
	return nil
}
