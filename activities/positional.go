package activities

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// Earlier releases called activities with positional arguments (DischargeStock(id,
// attempt)). An activity scheduled by such a release and still pending when the worker is
// upgraded arrives with those arguments: the data converter below hands them to the input
// struct's fields in order. Replays never decode activity inputs, so this is the only
// place the old calls live on.

// positionalInput marks an input earlier releases passed as positional arguments.
type positionalInput interface{ positional() }

// DataConverter is Temporal's default converter, which also decodes positional arguments
// into the input structs that replaced them. The worker and the CLI use it.
func DataConverter() converter.DataConverter {
	return positionalConverter{converter.GetDefaultDataConverter()}
}

type positionalConverter struct{ converter.DataConverter }

func (c positionalConverter) FromPayloads(ps *commonpb.Payloads, ptrs ...any) error {
	if len(ptrs) == 1 && isPositional(ps, ptrs[0]) {
		return decodePositional(c.DataConverter, ps.GetPayloads(), ptrs[0])
	}
	return c.DataConverter.FromPayloads(ps, ptrs...)
}

// isPositional tells arguments of an earlier release's call: more than one, or one that
// is not a JSON object, for an input struct that replaced positional arguments.
func isPositional(ps *commonpb.Payloads, ptr any) bool {
	if _, ok := ptr.(positionalInput); !ok {
		return false
	}
	args := ps.GetPayloads()
	switch len(args) {
	case 0:
		return false
	case 1:
		return !bytes.HasPrefix(bytes.TrimSpace(args[0].GetData()), []byte("{"))
	}
	return true
}

// decodePositional decodes argument i into the struct's field i.
func decodePositional(dc converter.DataConverter, args []*commonpb.Payload, ptr any) error {
	v := reflect.ValueOf(ptr).Elem()
	if v.Kind() != reflect.Struct || len(args) > v.NumField() {
		return fmt.Errorf("%d positional arguments for %s", len(args), v.Type())
	}
	for i, a := range args {
		if err := dc.FromPayload(a, v.Field(i).Addr().Interface()); err != nil {
			return fmt.Errorf("positional argument %d of %s: %w", i, v.Type(), err)
		}
	}
	return nil
}

// objectOrBare decodes a JSON object into obj, or the bare value an earlier release
// answered (a list, a number, a string) into bare.
func objectOrBare(b []byte, obj, bare any) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		return json.Unmarshal(b, obj)
	}
	return json.Unmarshal(b, bare)
}
