package fiscal

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/youmark/pkcs8"
)

// ErrCredentials marks a problem with the issuer's certificate or key: a business error
// that leaves the invoice completed and unsealed until it is fixed.
var ErrCredentials = errors.New("CSD")

// ErrEnvironment marks what the machine lacks, not the document: a file that cannot be
// read, a program missing or failing to start. The step is retried with backoff (visible
// in the Web UI); the invoice is not marked unsealed.
var ErrEnvironment = errors.New("environment")

// LoadKeyPair reads a DER certificate and its encrypted PKCS#8 DER key — the form SAT
// issues a CSD in, and the form billrun keeps any issuer's signing certificate in. The
// password is only used here; it is never logged or returned.
//
// A pair read once is kept by the files' contents and the password: reading two small
// files again is cheap, decrypting the key costs more than a signature with it.
func LoadKeyPair(certPath, keyPath string, password []byte) (*x509.Certificate, *rsa.PrivateKey, error) {
	certDER, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the certificate cannot be read: %v", ErrEnvironment, err)
	}
	keyDER, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the key cannot be read: %v", ErrEnvironment, err)
	}
	id := keyPairID{sha256.Sum256(certDER), sha256.Sum256(keyDER), sha256.Sum256(password)}
	if p, ok := keyPairs.Load(id); ok {
		return p.(keyPair).cert, p.(keyPair).key, nil
	}
	cert, key, err := parseKeyPair(certPath, keyPath, certDER, keyDER, password)
	if err == nil {
		keyPairs.Store(id, keyPair{cert, key})
	}
	return cert, key, err
}

// keyPairs are the key pairs read so far, by keyPairID.
var keyPairs sync.Map

type keyPair struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

// keyPairID names a key pair by the digests of its certificate, its key and its password.
type keyPairID struct{ cert, key, password [32]byte }

// parseKeyPair decrypts and checks a key pair read from certPath and keyPath.
func parseKeyPair(certPath, keyPath string, certDER, keyDER, password []byte) (*x509.Certificate, *rsa.PrivateKey, error) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: certificate %s is not a DER X.509 certificate: %v", ErrCredentials, certPath, err)
	}
	if len(password) == 0 {
		return nil, nil, fmt.Errorf("%w: no password for key %s", ErrCredentials, keyPath)
	}
	k, err := pkcs8.ParsePKCS8PrivateKey(keyDER, password)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: key %s cannot be decrypted (wrong password?)", ErrCredentials, keyPath)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("%w: key %s is not an RSA key", ErrCredentials, keyPath)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, nil, fmt.Errorf("%w: key %s does not belong to certificate %s", ErrCredentials, keyPath, certPath)
	}
	return cert, key, nil
}
