package importfmt

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Invalid is the error of a dataset with problems: nothing was written.
type Invalid struct{ Problems []Problem }

func (e *Invalid) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems, nothing imported:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// Counts says how many records of each kind were written.
type Counts map[string]int

// Parse reads a dataset, refusing unknown fields so a typo is a named error, not a silent default.
func Parse(r io.Reader) (*Dataset, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var d Dataset
	if err := dec.Decode(&d); err != nil {
		return nil, &Invalid{Problems: []Problem{{Record: "file", Field: "json", Error: err.Error()}}}
	}
	return &d, nil
}
