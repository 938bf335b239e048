package config

import (
	"fmt"
	"runtime/debug"
)

// Version is the build's version from Go's build info: the module version, or the VCS
// revision and time the binary was built from (with "+dirty" for uncommitted changes).
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if v == "(devel)" && rev != "" { // a pseudo-version already names the revision
		v = fmt.Sprintf("%s%s (%s)", rev, dirty, at)
	}
	return v + " " + bi.GoVersion
}

// EnvHelp lists the environment both binaries read, for their help.
const EnvHelp = `Environment:
  DATABASE_URL              PostgreSQL (postgres://user@host:port/db)
  TEMPORAL_ADDRESS          Temporal frontend (default localhost:7233)
  TEMPORAL_NAMESPACE        Temporal namespace (default default)
  TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE, TEMPORAL_API_KEY, TEMPORAL_TLS*   Temporal's client conventions (Cloud, mTLS)
  TEMPORAL_UI               Web UI base URL, for links (default http://localhost:8233)
  BILLRUN_TASK_QUEUE        task queue (default billrun)
  BILLRUN_DB_POOL           worker's database connections (default 40)
  BILLRUN_PUBLISH_CONCURRENCY  documents a stamping or e-mail pass sends at once (default 4; mind the relay's and PAC's limits)
  BILLRUN_STEP_TIMEOUT, BILLRUN_PLAN_TIMEOUT, BILLRUN_DELIVERY_TIMEOUT   step timeouts (Go durations)
  SMTP_HOST, SMTP_PORT, MAIL_FROM                                       mail relay and sender
  SMTP_TLS (auto|starttls|implicit|none), SMTP_CA_FILE, SMTP_USERNAME, SMTP_PASSWORD (or _FILE), SMTP_HELO
  PAC_URL, PAC_USER, PAC_PASSWORD (or PAC_PASSWORD_FILE), PAC_CERT      the PAC that stamps CFDI
  SAT_STATUS_URL                                                        SAT's Servicio de Consulta de CFDI (default SAT's; invoice status)
  DGI_URL, DGI_CERT                                                    the DGI receiver Uruguayan CFE are sent to (sandbox in the demo)
  BILLRUN_CSD_PASSWORD (or _FILE; an issuer may name another variable)  the CSD key's password
  LOG_LEVEL                 debug, info, warn, error
  BILLRUN_METRICS_ADDR      worker: serve /metrics, /healthz, /readyz here (e.g. 127.0.0.1:9464)
The demo's and the tests' values: . .dev/demo/env (after make demo), . .dev/test/env (after make test).`
