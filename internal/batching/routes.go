package batching

import (
	"fmt"

	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// RoutesReader reads the document kind rule and the series a batch may number in.
type RoutesReader interface {
	DocumentRoutes() (rules.Routes, error)
	SeriesRoute(code string) (r rules.Route, cfe, found bool, err error)
}

var _ RoutesReader = (*store.Tx)(nil)

// Routes is the document kind rule a batch numbers by: the database's, or — when the
// batch names a numbering series — that series for every document (seed 001).
func Routes(t RoutesReader, p model.BatchParams) (rules.Routes, error) {
	if p.NumberingSeries == "" {
		return t.DocumentRoutes()
	}
	r, _, found, err := t.SeriesRoute(p.NumberingSeries)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("numbering series %q: %w", p.NumberingSeries, model.ErrNotFound)
	}
	return rules.OverrideRoutes(r), nil
}

// Route numbers a batch's lines as the batch will: each in the series the document kind
// rule says, an order of a class in its class's series (seed 001) — or, when the batch
// names a numbering series, every line in that one.
func Route(t RoutesReader, p model.BatchParams, lines []rules.SourceLine) error {
	routes, err := Routes(t, p)
	if err != nil {
		return err
	}
	rules.RouteDocumentKinds(lines, routes)
	if p.NumberingSeries == "" {
		rules.NumberByClass(lines)
	}
	return nil
}

// numberingProblems checks a batch's numbering series: one that exists, numbers invoices
// or tickets, and is not a CFE series (a CFE's type follows its receiver).
func numberingProblems(t RoutesReader, p *model.BatchParams) ([]string, error) {
	if p.NumberingSeries == "" {
		return nil, nil
	}
	r, cfe, found, err := t.SeriesRoute(p.NumberingSeries)
	switch {
	case err != nil:
		return nil, err
	case !found:
		return []string{fmt.Sprintf("--numbering-series: unknown series %q", p.NumberingSeries)}, nil
	case r.DocumentKind != "invoice" && r.DocumentKind != "ticket":
		return []string{fmt.Sprintf("--numbering-series: series %s numbers %s documents; a batch numbers invoices or tickets", r.Series, r.DocumentKind)}, nil
	case cfe:
		return []string{fmt.Sprintf("--numbering-series: series %s numbers CFE, whose type follows each receiver (e-Ticket or e-Factura): it cannot number a whole batch", r.Series)}, nil
	}
	return nil, nil
}
