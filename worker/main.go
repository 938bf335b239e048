// Command billrun-worker runs billrun's workflows and activities against Temporal and
// PostgreSQL, configured from the environment. It waits for both at start, and stops
// gracefully on SIGTERM or SIGINT: running activities finish, and Temporal hands the rest
// to another worker.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"billrun/internal/store"
	"billrun/worker/config"
	"billrun/worker/metrics"
	"billrun/workflows"
)

const usage = `billrun-worker runs billrun's workflows and activities: it connects to Temporal and
PostgreSQL as the environment says, waits for both, and works until SIGTERM or SIGINT.

Usage: billrun-worker [--help | --version]

`

func main() {
	for _, arg := range os.Args[1:] {
		switch arg {
		case "-h", "--help", "help":
			fmt.Print(usage + config.EnvHelp + "\n")
			return
		case "-v", "--version", "version":
			fmt.Println("billrun-worker", config.Version())
			return
		default:
			fmt.Fprintf(os.Stderr, "billrun-worker: unknown argument %q (see billrun-worker --help)\n", arg)
			os.Exit(2)
		}
	}
	log := config.NewLogger()
	defer log.Sync() //nolint:errcheck
	if err := run(log); err != nil {
		log.Error("worker stopped", zap.Error(err))
		os.Exit(1)
	}
}

func run(log *zap.Logger) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if cfg.MetricsAddr != "" {
		cfg.Metrics = metrics.New()
	}
	st, inst, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := cfg.Temporal(log)
	if err != nil {
		return err
	}
	defer c.Close()

	w := worker.New(c, cfg.TaskQueue, config.WorkerOptions())
	acts, err := cfg.Activities(st, inst)
	if err != nil {
		return err
	}
	workflows.Register(w, acts, workflows.Client{Temporal: c, TaskQueue: cfg.TaskQueue, Installation: inst, Timeouts: cfg.Timeouts})
	if cfg.MetricsAddr != "" {
		ready := func(ctx context.Context) error {
			if err := st.Ping(ctx); err != nil {
				return fmt.Errorf("database: %w", err)
			}
			if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
				return fmt.Errorf("temporal: %w", err)
			}
			return nil
		}
		cfg.Metrics.OnScrape(metrics.DatabaseGauges(st.Gauges))
		srv := &http.Server{Addr: cfg.MetricsAddr, Handler: cfg.Metrics.Mux(ready), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics endpoint", zap.String("addr", cfg.MetricsAddr), zap.Error(err))
			}
		}()
		defer srv.Close()
		log.Info("metrics on http://"+cfg.MetricsAddr+"/metrics", zap.String("health", "/healthz"), zap.String("ready", "/readyz"))
	}
	log.Info("billrun worker started", zap.String("temporal", cfg.TemporalAddress),
		zap.String("namespace", cfg.TemporalNamespace), zap.String("task_queue", cfg.TaskQueue),
		zap.String("installation", inst), zap.Int("db_pool", cfg.DBPool), zap.String("pac", cfg.PACURL))
	// worker.InterruptCh closes on SIGINT and SIGTERM; Run then stops the worker gracefully.
	return w.Run(worker.InterruptCh())
}

// openStore connects to PostgreSQL, waiting with backoff while it is unreachable (a worker
// started before its database, or during a restart), and reads the installation id.
func openStore(ctx context.Context, cfg config.Config, log *zap.Logger) (*store.Store, string, error) {
	wait := time.Second
	for {
		st, err := cfg.Store(ctx)
		if err == nil {
			inst, ierr := st.Installation(ctx)
			if ierr == nil {
				return st, inst, nil
			}
			st.Close()
			err = ierr
		}
		if cfg.DatabaseURL == "" {
			return nil, "", err
		}
		log.Warn("database not ready, retrying", zap.Error(err), zap.Duration("in", wait))
		select {
		case <-ctx.Done():
			return nil, "", err
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}
