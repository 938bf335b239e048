package fiscal

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A key pair read once is kept, but never past a change: another password is checked
// again, and a file replaced (whatever its size and time) is read again.
func TestLoadKeyPairKeepsOnlyWhatIsUnchanged(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(from, to string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sat", from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("csd/EKU9003173C9.cer", "issuer.cer")
	copyFile("csd/EKU9003173C9.key", "issuer.key")
	cer, key := filepath.Join(dir, "issuer.cer"), filepath.Join(dir, "issuer.key")

	if _, _, err := LoadKeyPair(cer, key, []byte("12345678a")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadKeyPair(cer, key, []byte("wrong")); !errors.Is(err, ErrCredentials) {
		t.Fatalf("another password: %v, want a credentials error", err)
	}
	// The certificate replaced by one the key does not belong to.
	copyFile("csd/tfd-certs/30001000000500003456.cer", "issuer.cer")
	if _, _, err := LoadKeyPair(cer, key, []byte("12345678a")); !errors.Is(err, ErrCredentials) {
		t.Fatalf("a replaced certificate: %v, want a credentials error", err)
	}
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadKeyPair(cer, key, []byte("12345678a")); !errors.Is(err, ErrEnvironment) {
		t.Fatalf("a key gone: %v, want an environment error", err)
	}
}
