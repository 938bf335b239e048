package workflows

import (
	"encoding/base64"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// versionChange is a workflow.GetVersion change id: the workflow type it is in and, when it
// sits inside another change's branch, that branch ("publish-signalled=-1": reached only by
// runs that took publish-signalled's default branch).
type versionChange struct {
	workflow string
	within   string
	// unrecorded names a branch no recorded history can show, and why (-1 is the default).
	unrecorded map[int]string
}

// versionChanges is every change id in the workflows' code, written once: a new GetVersion
// must be added here, with recorded histories (make record-histories) for both branches.
var versionChanges = map[string]versionChange{
	"batch-v2":                    {workflow: "BatchWorkflow"},
	"batch-carry-children":        {workflow: "BatchWorkflow", within: "batch-v2=1"},
	"invoice-v2":                  {workflow: "InvoiceWorkflow"},
	"fiscal-output":               {workflow: "InvoiceWorkflow", within: "invoice-v2=-1"},
	"publish-signalled":           {workflow: "PublishWorkflow"},
	"publish-stamp":               {workflow: "PublishWorkflow", within: "publish-signalled=-1"},
	"publish-stages-end-in-order": {workflow: "PublishWorkflow", within: "publish-signalled=-1"},
	"publish-counts":              {workflow: "PublishWorkflow", within: "publish-signalled=1"},
	"publish-wait-passes":         {workflow: "PublishWorkflow", within: "publish-signalled=1"},
	"cancel-global-reissue":       {workflow: "CancelInvoiceWorkflow"},
	"restate-receipt":             {workflow: "CancelInvoiceWorkflow"},
	"sweep-months": {workflow: "MonthlyReceiptsWorkflow", unrecorded: map[int]string{
		-1: "monthly receipts' runs were first recorded after sweep-months"}},
	"scheduled-v2": {workflow: "ScheduledRunWorkflow", unrecorded: map[int]string{
		-1: "scheduled runs were first recorded after scheduled-v2; the first release's scheduled runs had no installation id"}},
}

// historyVersions reads a recorded history's workflow type and the version markers in it.
func historyVersions(t *testing.T, file string) (string, map[string]int) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Events []struct {
			Started *struct {
				WorkflowType struct{ Name string } `json:"workflowType"`
			} `json:"workflowExecutionStartedEventAttributes"`
			Marker *struct {
				MarkerName string `json:"markerName"`
				Details    map[string]struct {
					Payloads []struct{ Data string } `json:"payloads"`
				} `json:"details"`
			} `json:"markerRecordedEventAttributes"`
		} `json:"events"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	decode := func(p []struct{ Data string }, v any) {
		if len(p) == 0 {
			t.Fatalf("%s: a version marker without its value", file)
		}
		b, err := base64.StdEncoding.DecodeString(p[0].Data)
		if err == nil {
			err = json.Unmarshal(b, v)
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	wt, versions := "", map[string]int{}
	for _, e := range h.Events {
		if e.Started != nil {
			wt = e.Started.WorkflowType.Name
		}
		if e.Marker != nil && e.Marker.MarkerName == "Version" {
			var id string
			var v int
			decode(e.Marker.Details["change-id"].Payloads, &id)
			decode(e.Marker.Details["version"].Payloads, &v)
			versions[id] = v
		}
	}
	return wt, versions
}

// sourceChanges are the change ids and maximum versions of the GetVersion calls in the
// workflows' code.
func sourceChanges(t *testing.T) map[string]int {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	out := map[string]int{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "GetVersion" || len(call.Args) != 4 {
				return true
			}
			id, ok1 := call.Args[1].(*ast.BasicLit)
			max, ok2 := call.Args[3].(*ast.BasicLit)
			if !ok1 || !ok2 {
				t.Errorf("%s: GetVersion with a change id or version that is not a literal", fset.Position(call.Pos()))
				return true
			}
			name, _ := strconv.Unquote(id.Value)
			v, _ := strconv.Atoi(max.Value)
			out[name] = v
			return true
		})
	}
	return out
}

var branchPattern = regexp.MustCompile(`^(.+)=(-?\d+)$`)

// Every workflow.GetVersion change id has a recorded history for each of its branches, so
// the replay test runs old and new code paths alike; a new change id without its entry in
// versionChanges, or without recordings, fails here.
func TestEveryVersionBranchHasARecordedHistory(t *testing.T) {
	files, err := filepath.Glob("testdata/v*.json")
	if err != nil {
		t.Fatal(err)
	}
	type recorded struct {
		workflow string
		versions map[string]int
	}
	var hs []recorded
	for _, f := range files {
		wt, v := historyVersions(t, f)
		hs = append(hs, recorded{wt, v})
	}
	// branch is the version a history took at change id: -1 when it has no marker.
	branch := func(h recorded, id string) int {
		if v, ok := h.versions[id]; ok {
			return v
		}
		return -1
	}
	for id, max := range sourceChanges(t) {
		c, ok := versionChanges[id]
		if !ok {
			t.Errorf("GetVersion %q is not in versionChanges: add it, and record histories of both branches (make record-histories)", id)
			continue
		}
		for _, want := range []int{-1, max} {
			if why, skip := c.unrecorded[want]; skip {
				t.Logf("%s=%d: no recorded history (%s)", id, want, why)
				continue
			}
			found := false
			for _, h := range hs {
				if h.workflow != c.workflow || branch(h, id) != want {
					continue
				}
				if c.within != "" {
					m := branchPattern.FindStringSubmatch(c.within)
					outer, _ := strconv.Atoi(m[2])
					if branch(h, m[1]) != outer {
						continue
					}
				}
				found = true
			}
			if !found {
				t.Errorf("%s %s=%d: no recorded history takes this branch (make record-histories, or keep an older recording)", c.workflow, id, want)
			}
		}
	}
	for id := range versionChanges {
		if _, ok := sourceChanges(t)[id]; !ok {
			t.Errorf("versionChanges names %q, which no GetVersion in the code uses", id)
		}
	}
}
