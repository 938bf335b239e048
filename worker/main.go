// Command billrun-worker runs billrun's workflows and activities against Temporal and
// PostgreSQL, configured from the environment. It stops gracefully on SIGTERM or SIGINT:
// running activities finish, and Temporal hands the rest to another worker.
package main

import (
	"context"
	"os"

	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"billrun/activities"
	"billrun/worker/config"
	"billrun/workflows"
)

func main() {
	log := config.NewLogger()
	defer log.Sync() //nolint:errcheck
	if err := run(log); err != nil {
		log.Error("worker stopped", zap.Error(err))
		os.Exit(1)
	}
}

func run(log *zap.Logger) error {
	cfg := config.FromEnv()
	ctx := context.Background()
	st, err := cfg.Store(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := cfg.Temporal(log)
	if err != nil {
		return err
	}
	defer c.Close()

	w := worker.New(c, cfg.TaskQueue, worker.Options{})
	workflows.Register(w, &activities.Activities{Store: st, Log: log,
		Mail: activities.MailConfig{Addr: cfg.SMTPHost + ":" + cfg.SMTPPort, From: cfg.MailFrom}})
	log.Info("billrun worker started", zap.String("temporal", cfg.TemporalAddress),
		zap.String("namespace", cfg.TemporalNamespace), zap.String("task_queue", cfg.TaskQueue))
	// worker.InterruptCh closes on SIGINT and SIGTERM; Run then stops the worker gracefully.
	return w.Run(worker.InterruptCh())
}
