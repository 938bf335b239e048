package layout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The arrows billrun's packages may follow, by path under the module, written once. A
// package not named here may import nothing of billrun's internal domain unless a rule
// below allows it. Leaves (rules, model, catalogs, fiscal's interface, printout,
// sandboxkey) import nothing of billrun.
var allowed = map[string][]string{
	"internal/rules":      {},
	"internal/model":      {},
	"internal/catalogs":   {},
	"internal/fiscal":     {},
	"internal/printout":   {},
	"internal/sandboxkey": {},
	"internal/importfmt":  {"internal/catalogs", "internal/rules"},
	// A fiscal format builds, checks and prints its documents and says what it needs of its
	// certifier (cfdi.Stamper, cfdi.Canceller); the transport implements it.
	"internal/certifier/pac": {"internal/fiscal", "internal/fiscal/cfdi"},
	"internal/fiscal/cfdi":   {"internal/fiscal", "internal/printout"},
	"internal/fiscal/cfe":    {"internal/fiscal", "internal/printout", "internal/catalogs"},
	// The store is the only SQL: it reads and writes the model, the import format, the
	// rules' records (source lines, CAEs, amounts) and the fiscal documents' records — their
	// types, never their decisions (decide_test.go).
	"internal/store": {"internal/model", "internal/rules", "internal/fiscal", "internal/importfmt", "internal/catalogs", "schema"},
	// Batch creation's decisions on what the database holds: the store reads and writes,
	// rules decide, batching puts them together in one transaction.
	"internal/batching":           {"internal/model", "internal/rules", "internal/store"},
	"internal/sandbox/pacsandbox": {"internal/fiscal/cfdi", "internal/certifier/pac", "internal/sandboxkey", "internal/fiscal"},
	"internal/sandbox/dgisandbox": {"internal/fiscal/cfe", "internal/sandboxkey", "internal/fiscal"},
	"activities":                  {"internal/batching", "internal/fiscal", "internal/fiscal/cfdi", "internal/fiscal/cfe", "internal/model", "internal/rules", "internal/store", "internal/printout"},
	"workflows":                   {"activities", "internal/model", "internal/rules"},
	"schema":                      {},
	"cmd/billrun-sandbox":         {"internal/sandbox/pacsandbox", "internal/sandbox/dgisandbox"},
}

// never are imports no package may make directly, whatever allowed says: orchestration
// code never reaches the database or a fiscal format itself.
var never = map[string][]string{
	"workflows": {"internal/store", "github.com/jackc/pgx/v5", "internal/fiscal", "internal/fiscal/cfdi", "internal/fiscal/cfe", "internal/certifier/pac"},
}

// productionNeverLinks: the CLI and the worker do not carry the sandboxes.
var productionNeverLinks = []string{"internal/sandbox/pacsandbox", "internal/sandbox/dgisandbox"}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func list(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// violations lists the imports of pkgs the rules refuse, each named.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		self := strings.TrimPrefix(p.ImportPath, "billrun/")
		for _, imp := range p.Imports {
			rel := strings.TrimPrefix(imp, "billrun/")
			if slices.Contains(never[self], rel) || slices.Contains(never[self], imp) {
				out = append(out, fmt.Sprintf("%s imports %s: never allowed", self, rel))
				continue
			}
			ok, ruled := allowed[self]
			if !ruled || !strings.HasPrefix(imp, "billrun/internal/") && !strings.HasPrefix(imp, "billrun/activities") && imp != "billrun/schema" {
				continue // packages without a rule (the binaries, tests' helpers) and imports outside the domain
			}
			if !slices.Contains(ok, rel) {
				out = append(out, fmt.Sprintf("%s imports %s: not an allowed arrow (internal/layout)", self, rel))
			}
		}
	}
	return out
}

// Every package imports only what its rule allows; a package under internal/ without a
// rule fails, so a new room comes with its arrows.
func TestDependenciesGoOneWay(t *testing.T) {
	pkgs := list(t, "./...")
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
	for _, p := range pkgs {
		self := strings.TrimPrefix(p.ImportPath, "billrun/")
		if _, ok := allowed[self]; !ok && strings.HasPrefix(self, "internal/") && !strings.HasSuffix(self, "/gen") && self != "internal/layout" {
			t.Errorf("%s has no rule in internal/layout: say what it may import", self)
		}
	}
}

// The rule catches a wrong arrow: the store importing a fiscal format, workflows
// importing the store or pgx, a leaf importing anything of billrun.
func TestAWrongImportIsNamed(t *testing.T) {
	bad := []pkg{
		{ImportPath: "billrun/internal/store", Imports: []string{"billrun/internal/fiscal/cfdi"}},
		{ImportPath: "billrun/workflows", Imports: []string{"billrun/internal/store", "github.com/jackc/pgx/v5"}},
		{ImportPath: "billrun/internal/rules", Imports: []string{"billrun/internal/model"}},
	}
	got := violations(bad)
	for _, want := range []string{
		"internal/store imports internal/fiscal/cfdi: not an allowed arrow",
		"workflows imports internal/store: never allowed",
		"workflows imports github.com/jackc/pgx/v5: never allowed",
		"internal/rules imports internal/model: not an allowed arrow",
	} {
		if !slices.ContainsFunc(got, func(v string) bool { return strings.HasPrefix(v, want) }) {
			t.Errorf("not refused: %s (got %v)", want, got)
		}
	}
}

// The production binaries link no sandbox.
func TestProductionBinariesLinkNoSandbox(t *testing.T) {
	for _, p := range list(t, "./starter", "./worker") {
		for _, dep := range p.Deps {
			if slices.Contains(productionNeverLinks, strings.TrimPrefix(dep, "billrun/")) {
				t.Errorf("%s links %s", p.ImportPath, dep)
			}
		}
	}
}
