package importfmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/shopspring/decimal"
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

// Parse reads a dataset, refusing unknown fields so a typo is a named error, not a silent
// default, and anything after the document. A value that does not decode is named by its
// record and field (items[3]: unit_price), as every other refusal is.
func Parse(r io.Reader) (*Dataset, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Dataset
	if err := dec.Decode(&d); err != nil {
		return nil, &Invalid{Problems: []Problem{decodeProblem(data, err)}}
	}
	end := dec.InputOffset()
	if tok, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("%v", tok)
		}
		rest := data[end:]
		at := end + int64(len(rest)-len(bytes.TrimLeft(rest, " \t\r\n")))
		line, col := position(data, at)
		return nil, &Invalid{Problems: []Problem{{Record: "file", Field: "json",
			Error: fmt.Sprintf("something follows the document at line %d, column %d (%v): a file holds one JSON document", line, col, err)}}}
	}
	return &d, nil
}

// decodeProblem names where a document failed to decode: a syntax error by its line and
// column, a value of the wrong kind by its record and field.
func decodeProblem(data []byte, err error) Problem {
	return decodeProblemOf(data, err, reflect.TypeOf(Dataset{}))
}

// decodeProblemOf is decodeProblem for a document of type t.
func decodeProblemOf(data []byte, err error, t reflect.Type) Problem {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset-1) // the offending character is the last one read
		return Problem{Record: "file", Field: "json", Error: fmt.Sprintf("line %d, column %d: %v", line, col, err)}
	case errors.As(err, &typ) && typ.Field != "":
		return Problem{Record: "file", Field: typ.Field, Error: fmt.Sprintf("%s is not a %s", typ.Value, typ.Type)}
	}
	var raw any
	jd := json.NewDecoder(bytes.NewReader(data))
	jd.UseNumber()
	if jd.Decode(&raw) == nil {
		if record, field, value, ok := badDecimal(raw, t, ""); ok {
			return Problem{Record: record, Field: field, Error: fmt.Sprintf("%q is not a decimal number (write it like 1234.56)", value)}
		}
	}
	return Problem{Record: "file", Field: "json", Error: err.Error()}
}

var decimalType = reflect.TypeOf(decimal.Decimal{})

// badDecimal finds the first decimal field of t whose value in v is not a number: its
// record (the path to the object holding it), field and value.
func badDecimal(v any, t reflect.Type, path string) (record, field, value string, ok bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case []any:
		if t.Kind() != reflect.Slice {
			return
		}
		for i, e := range x {
			if r, f, val, found := badDecimal(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); found {
				return r, f, val, true
			}
		}
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			e, present := x[name]
			if name == "" || name == "-" || !present {
				continue
			}
			if sf.Type == decimalType || sf.Type == reflect.PointerTo(decimalType) {
				if s, isString := e.(string); isString {
					if _, err := decimal.NewFromString(s); err != nil {
						return strings.TrimPrefix(path, "."), name, s, true
					}
				}
				continue
			}
			if r, f, val, found := badDecimal(e, sf.Type, path+"."+name); found {
				return r, f, val, true
			}
		}
	}
	return
}

// position is the line and column (from 1) of the byte at offset.
func position(data []byte, offset int64) (line, col int) {
	offset = min(offset, int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}
