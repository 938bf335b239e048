// Command vulncheck reads govulncheck's JSON stream (govulncheck -format json) and fails
// when billrun's code calls a known vulnerability — in a module it requires (go.mod fixes
// it) or in the Go standard library (the pinned toolchain, GOTOOLCHAIN in the scripts and
// the Makefile, fixes it): what billrun ships is built with both.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
}

type message struct {
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

func main() {
	dec := json.NewDecoder(os.Stdin)
	type called struct{ id, module, version, fixed, where string }
	seen := map[string]called{}
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "vulncheck: reading govulncheck's output:", err)
			os.Exit(2)
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue // imported or required, not called
		}
		top := f.Trace[0]
		seen[f.OSV] = called{f.OSV, top.Module, top.Version, f.FixedVersion, top.Package + "." + top.Function}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var modules, stdlib int
	for _, id := range ids {
		c := seen[id]
		kind := "module"
		if c.module == "stdlib" {
			kind = "Go standard library"
			stdlib++
		} else {
			modules++
		}
		fmt.Printf("%s  %s %s@%s, fixed in %s (called: %s)\n", c.id, kind, c.module, c.version, c.fixed, c.where)
	}
	fmt.Printf("vulncheck: %d called vulnerabilities in required modules (upgrade them in go.mod), %d in the Go standard library (pin a Go that fixes them: GOTOOLCHAIN)\n", modules, stdlib)
	if modules > 0 || stdlib > 0 {
		os.Exit(1)
	}
}
