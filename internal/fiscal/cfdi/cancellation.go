package cfdi

import (
	"context"
	"errors"
	"strings"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
)

// Cancel asks the PAC to have SAT cancel a stamped CFDI with the motive (SAT's 01-04)
// and, for 01, the UUID of the CFDI that replaces it.
func (p Profile) Cancel(ctx context.Context, d fiscal.Document, issuerTaxID, motive, replacement string) (fiscal.Cancellation, error) {
	return p.cancelCall(ctx, d, func(c Canceller) (CancelAnswer, error) {
		return c.Cancel(ctx, CancelRequest{IssuerRFC: issuerTaxID, UUID: d.UUID, Motive: motive, Replacement: replacement})
	})
}

// CancelStatus asks where a cancellation awaiting the receiver stands: SAT's status
// service first (what SAT itself says of the CFDI), then the PAC when SAT's answer does not
// settle it (the request not at SAT yet, or the service out of reach).
func (p Profile) CancelStatus(ctx context.Context, d fiscal.Document, issuerTaxID string) (fiscal.Cancellation, error) {
	if c, ok := p.satCancelStatus(ctx, d); ok {
		return c, nil
	}
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

// satCancelStatus reads a cancellation's state from SAT's status service; ok is false
// when there is no such service or its answer does not settle the cancellation.
func (p Profile) satCancelStatus(ctx context.Context, d fiscal.Document) (fiscal.Cancellation, bool) {
	if p.SAT == nil || d.UUID == "" {
		return fiscal.Cancellation{}, false
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(d.XML); err != nil {
		return fiscal.Cancellation{}, false
	}
	s, err := p.SAT.Status(ctx, VerificationURL(doc))
	if err != nil || !s.Found() {
		return fiscal.Cancellation{}, false
	}
	status := SATCancellation(s)
	if status == "" {
		return fiscal.Cancellation{}, false
	}
	said := s.CancellationStatus
	if said == "" {
		said = s.State
	}
	return fiscal.Cancellation{Status: status, AuthorityStatus: said}, true
}

// SATCancellation reads where a cancellation stands from SAT's status answer: done once
// SAT says Cancelado, rejected when the receiver refused it, pending while SAT waits for
// the receiver; "" when the answer does not say (no request at SAT yet, or a deadline
// passed that SAT has not acted on).
func SATCancellation(s SATStatus) string {
	switch {
	case s.State == "Cancelado":
		return CancelDone
	case strings.HasPrefix(s.CancellationStatus, "Solicitud rechazada"):
		return CancelRejected
	case s.CancellationStatus == "En proceso":
		return CancelPending
	}
	return ""
}
