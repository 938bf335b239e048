package config

import (
	"os"

	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// NewLogger is billrun's zap logger: JSON lines on stderr, level from LOG_LEVEL.
func NewLogger() *zap.Logger {
	cfg := zap.NewProductionConfig()
	if lvl, err := zapcore.ParseLevel(os.Getenv("LOG_LEVEL")); err == nil {
		cfg.Level = zap.NewAtomicLevelAt(lvl)
	}
	l, err := cfg.Build()
	if err != nil {
		return zap.NewNop()
	}
	return l
}

// temporalLogger lets the Temporal SDK log through zap.
type temporalLogger struct{ s *zap.SugaredLogger }

// NewTemporalLogger adapts a zap logger to the SDK's logger interface.
func NewTemporalLogger(l *zap.Logger) log.Logger {
	return temporalLogger{s: l.WithOptions(zap.AddCallerSkip(1)).Sugar()}
}

func (t temporalLogger) Debug(msg string, kv ...any) { t.s.Debugw(msg, kv...) }
func (t temporalLogger) Info(msg string, kv ...any)  { t.s.Infow(msg, kv...) }
func (t temporalLogger) Warn(msg string, kv ...any)  { t.s.Warnw(msg, kv...) }
func (t temporalLogger) Error(msg string, kv ...any) { t.s.Errorw(msg, kv...) }
