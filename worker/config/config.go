// Package config reads billrun's settings from the environment and opens its connections
// (the store, the Temporal client); the worker and the CLI share it.
package config

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/contrib/envconfig"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"billrun/activities"
	"billrun/internal/certifier/pac"
	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfdi"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/store"
	"billrun/worker/metrics"
	"billrun/workflows"
)

// Config holds billrun's settings. Temporal's are named as Temporal's own tools name them.
type Config struct {
	// MetricsAddr is where the worker serves /metrics, /healthz and /readyz
	// (BILLRUN_METRICS_ADDR, e.g. 127.0.0.1:9464; empty: not served).
	MetricsAddr string
	// Metrics, when set, receives the Temporal SDK's metrics and billrun's own.
	Metrics *metrics.Registry

	TemporalAddress   string // TEMPORAL_ADDRESS
	TemporalNamespace string // TEMPORAL_NAMESPACE
	DatabaseURL       string // DATABASE_URL
	SMTPHost          string // SMTP_HOST
	SMTPPort          string // SMTP_PORT
	// The relay's security: SMTP_TLS (auto, starttls, implicit, none), SMTP_CA_FILE (PEM
	// certificates to trust besides the system's), SMTP_USERNAME and SMTP_PASSWORD (or
	// SMTP_PASSWORD_FILE), SMTP_HELO (default: the host's name).
	SMTPTLS, SMTPCAFile, SMTPUsername, SMTPPassword, SMTPHelo string
	MailFrom                                                  string // MAIL_FROM
	TaskQueue                                                 string // BILLRUN_TASK_QUEUE
	WebUI                                                     string // TEMPORAL_UI (for links printed by the CLI)
	DBPool                                                    int    // BILLRUN_DB_POOL: connections of the worker's pool (size it for the window)
	PublishConcurrency                                        int    // BILLRUN_PUBLISH_CONCURRENCY: documents a stamping or e-mail pass sends at once
	Window                                                    int    // BILLRUN_WINDOW: invoice workflows a batch runs at once
	PageSize                                                  int    // BILLRUN_PAGE_SIZE: open invoices a batch lists per page
	// BILLRUN_STEP_TIMEOUT, BILLRUN_PLAN_TIMEOUT, BILLRUN_DELIVERY_TIMEOUT (Go durations).
	Timeouts workflows.Timeouts
	// The PAC that stamps CFDI: PAC_URL (SW sapien's REST API, or billrun's sandbox PAC),
	// PAC_USER, PAC_PASSWORD (or a file named by PAC_PASSWORD_FILE), and PAC_CERT, the PAC's
	// certificate (DER) its stamps must verify with (optional). The password is never logged.
	PACURL, PACUser, PACPassword, PACCert string
	// SAT_STATUS_URL: SAT's Servicio de Consulta de CFDI (default SAT's own; the stacks point
	// it at the sandbox PAC, which answers for what it stamped).
	SATStatusURL string
	// Uruguay's DGI receiver: DGI_URL, where signed CFE are sent (billrun's sandbox DGI in
	// the demo and tests), and DGI_CERT, the certificate (DER) its answers must verify with.
	DGIURL, DGICert string
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envReader reads typed settings, keeping every one that does not parse: a worker refuses
// to start on them, naming each, rather than running with a default nobody chose.
type envReader struct{ problems []string }

func (r *envReader) int(name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		r.problems = append(r.problems, fmt.Sprintf("%s: %q is not a positive whole number", name, v))
		return def
	}
	return n
}

func (r *envReader) duration(name string) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.problems = append(r.problems, fmt.Sprintf("%s: %q is not a duration like 30s or 10m", name, v))
		return 0
	}
	return d
}

// secret reads a secret from the environment variable, or from the file <NAME>_FILE names.
func (r *envReader) secret(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	f := os.Getenv(name + "_FILE")
	if f == "" {
		return ""
	}
	b, err := os.ReadFile(f)
	if err != nil {
		r.problems = append(r.problems, fmt.Sprintf("%s_FILE: %v", name, err))
		return ""
	}
	return strings.TrimRight(string(b), "\r\n")
}

// FromEnv reads the environment with local-stack defaults. A setting that is given but does
// not parse (a number, a duration, a secret's file that cannot be read) is an error naming
// it; the Config holds the defaults for it.
func FromEnv() (Config, error) {
	// The address and namespace Temporal's client conventions give (a profile of the config
	// file, then TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE); an unreadable configuration is
	// reported when the client dials.
	temporalDefaults, _ := envconfig.LoadDefaultClientOptions()
	r := &envReader{}
	c := Config{
		MetricsAddr:        env("BILLRUN_METRICS_ADDR", ""),
		DBPool:             r.int("BILLRUN_DB_POOL", 40),
		PublishConcurrency: r.int("BILLRUN_PUBLISH_CONCURRENCY", activities.DefaultPublishConcurrency),
		Window:             r.int("BILLRUN_WINDOW", workflows.DefaultWindow),
		PageSize:           r.int("BILLRUN_PAGE_SIZE", workflows.DefaultPageSize),
		Timeouts: workflows.Timeouts{Step: r.duration("BILLRUN_STEP_TIMEOUT"), Plan: r.duration("BILLRUN_PLAN_TIMEOUT"),
			Delivery: r.duration("BILLRUN_DELIVERY_TIMEOUT")},
		TemporalAddress:   orDefault(temporalDefaults.HostPort, "localhost:7233"),
		TemporalNamespace: orDefault(temporalDefaults.Namespace, "default"),
		DatabaseURL:       env("DATABASE_URL", ""),
		SMTPHost:          env("SMTP_HOST", "localhost"),
		SMTPPort:          env("SMTP_PORT", "1025"),
		SMTPTLS:           env("SMTP_TLS", "auto"),
		SMTPCAFile:        env("SMTP_CA_FILE", ""),
		SMTPUsername:      env("SMTP_USERNAME", ""),
		SMTPPassword:      r.secret("SMTP_PASSWORD"),
		SMTPHelo:          env("SMTP_HELO", ""),
		MailFrom:          env("MAIL_FROM", "billing@billrun.local"),
		TaskQueue:         env("BILLRUN_TASK_QUEUE", workflows.DefaultTaskQueue),
		WebUI:             env("TEMPORAL_UI", "http://localhost:8233"),
		PACURL:            env("PAC_URL", ""),
		PACUser:           env("PAC_USER", ""),
		PACPassword:       r.secret("PAC_PASSWORD"),
		PACCert:           env("PAC_CERT", ""),
		SATStatusURL:      env("SAT_STATUS_URL", cfdi.SATStatusURL),
		DGIURL:            env("DGI_URL", ""),
		DGICert:           env("DGI_CERT", ""),
	}
	if len(r.problems) > 0 {
		return c, fmt.Errorf("the environment: %s", strings.Join(r.problems, "; "))
	}
	return c, nil
}

// SATStatus is SAT's Servicio de Consulta de CFDI, as configured.
func (c Config) SATStatus() cfdi.StatusChecker {
	return &pac.Client{StatusURL: c.SATStatusURL}
}

// Activities builds the worker's activities: the store, the mail server, and the fiscal
// profiles with their PAC and DGI receiver.
func (c Config) Activities(st *store.Store, installation string) (*activities.Activities, error) {
	mx := cfdi.Profile{SAT: c.SATStatus()}
	if c.PACURL != "" {
		mx.PAC = &pac.Client{URL: c.PACURL, User: c.PACUser, Password: c.PACPassword, StatusURL: c.SATStatusURL}
	}
	if c.PACCert != "" {
		der, err := os.ReadFile(c.PACCert)
		if err != nil {
			return nil, fmt.Errorf("PAC_CERT: %w", err)
		}
		if mx.PACCert, err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("PAC_CERT %s: %w", c.PACCert, err)
		}
	}
	uy := cfe.Profile{}
	if c.DGIURL != "" {
		uy.DGI = &cfe.Client{URL: c.DGIURL} // WS_eFactura over SOAP, requests signed by each issuer
	}
	if c.DGICert != "" {
		der, err := os.ReadFile(c.DGICert)
		if err != nil {
			return nil, fmt.Errorf("DGI_CERT: %w", err)
		}
		if uy.DGICert, err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("DGI_CERT %s: %w", c.DGICert, err)
		}
	}
	mail := activities.MailConfig{Addr: c.SMTPHost + ":" + c.SMTPPort, From: c.MailFrom, TLS: c.SMTPTLS,
		Username: c.SMTPUsername, Password: c.SMTPPassword, Hello: c.SMTPHelo}
	switch c.SMTPTLS {
	case "", "auto", "starttls", "implicit", "none":
	default:
		return nil, fmt.Errorf("SMTP_TLS: %q is not auto, starttls, implicit or none", c.SMTPTLS)
	}
	if c.SMTPCAFile != "" {
		pem, err := os.ReadFile(c.SMTPCAFile)
		if err != nil {
			return nil, fmt.Errorf("SMTP_CA_FILE: %w", err)
		}
		if mail.RootCAs, err = x509.SystemCertPool(); err != nil || mail.RootCAs == nil {
			mail.RootCAs = x509.NewCertPool()
		}
		if !mail.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("SMTP_CA_FILE %s: no PEM certificate in it", c.SMTPCAFile)
		}
	}
	ac := activities.Config{Installation: installation, Mail: mail,
		Fiscal: fiscal.Profiles{"MX": mx, "UY": uy}, PublishConcurrency: c.PublishConcurrency}
	if c.Metrics != nil {
		ac.Meter = c.Metrics
	}
	return activities.New(st, ac), nil
}

// Store opens billrun's database.
func (c Config) Store(ctx context.Context) (*store.Store, error) {
	if c.DatabaseURL == "" {
		return nil, fmt.Errorf("DATABASE_URL is not set: point it at billrun's PostgreSQL database")
	}
	if c.Metrics != nil { // the worker's metrics count the statements by activity
		return store.OpenTraced(ctx, c.DatabaseURL, c.DBPool, c.Metrics.Statements())
	}
	return store.Open(ctx, c.DatabaseURL, c.DBPool)
}

// Temporal dials the Temporal frontend, logging through zap.
func (c Config) Temporal(log *zap.Logger) (client.Client, error) {
	// Temporal's own client conventions (envconfig): a profile of the TOML file that
	// TEMPORAL_CONFIG_FILE names (default ~/.config/temporalio/temporal.toml), chosen by
	// TEMPORAL_PROFILE, and the TEMPORAL_* variables over it — address, namespace,
	// TEMPORAL_API_KEY, TEMPORAL_TLS*, gRPC headers — so the same binaries reach Temporal
	// Cloud or an mTLS cluster. The address and namespace are the config's (a test may set them).
	opts, err := envconfig.LoadDefaultClientOptions()
	if err != nil {
		return nil, fmt.Errorf("temporal client configuration (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE, TEMPORAL_*): %w", err)
	}
	opts.HostPort, opts.Namespace, opts.Logger = c.TemporalAddress, c.TemporalNamespace, NewTemporalLogger(log)
	// Activities scheduled with positional arguments by an earlier release decode into the
	// input structs that replaced them.
	opts.DataConverter = activities.DataConverter()
	if c.Metrics != nil {
		opts.MetricsHandler = c.Metrics.TemporalHandler()
	}
	cl, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("temporal at %s (TEMPORAL_ADDRESS), namespace %s: %w", c.TemporalAddress, c.TemporalNamespace, err)
	}
	return cl, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// WorkerOptions are the Temporal worker's options. Heartbeats reach the server at least every
// 5 s (the SDK would hold them back to 0.8 × a publication pass's 30 s heartbeat timeout): a
// pass hears of its cancellation soon, and its run, which waits for the pass to stop before
// it continues as new, goes on soon after.
func WorkerOptions() worker.Options {
	return worker.Options{MaxHeartbeatThrottleInterval: 5 * time.Second}
}
