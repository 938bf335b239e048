package catalogs

import "testing"

func TestValidRUTAndCI(t *testing.T) {
	for _, tc := range []struct {
		s       string
		rut, ci bool
	}{
		{"219999830019", true, false}, // DGI's test RUT (its samples' issuer)
		{"219999830018", false, false},
		{"21999983001", false, false},
		{"12345672", false, true}, // the test vector's receiver
		{"12345673", false, false},
		{"1234567", false, false},
		{"a2345672", false, false},
	} {
		if got := ValidRUT(tc.s); got != tc.rut {
			t.Errorf("ValidRUT(%s) = %v", tc.s, got)
		}
		if got := ValidCI(tc.s); got != tc.ci {
			t.Errorf("ValidCI(%s) = %v", tc.s, got)
		}
	}
}
