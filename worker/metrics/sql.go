package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/activity"
)

// StatementTracer counts the SQL statements the store sends, and the time they take, by
// the activity that sent them (issue 28: what each step costs in round trips). Statements
// sent outside an activity are counted as "other".
type StatementTracer struct{ r *Registry }

// Statements is the registry's statement tracer, for the store's pool.
func (r *Registry) Statements() pgx.QueryTracer { return StatementTracer{r: r} }

type traceStart struct{}

type traced struct {
	step  string
	start time.Time
}

// TraceQueryStart counts the statement under its activity.
func (t StatementTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	step := "other"
	if activity.IsActivity(ctx) {
		step = activity.GetInfo(ctx).ActivityType.Name
	}
	t.r.add(stepSeries("billrun_sql_statements_total", step), 1)
	return context.WithValue(ctx, traceStart{}, traced{step: step, start: time.Now()})
}

// TraceQueryEnd records how long the statement took.
func (t StatementTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if s, ok := ctx.Value(traceStart{}).(traced); ok {
		t.r.observe(stepSeries("billrun_sql", s.step), time.Since(s.start))
	}
}

// TraceBatchStart starts timing a batch (pgx.Batch): its statements travel in one round
// trip but each is a statement, counted as it is sent (TraceBatchQuery).
func (t StatementTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	step := "other"
	if activity.IsActivity(ctx) {
		step = activity.GetInfo(ctx).ActivityType.Name
	}
	return context.WithValue(ctx, traceStart{}, traced{step: step, start: time.Now()})
}

// TraceBatchQuery counts one statement of a batch under its activity.
func (t StatementTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchQueryData) {
	if s, ok := ctx.Value(traceStart{}).(traced); ok {
		t.r.add(stepSeries("billrun_sql_statements_total", s.step), 1)
	}
}

// TraceBatchEnd records how long the batch took, once.
func (t StatementTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	if s, ok := ctx.Value(traceStart{}).(traced); ok {
		t.r.observe(stepSeries("billrun_sql", s.step), time.Since(s.start))
	}
}

var _ pgx.BatchTracer = StatementTracer{}

// stepSeries is a metric's series for one activity, written once per name and activity:
// every statement is counted.
func stepSeries(name, step string) series {
	k := [2]string{name, step}
	if s, ok := stepSeriesCache.Load(k); ok {
		return s.(series)
	}
	s := key(name, map[string]string{"activity": step})
	stepSeriesCache.Store(k, s)
	return s
}

var stepSeriesCache sync.Map
