package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
	"billrun/internal/rules"
)

const templateColumns = `name, sources, orders_from, orders_to, grouping, coalesce(series, ''), fixed_series`

func scanTemplate(r pgx.Row) (rules.Template, error) {
	var t rules.Template
	err := r.Scan(&t.Name, &t.Sources, &t.OrdersFrom, &t.OrdersTo, &t.Grouping, &t.Series, &t.FixedSeries)
	return t, err
}

// Template reads a billing template.
func (s *Store) Template(ctx context.Context, name string) (rules.Template, error) {
	t, err := scanTemplate(s.pool.QueryRow(ctx, `select `+templateColumns+` from billing_templates where name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("template %q: %w", name, model.ErrNotFound)
	}
	return t, err
}

// Templates lists the billing templates by name.
func (s *Store) Templates(ctx context.Context) ([]rules.Template, error) {
	rows, err := s.pool.Query(ctx, `select `+templateColumns+` from billing_templates order by name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (rules.Template, error) { return scanTemplate(r) })
}
