package testdb

import (
	"os"
	"path/filepath"
	"testing"
)

// Fiscal is the path of rel inside ../shared/fiscal, SAT's material beside the project.
func Fiscal(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
	p := filepath.Join(filepath.Dir(dir), "shared", "fiscal", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s: %v (../shared sits beside the project)", p, err)
	}
	return p
}
