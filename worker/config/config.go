// Package config reads billrun's settings from the environment and opens its connections
// (the store, the Temporal client); the worker and the CLI share it.
package config

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

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
	DBPool            int    // BILLRUN_DB_POOL: connections of the worker's pool (size it for the window)
	Window            int    // BILLRUN_WINDOW: invoice workflows a batch runs at once
	PageSize          int    // BILLRUN_PAGE_SIZE: open invoices a batch lists per page
	// BILLRUN_STEP_TIMEOUT, BILLRUN_PLAN_TIMEOUT, BILLRUN_DELIVERY_TIMEOUT (Go durations).
	Timeouts workflows.Timeouts
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func envDuration(name string) time.Duration {
	d, _ := time.ParseDuration(os.Getenv(name))
	return d
}

// FromEnv reads the environment with local-stack defaults.
func FromEnv() Config {
	return Config{
		DBPool:   envInt("BILLRUN_DB_POOL", 40),
		Window:   envInt("BILLRUN_WINDOW", workflows.DefaultWindow),
		PageSize: envInt("BILLRUN_PAGE_SIZE", workflows.DefaultPageSize),
		Timeouts: workflows.Timeouts{Step: envDuration("BILLRUN_STEP_TIMEOUT"), Plan: envDuration("BILLRUN_PLAN_TIMEOUT"),
			Delivery: envDuration("BILLRUN_DELIVERY_TIMEOUT")},
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
	return store.Open(ctx, c.DatabaseURL, c.DBPool)
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
