package workflows

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An invoice started by today's batch (InvoiceInput.Current) takes the current code without
// asking GetVersion: its recorded history has no version marker and one search-attribute
// upsert — its outcome — where a versioned start had two (the marker's upsert is a
// visibility write per invoice).
func TestCurrentInvoiceAsksNoVersion(t *testing.T) {
	files, err := filepath.Glob("testdata/v*-invoice*.json")
	if err != nil {
		t.Fatal(err)
	}
	current := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var h struct {
			Events []struct {
				Started *struct {
					Input struct {
						Payloads []struct{ Data string } `json:"payloads"`
					} `json:"input"`
				} `json:"workflowExecutionStartedEventAttributes"`
			} `json:"events"`
		}
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(h.Events) == 0 || h.Events[0].Started == nil || len(h.Events[0].Started.Input.Payloads) == 0 {
			t.Fatalf("%s: no started event with its input", f)
		}
		b, _ := base64.StdEncoding.DecodeString(h.Events[0].Started.Input.Payloads[0].Data)
		var in InvoiceInput
		if err := json.Unmarshal(b, &in); err != nil || !in.Current {
			continue
		}
		current++
		if _, versions := historyVersions(t, f); len(versions) != 0 {
			t.Errorf("%s: version markers %v in a current invoice", f, versions)
		}
		if n := strings.Count(string(raw), "upsertWorkflowSearchAttributesEventAttributes"); n != 1 {
			t.Errorf("%s: %d search-attribute upserts, want 1 (the outcome)", f, n)
		}
	}
	if current == 0 {
		t.Fatal("no recorded history of a current invoice (make record-histories)")
	}
}
