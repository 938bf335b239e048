package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"billrun/internal/model"
)

// Issuers' countries: an issuer's calendar — its "today", its months — is its country's,
// so a command's default date is read where the issuers it concerns are.

// SeriesCountries are the countries of the series' issuer, or of every issuer when series
// is empty (a batch that does not name its series may bill any of them).
func (s *Store) SeriesCountries(ctx context.Context, series string) ([]string, error) {
	if series == "" {
		return s.countries(ctx, `select distinct country from issuers order by 1`)
	}
	// A series that does not exist answers none: the batch's own validation names it.
	return s.countries(ctx, `select i.country from series s join issuers i on i.code = s.issuer where s.code = $1`, series)
}

// InvoiceCurrency is an invoice's currency and its decimals.
func (s *Store) InvoiceCurrency(ctx context.Context, id int64) (string, int32, error) {
	var c string
	var d int32
	err := s.pool.QueryRow(ctx, `select v.currency, cur.decimals from invoices v join currencies cur on cur.code = v.currency where v.id = $1`, id).Scan(&c, &d)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	return c, d, err
}

// CurrencyDecimals is a currency's code as stored and its decimals; an unknown one is an
// input error naming it.
func (s *Store) CurrencyDecimals(ctx context.Context, code string) (string, int32, error) {
	var d int32
	err := s.pool.QueryRow(ctx, `select decimals from currencies where code = $1`, code).Scan(&d)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, &model.InputError{Problems: []string{fmt.Sprintf("--currency: unknown currency %q", code)}}
	}
	return code, d, err
}

// InvoiceCountry is the country of the invoice's issuer.
func (s *Store) InvoiceCountry(ctx context.Context, id int64) (string, error) {
	var c string
	err := s.pool.QueryRow(ctx, `select i.country from invoices v join issuers i on i.code = v.issuer where v.id = $1`, id).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("invoice %d: %w", id, model.ErrNotFound)
	}
	return c, err
}

// BatchCountries are the countries of the issuers of the batch's invoices.
func (s *Store) BatchCountries(ctx context.Context, batchID string) ([]string, error) {
	return s.countries(ctx, `select distinct i.country from invoices v join issuers i on i.code = v.issuer where v.batch_id = $1 order by 1`, batchID)
}

func (s *Store) countries(ctx context.Context, sql string, args ...any) ([]string, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// SeriesOfKind lists the series of a document kind.
func (s *Store) SeriesOfKind(ctx context.Context, kind string) ([]string, error) {
	return s.countries(ctx, `select code from series where document_kind = $1 order by code`, kind)
}

// MonthlyIssuers lists the Mexican issuers that issue monthly payment receipts.
func (s *Store) MonthlyIssuers(ctx context.Context) ([]string, error) {
	return s.countries(ctx, `select code from issuers where payment_receipts = 'monthly' and country = 'MX' order by code`)
}

// MexicanIssuers lists the Mexican issuers (their payments take receipts, CFDI P).
func (s *Store) MexicanIssuers(ctx context.Context) ([]string, error) {
	return s.countries(ctx, `select code from issuers where country = 'MX' order by code`)
}
