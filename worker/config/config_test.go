package config

import (
	"os"
	"path/filepath"
	"strings"
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
	c, _ := FromEnv()
	if c.TemporalAddress != "billing.a1b2c.tmprl.cloud:7233" || c.TemporalNamespace != "billing.a1b2c" {
		t.Errorf("from the profile: %s %s", c.TemporalAddress, c.TemporalNamespace)
	}
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:7243")
	if c, _ := FromEnv(); c.TemporalAddress != "127.0.0.1:7243" || c.TemporalNamespace != "billing.a1b2c" {
		t.Errorf("TEMPORAL_ADDRESS over the profile: %s %s", c.TemporalAddress, c.TemporalNamespace)
	}
	t.Setenv("TEMPORAL_PROFILE", "nope")
	c, _ = FromEnv()
	if _, err := c.Temporal(nil); err == nil {
		t.Error("an unknown profile dialed")
	}
}

// A setting given but unreadable refuses to start, naming it, instead of a silent default
// or an empty password.
func TestUnparsableSettingsAreRefused(t *testing.T) {
	t.Setenv("BILLRUN_WINDOW", "lots")
	t.Setenv("BILLRUN_STEP_TIMEOUT", "30")
	t.Setenv("PAC_PASSWORD", "")
	t.Setenv("PAC_PASSWORD_FILE", filepath.Join(t.TempDir(), "missing"))
	_, err := FromEnv()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"BILLRUN_WINDOW", "BILLRUN_STEP_TIMEOUT", "PAC_PASSWORD_FILE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v does not name %s", err, want)
		}
	}
}
