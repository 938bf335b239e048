package testdb

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Root is the repository's root folder (where go.mod is).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

// SAT is the path of rel inside testdata/sat, SAT's public test material in the repository.
func SAT(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(t), "testdata", "sat", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return p
}

// Tool is the path of an outside program a test checks against (xmllint, xsltproc,
// pdftotext). Missing, it fails the test — `make test` installs them — except under
// -short, where the test is skipped.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if testing.Short() {
			t.Skipf("%s is not installed (-short)", name)
		}
		t.Fatalf("%s is required (make test installs it): %v", name, err)
	}
	return p
}

// Integration skips a test that needs the test stack's services under -short; otherwise
// the test runs and fails when a service is missing.
func Integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the test stack's services (run without -short, e.g. make test)")
	}
}
