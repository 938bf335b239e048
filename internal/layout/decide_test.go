package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The store reads and writes; it decides nothing. It may use the types of the packages
// whose records it stores (rules' source lines and CAEs, fiscal documents, the import
// format), but it calls none of their functions: the rule is applied by the activity or
// by batching, between the store's reads and writes. The exceptions, each with its reason:
var storeMayCall = map[string]string{
	// The import validates the file inside its own transaction, against what is stored
	// then, so nothing half-written can follow a check that raced another import.
	"importfmt.Validate":   "dataset.go",
	"importfmt.CheckFiles": "dataset.go",
	// A plan's periodic rule becomes its events as the plan is written (validated before).
	"rules.PeriodicDates": "dataset_documents.go",
	// An invoice's number as DGI prints a CFE's, in lists and lookups.
	"catalogs.CFENumber": "report.go",
}

// decidingPackages are the packages whose functions decide.
var decidingPackages = []string{"rules", "importfmt", "fiscal", "catalogs"}

// calls lists the pkg.Func calls of the package in dir (non-test files) to decidingPackages
// that storeMayCall does not allow, as "file: pkg.Func".
func calls(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok || !slices.Contains(decidingPackages, pkg.Name) {
				return true
			}
			name := pkg.Name + "." + sel.Sel.Name
			if storeMayCall[name] != filepath.Base(path) {
				out = append(out, filepath.Base(path)+": "+name)
			}
			return true
		})
	}
	return out
}

func TestTheStoreDecidesNothing(t *testing.T) {
	for _, c := range calls(t, "../store") {
		t.Errorf("internal/store/%s: the store calls a rule; read the facts, let the caller decide", c)
	}
}

// The check catches a rule called in the store.
func TestARuleInTheStoreIsNamed(t *testing.T) {
	dir := t.TempDir()
	src := "package store\n\nimport \"billrun/internal/rules\"\n\nfunc f() { _ = rules.CheckInvoiceDate(\"A\", x, nil, nil) }\n"
	if err := writeFile(filepath.Join(dir, "numbering.go"), src); err != nil {
		t.Fatal(err)
	}
	if got := calls(t, dir); !slices.Equal(got, []string{"numbering.go: rules.CheckInvoiceDate"}) {
		t.Errorf("not named: %v", got)
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }
