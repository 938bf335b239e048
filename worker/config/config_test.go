package config

import (
	"os"
	"path/filepath"
	"testing"
)

// Temporal's client conventions: a profile of TEMPORAL_CONFIG_FILE chosen by
// TEMPORAL_PROFILE gives the address and namespace; TEMPORAL_ADDRESS overrides the file.
func TestTemporalClientConventions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "temporal.toml")
	if err := os.WriteFile(file, []byte("[profile.cloud]\naddress = \"billing.a1b2c.tmprl.cloud:7233\"\nnamespace = \"billing.a1b2c\"\napi_key = \"secret\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEMPORAL_CONFIG_FILE", file)
	t.Setenv("TEMPORAL_PROFILE", "cloud")
	for _, v := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"} {
		t.Setenv(v, "") // restored after the test
		os.Unsetenv(v)
	}
	c := FromEnv()
	if c.TemporalAddress != "billing.a1b2c.tmprl.cloud:7233" || c.TemporalNamespace != "billing.a1b2c" {
		t.Errorf("from the profile: %s %s", c.TemporalAddress, c.TemporalNamespace)
	}
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:7243")
	if c := FromEnv(); c.TemporalAddress != "127.0.0.1:7243" || c.TemporalNamespace != "billing.a1b2c" {
		t.Errorf("TEMPORAL_ADDRESS over the profile: %s %s", c.TemporalAddress, c.TemporalNamespace)
	}
	t.Setenv("TEMPORAL_PROFILE", "nope")
	if _, err := FromEnv().Temporal(nil); err == nil {
		t.Error("an unknown profile dialed")
	}
}
