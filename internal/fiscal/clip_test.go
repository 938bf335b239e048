package fiscal

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClipKeepsAFewHundredBytesOnACharacterBoundary(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes
	got := Clip(long)
	if len(got) > answerLimit+len("…") || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Fatalf("clipped to %d bytes, valid %v: %q", len(got), utf8.ValidString(got), got[len(got)-8:])
	}
	if Clip(" short ") != "short" {
		t.Fatal("a short answer is kept whole")
	}
}

func TestEndpointDropsCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:s3cret@pac.example/api/stamp?token=abc": "https://pac.example/api/stamp",
		"http://127.0.0.1:8080/dgi/cfe":                       "http://127.0.0.1:8080/dgi/cfe",
	} {
		if got := Endpoint(in); got != want {
			t.Errorf("Endpoint(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(Endpoint(in), "s3cret") || strings.Contains(Endpoint(in), "abc") {
			t.Errorf("%q keeps a credential", Endpoint(in))
		}
	}
}
