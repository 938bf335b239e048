package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Sizes a reader can hold: no source file over 400 lines, no function over 80.
const (
	maxFileLines = 400
	maxFuncLines = 80
)

// longFuncs are the functions still over maxFuncLines, each with the length it may not
// pass: debt to pay down, never to grow. A function split below the limit must leave this
// list. (Issue 22 paid it off: none is left.)
var longFuncs = map[string]int{}

func TestFilesAndFunctionsStayReadable(t *testing.T) {
	root := "../.."
	fset := token.NewFileSet()
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if e.IsDir() && (strings.HasPrefix(e.Name(), ".") && rel != ".") {
			return filepath.SkipDir
		}
		if e.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.Contains(string(src), "Code generated") {
			return nil
		}
		if n := strings.Count(string(src), "\n"); n > maxFileLines {
			t.Errorf("%s has %d lines (at most %d): split it by concept", rel, n, maxFileLines)
		}
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			key := rel + " " + fd.Name.Name
			ceiling, listed := longFuncs[key]
			switch {
			case listed && n > ceiling:
				t.Errorf("%s has %d lines, past its ceiling %d: split it", key, n, ceiling)
			case listed && n <= maxFuncLines:
				t.Errorf("%s is %d lines now: take it off longFuncs", key, n)
			case !listed && n > maxFuncLines:
				t.Errorf("%s has %d lines (at most %d): split it", key, n, maxFuncLines)
			}
			if listed {
				seen[key] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key := range longFuncs {
		if !seen[key] {
			t.Errorf("longFuncs names %s, which is gone: take it off", key)
		}
	}
}
