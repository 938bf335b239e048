// Package config reads billrun's settings from the environment and opens its connections
// (the store, the Temporal client); the worker and the CLI share it.
package config

import (
	"context"
	"fmt"
	"os"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"billrun/activities/store"
	"billrun/workflows"
)

// Config holds billrun's settings. Temporal's are named as Temporal's own tools name them.
type Config struct {
	TemporalAddress   string // TEMPORAL_ADDRESS
	TemporalNamespace string // TEMPORAL_NAMESPACE
	DatabaseURL       string // DATABASE_URL
	SMTPHost          string // SMTP_HOST
	SMTPPort          string // SMTP_PORT
	MailFrom          string // MAIL_FROM
	TaskQueue         string // BILLRUN_TASK_QUEUE
	WebUI             string // TEMPORAL_UI (for links printed by the CLI)
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// FromEnv reads the environment with local-stack defaults.
func FromEnv() Config {
	return Config{
		TemporalAddress:   env("TEMPORAL_ADDRESS", "localhost:7233"),
		TemporalNamespace: env("TEMPORAL_NAMESPACE", "default"),
		DatabaseURL:       env("DATABASE_URL", ""),
		SMTPHost:          env("SMTP_HOST", "localhost"),
		SMTPPort:          env("SMTP_PORT", "1025"),
		MailFrom:          env("MAIL_FROM", "billing@billrun.local"),
		TaskQueue:         env("BILLRUN_TASK_QUEUE", workflows.DefaultTaskQueue),
		WebUI:             env("TEMPORAL_UI", "http://localhost:8233"),
	}
}

// Store opens billrun's database.
func (c Config) Store(ctx context.Context) (*store.Store, error) {
	if c.DatabaseURL == "" {
		return nil, fmt.Errorf("DATABASE_URL is not set: point it at billrun's PostgreSQL database")
	}
	return store.Open(ctx, c.DatabaseURL)
}

// Temporal dials the Temporal frontend, logging through zap.
func (c Config) Temporal(log *zap.Logger) (client.Client, error) {
	cl, err := client.Dial(client.Options{
		HostPort:  c.TemporalAddress,
		Namespace: c.TemporalNamespace,
		Logger:    NewTemporalLogger(log),
	})
	if err != nil {
		return nil, fmt.Errorf("temporal at %s (TEMPORAL_ADDRESS), namespace %s: %w", c.TemporalAddress, c.TemporalNamespace, err)
	}
	return cl, nil
}
