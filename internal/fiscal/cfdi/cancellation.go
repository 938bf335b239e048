package cfdi

import (
	"context"
	"errors"

	"billrun/internal/fiscal"
)

// Cancel asks the PAC to have SAT cancel a stamped CFDI with the motive (SAT's 01-04)
// and, for 01, the UUID of the CFDI that replaces it.
func (p Profile) Cancel(ctx context.Context, d fiscal.Document, issuerTaxID, motive, replacement string) (fiscal.Cancellation, error) {
	return p.cancelCall(ctx, d, func(c Canceller) (CancelAnswer, error) {
		return c.Cancel(ctx, CancelRequest{IssuerRFC: issuerTaxID, UUID: d.UUID, Motive: motive, Replacement: replacement})
	})
}

// CancelStatus asks where a cancellation awaiting the receiver stands.
func (p Profile) CancelStatus(ctx context.Context, d fiscal.Document, issuerTaxID string) (fiscal.Cancellation, error) {
	return p.cancelCall(ctx, d, func(c Canceller) (CancelAnswer, error) {
		return c.CancelStatus(ctx, CancelRequest{IssuerRFC: issuerTaxID, UUID: d.UUID})
	})
}

func (p Profile) cancelCall(ctx context.Context, d fiscal.Document, call func(Canceller) (CancelAnswer, error)) (fiscal.Cancellation, error) {
	c, ok := p.PAC.(Canceller)
	if !ok {
		return fiscal.Cancellation{}, &fiscal.Refusal{Reason: "no PAC that cancels CFDI is configured (set PAC_URL, PAC_USER and PAC_PASSWORD)"}
	}
	if d.UUID == "" {
		return fiscal.Cancellation{}, &fiscal.Refusal{Reason: "the CFDI is not stamped: there is nothing to cancel at SAT"}
	}
	a, err := call(c)
	var refusal *Refusal
	if errors.As(err, &refusal) {
		return fiscal.Cancellation{}, &fiscal.Refusal{Reason: refusal.Error()}
	}
	if err != nil {
		return fiscal.Cancellation{}, err
	}
	switch a.Status {
	case CancelDone, CancelPending, CancelRejected:
		return fiscal.Cancellation{Status: a.Status, AuthorityStatus: a.SATStatus}, nil
	}
	return fiscal.Cancellation{}, &fiscal.Refusal{Reason: "the PAC answered a cancellation status billrun does not know: " + a.Status + " " + a.SATStatus}
}
